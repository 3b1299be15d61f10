"""Security headers on every response, and the CSP nonce for the one inline brand style."""

from __future__ import annotations

import secrets

from flask import Flask, Response, current_app, g, request

CSP = (
    "default-src 'self'; script-src 'self'; style-src 'self' 'nonce-{nonce}'; img-src 'self' data:; "
    "font-src 'self'; connect-src 'self'; form-action 'self'; frame-ancestors 'none'; base-uri 'none'; "
    "object-src 'none'"
)
# Pages whose URL carries a one-click token send no Referer at all, not even to the portal itself.
TOKEN_PATH_PREFIX = "/l/"  # noqa: S105 (a path, not a secret)


def csp_nonce() -> str:
    """Return this request's CSP nonce, made on first use."""
    if "csp_nonce" not in g:
        g.csp_nonce = secrets.token_urlsafe(16)
    return g.csp_nonce


def set_security_headers(response: Response) -> Response:
    """Add the baseline headers; pages are never cached nor indexed, static files may be cached."""
    headers = response.headers
    headers.setdefault("Content-Security-Policy", CSP.format(nonce=csp_nonce()))
    headers["X-Content-Type-Options"] = "nosniff"
    headers["X-Frame-Options"] = "DENY"
    headers["Cross-Origin-Opener-Policy"] = "same-origin"
    headers["Permissions-Policy"] = "camera=(), microphone=(), geolocation=(), payment=()"
    no_referrer = request.path.startswith(TOKEN_PATH_PREFIX)
    headers["Referrer-Policy"] = "no-referrer" if no_referrer else "same-origin"
    if current_app.config["HSTS"]:
        headers["Strict-Transport-Security"] = "max-age=63072000; includeSubDomains"
    if request.endpoint != "static" and not response.cache_control.public:
        headers["Cache-Control"] = "no-store"
        headers["X-Robots-Tag"] = "noindex, nofollow"
    return response


def init_app(app: Flask) -> None:
    """Install the header hook and expose the nonce to templates."""
    app.after_request(set_security_headers)
    app.add_template_global(csp_nonce)

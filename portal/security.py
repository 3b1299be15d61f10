"""Security headers on every response, and the CSP nonce for the one inline brand style."""

from __future__ import annotations

import secrets
from collections.abc import Callable

from flask import Flask, Response, g, request

CSP = (
    "default-src 'self'; script-src 'self'; style-src 'self' 'nonce-{nonce}'; img-src 'self' data:; "
    "font-src 'self'; connect-src 'self'; form-action 'self'; frame-ancestors 'none'; base-uri 'none'; "
    "object-src 'none'"
)
# Pages whose URL carries a one-click token send no Referer at all, not even to the portal itself.
TOKEN_PATH_PREFIX = "/l/"  # noqa: S105 (a path, not a secret)
STATIC_PATH_PREFIX = "/static/"


def csp_nonce() -> str:
    """Return this request's CSP nonce, made on first use."""
    if "csp_nonce" not in g:
        g.csp_nonce = secrets.token_urlsafe(16)
    return g.csp_nonce


def security_headers_hook(hsts: bool) -> Callable[[Response], Response]:
    """The after-request hook; constant headers are built once, not per response."""
    constant = {
        "X-Content-Type-Options": "nosniff",
        "X-Frame-Options": "DENY",
        "Cross-Origin-Opener-Policy": "same-origin",
        "Permissions-Policy": "camera=(), microphone=(), geolocation=(), payment=()",
    }
    if hsts:
        constant["Strict-Transport-Security"] = "max-age=63072000; includeSubDomains"

    def set_security_headers(response: Response) -> Response:
        """Add the baseline headers; pages are never cached nor indexed, static files may be cached."""
        headers = response.headers
        headers.update(constant)
        headers.setdefault("Content-Security-Policy", CSP.format(nonce=csp_nonce()))
        path = request.path
        headers["Referrer-Policy"] = "no-referrer" if path.startswith(TOKEN_PATH_PREFIX) else "same-origin"
        if not path.startswith(STATIC_PATH_PREFIX) and not response.cache_control.public:
            headers["Cache-Control"] = "no-store"
            headers["X-Robots-Tag"] = "noindex, nofollow"
        return response

    return set_security_headers


def init_app(app: Flask) -> None:
    """Install the header hook and expose the nonce to templates."""
    app.after_request(security_headers_hook(app.config["HSTS"]))
    app.add_template_global(csp_nonce)

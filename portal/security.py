"""Security headers on every response, and the CSP nonce for the one inline brand style."""

from __future__ import annotations

import secrets
from collections.abc import Callable

from flask import Flask, Response, g, request

CSP = (
    "default-src 'self'; script-src 'self'; style-src 'self' 'nonce-{{nonce}}'; img-src 'self' data:; "
    "font-src 'self'; connect-src 'self'; form-action {form_action}; frame-ancestors 'none'; base-uri 'none'; "
    "object-src 'none'"
)
# Pages whose URL carries a one-click token send no Referer at all, not even to the portal itself.
TOKEN_PATH_PREFIX = "/l/"  # noqa: S105 (a path, not a secret)
STATIC_PATH_PREFIX = "/static/"
NO_REFERRER, SAME_ORIGIN = "no-referrer", "same-origin"
# Every response but a static file or one that chose its own caching (the creditor's logo).
NOT_CACHED = [("Cache-Control", "no-store"), ("X-Robots-Tag", "noindex, nofollow")]


def csp_nonce() -> str:
    """Return this request's CSP nonce, made on first use."""
    if "csp_nonce" not in g:
        g.csp_nonce = secrets.token_urlsafe(16)
    return g.csp_nonce


def content_security_policy(form_action_origins: tuple[str, ...] = ()) -> str:
    """The CSP with a {nonce} slot; a pay form may also lead to the payment provider's checkout origins.

    Browsers check form-action against the page that submits the form, redirects included, so the
    checkout host must be allowed on the pages with a pay form, not only on the POST's redirect.
    """
    return CSP.format(form_action=" ".join(("'self'", *form_action_origins)))


def security_headers_hook(hsts: bool, csp: str | None = None) -> Callable[[Response], Response]:
    """The after-request hook; constant headers are built once, not per response."""
    csp = csp or content_security_policy()
    constant = [
        ("X-Content-Type-Options", "nosniff"),
        ("X-Frame-Options", "DENY"),
        ("Cross-Origin-Opener-Policy", "same-origin"),
        ("Permissions-Policy", "camera=(), microphone=(), geolocation=(), payment=()"),
    ]
    if hsts:
        constant.append(("Strict-Transport-Security", "max-age=63072000; includeSubDomains"))

    def set_security_headers(response: Response) -> Response:
        """Add the baseline headers; pages are never cached nor indexed, static files may be cached."""
        headers = response.headers
        path = request.path
        added = [*constant, ("Referrer-Policy", NO_REFERRER if path.startswith(TOKEN_PATH_PREFIX) else SAME_ORIGIN)]
        if "Content-Security-Policy" not in headers:
            added.append(("Content-Security-Policy", csp.format(nonce=csp_nonce())))
        if not path.startswith(STATIC_PATH_PREFIX) and "Cache-Control" not in headers:
            added += NOT_CACHED
        headers.extend(added)
        return response

    return set_security_headers


def init_app(app: Flask) -> None:
    """Install the header hook (templates get the nonce through portal.pagecache); after portal.providers."""
    origins = app.extensions["payment_provider"].form_action_origins
    app.after_request(security_headers_hook(app.config["HSTS"], content_security_policy(origins)))

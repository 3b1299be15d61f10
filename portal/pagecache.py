"""Whole-page cache for pages that change only with a revision (the case page).

A page is rendered once per (case revision, creditor revision, language) with placeholders where
per-request values go (the CSRF token and the CSP nonce), kept in a small in-process LRU, and filled
in on every request. Revisions change on every flush that touches what the page shows
(portal.services.revisions), so a cached page can never be stale, in any process.
"""

from __future__ import annotations

import threading
from collections.abc import Callable, Hashable

from cachetools import LRUCache
from flask import Flask, current_app, g, session
from flask_wtf.csrf import generate_csrf

from portal.security import csp_nonce

CSRF_PLACEHOLDER = "__betal_csrf_token__"
# A session may carry its signed CSRF token, made once when it starts, so a cached page is filled
# without signing anything per view.
SESSION_FORM_TOKEN = "form_token"  # noqa: S105 (a session key, not a secret)
NONCE_PLACEHOLDER = "__betal_csp_nonce__"


class PageCache:
    """A thread-safe LRU of rendered pages; size 0 turns caching off."""

    def __init__(self, maxsize: int) -> None:
        self._pages: LRUCache | None = LRUCache(maxsize) if maxsize > 0 else None
        self._lock = threading.Lock()

    def get(self, key: Hashable) -> str | None:
        """The cached page for key, if any."""
        if self._pages is None:
            return None
        with self._lock:
            return self._pages.get(key)

    def put(self, key: Hashable, html: str) -> None:
        """Remember a rendered page."""
        if self._pages is not None:
            with self._lock:
                self._pages[key] = html


def rendering_placeholders() -> bool:
    """Whether the template being rendered is going into the cache."""
    return bool(g.get("render_placeholders"))


def template_csrf_token() -> str:
    """csrf_token() for templates: a placeholder while rendering for the cache."""
    return CSRF_PLACEHOLDER if rendering_placeholders() else generate_csrf()


def template_csp_nonce() -> str:
    """csp_nonce() for templates: a placeholder while rendering for the cache."""
    return NONCE_PLACEHOLDER if rendering_placeholders() else csp_nonce()


def render_cached(key: Hashable, render: Callable[[], str]) -> str:
    """Return the page for key, rendering it on a miss, with this request's token and nonce filled in."""
    cache: PageCache = current_app.extensions["page_cache"]
    html = cache.get(key)
    if html is None:
        g.render_placeholders = True
        try:
            html = render()
        finally:
            g.render_placeholders = False
        cache.put(key, html)
    return html.replace(CSRF_PLACEHOLDER, form_token()).replace(NONCE_PLACEHOLDER, csp_nonce())


def form_token() -> str:
    """This session's signed CSRF token (valid for the session's lifetime)."""
    return session.get(SESSION_FORM_TOKEN) or generate_csrf()


def init_app(app: Flask) -> None:
    """Create the cache (off while templates auto-reload) and the placeholder-aware template globals."""
    size = 0 if app.debug or app.config.get("TEMPLATES_AUTO_RELOAD") else app.config["PAGE_CACHE_SIZE"]
    app.extensions["page_cache"] = PageCache(size)
    # Flask-WTF offers csrf_token both as a global and through a context processor; override both.
    app.add_template_global(template_csrf_token, "csrf_token")
    app.add_template_global(template_csp_nonce, "csp_nonce")
    app.context_processor(lambda: {"csrf_token": template_csrf_token})

"""Rate limits for the few endpoints that need them, counted by the `limits` library.

A moving window counts the attempts of the last period, so there is no burst at a clock boundary.
Counters live in memory by default and in Redis with PORTAL_REDIS_URL, so every process shares
them. Only the decorated views pay for a limit; other requests run no rate-limit code at all.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from functools import lru_cache, wraps

from flask import Flask, current_app, request
from limits import RateLimitItem, parse
from limits.storage import storage_from_string
from limits.strategies import MovingWindowRateLimiter
from werkzeug.exceptions import TooManyRequests


@lru_cache(maxsize=32)
def _item(rate: str) -> RateLimitItem:
    """A parsed rate such as '60 per minute'."""
    return parse(rate)


def hit(rate: str, *identifiers: str) -> None:
    """Count one attempt against a rate; answer 429 with Retry-After once it is used up."""
    if not current_app.config["RATELIMIT_ENABLED"]:
        return
    limiter: MovingWindowRateLimiter = current_app.extensions["rate_limiter"]
    item = _item(rate)
    if not limiter.hit(item, *identifiers):
        reset_at = limiter.get_window_stats(item, *identifiers).reset_time
        raise TooManyRequests(retry_after=max(1, round(reset_at - time.time())))


def client_address() -> str:
    """The client's address (behind trusted proxies, ProxyFix has already put the real one here)."""
    return request.remote_addr or "unknown"


def limited(setting: str, key: Callable[[], str]) -> Callable:
    """Decorate a view with the rate named by a config setting, counted per key()."""

    def decorator(view: Callable) -> Callable:
        @wraps(view)
        def limited_view(*args, **kwargs):
            hit(current_app.config[setting], view.__name__, key())
            return view(*args, **kwargs)

        return limited_view

    return decorator


def init_app(app: Flask) -> None:
    """Connect the counters' storage (memory:// or a Redis URL)."""
    app.extensions["rate_limiter"] = MovingWindowRateLimiter(storage_from_string(app.config["RATELIMIT_STORAGE_URI"]))

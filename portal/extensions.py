"""Flask extensions, created unbound and wired in create_app through init_app."""

from flask import request
from flask_babel import Babel
from flask_limiter import Limiter
from flask_limiter.util import get_remote_address
from flask_wtf import CSRFProtect

babel = Babel()
csrf = CSRFProtect()
limiter = Limiter(key_func=get_remote_address, default_limits=[])


def link_rate_key() -> str:
    """Rate-limit a one-click link per client address and link, so one link cannot be hammered."""
    token = (request.view_args or {}).get("token", "")
    return f"{get_remote_address()}|{token.split('.', 1)[0]}"


# Paths whose views carry rate limits; every other request skips the limiter's per-request work.
RATE_LIMITED_PREFIXES = ("/l/",)


@limiter.request_filter
def _not_rate_limited() -> bool:
    """Exempt requests outside the rate-limited paths (the case page is served without that cost)."""
    return not request.path.startswith(RATE_LIMITED_PREFIXES)

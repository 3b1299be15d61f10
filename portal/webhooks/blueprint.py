"""The webhooks blueprint: no session, no CSRF (a provider cannot hold either), a signature on every request."""

from __future__ import annotations

from flask import Blueprint

from portal.extensions import csrf

bp = Blueprint("webhooks", __name__, url_prefix="/webhooks")
csrf.exempt(bp)

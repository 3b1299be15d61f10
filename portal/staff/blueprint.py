"""The staff blueprint, its one access rule (signed in, session valid, role and creditor scope) and its errors."""

from __future__ import annotations

import time
from collections.abc import Callable
from datetime import timedelta
from typing import TypeVar
from urllib.parse import urlsplit

from flask import Blueprint, abort, current_app, g, redirect, render_template, request, session, url_for

from portal.access import is_public
from portal.db import get_session
from portal.models import utcnow
from portal.services import staff_auth, staff_cases
from portal.services.errors import NotFound

bp = Blueprint("staff", __name__, url_prefix="/staff")

SESSION_STAFF = "staff"
SESSION_STAMP = "staff_stamp"
SESSION_STARTED = "staff_started"
SESSION_SEEN = "staff_seen"
STAFF_KEYS = (SESSION_STAFF, SESSION_STAMP, SESSION_STARTED, SESSION_SEEN)
View = TypeVar("View", bound=Callable)


def admin_only(view: View) -> View:
    """Mark a staff view as reserved for admins."""
    view.admin_only = True  # type: ignore[attr-defined]
    return view


def safe_next(target: str | None) -> str | None:
    """target if it is a staff path on this site, else None (no open redirects, however disguised)."""
    if not target or "\\" in target or any(ord(char) < 32 or ord(char) == 127 for char in target):
        return None
    parts = urlsplit(target)
    if parts.scheme or parts.netloc or not parts.path.startswith("/staff") or target.startswith("//"):
        return None
    return target


def session_limits() -> staff_auth.SessionLimits:
    """The idle and absolute timeouts from the settings."""
    config = current_app.config
    return staff_auth.SessionLimits(
        idle=timedelta(minutes=config["STAFF_IDLE_MINUTES"]), absolute=timedelta(hours=config["STAFF_SESSION_HOURS"])
    )


def _signed_in_user():
    """The staff user of this session if the session is still valid, else None."""
    public_id, stamp = session.get(SESSION_STAFF), session.get(SESSION_STAMP)
    if not public_id or not stamp:
        return None
    return staff_auth.load_signed_in(
        get_session(),
        public_id,
        stamp,
        started=session.get(SESSION_STARTED, 0),
        seen=session.get(SESSION_SEEN, 0),
        limits=session_limits(),
        now=utcnow(),
    )


def _to_login():
    """Forget the staff part of the session and send the browser to the login page."""
    for key in STAFF_KEYS:
        session.pop(key, None)
    target = request.full_path.rstrip("?") if request.method == "GET" else None
    return redirect(url_for("staff.login", next=safe_next(target)))


@bp.before_request
def require_staff():
    """Access rule: a signed-in staff user with a valid session, the right role, and the case in scope."""
    if is_public(current_app, request.endpoint):
        return None
    user = _signed_in_user()
    if user is None:
        return _to_login()
    g.staff = user
    session[SESSION_SEEN] = int(time.time())
    view = current_app.view_functions.get(request.endpoint)
    if getattr(view, "admin_only", False) and user.role != "admin":
        abort(403)
    args = request.view_args or {}
    if "case_id" in args:
        g.case = staff_cases.find_case(get_session(), user, args["case_id"])
    if "debtor_id" in args:
        g.debtor = staff_cases.find_debtor(get_session(), user, args["debtor_id"])
    return None


@bp.errorhandler(NotFound)
def not_found(_error: NotFound):
    """A case or debtor that does not exist or is outside the user's scope: the same 404 either way."""
    return render_template("staff/not_found.html"), 404


@bp.errorhandler(403)
def forbidden(_error):
    """A page for admins only."""
    return render_template("staff/forbidden.html"), 403

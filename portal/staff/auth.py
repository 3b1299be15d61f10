"""Staff login in two steps (password, then TOTP or a recovery code), first-login enrolment, and logout."""

from __future__ import annotations

import time

from flask import current_app, g, redirect, render_template, request, session, url_for

from portal.access import public
from portal.db import get_session
from portal.ratelimit import client_address, hit
from portal.services import audit, staff_auth
from portal.services.staff_auth import CodeRejected, LoginFailed
from portal.staff.blueprint import (
    SESSION_SEEN,
    SESSION_STAFF,
    SESSION_STAMP,
    SESSION_STARTED,
    bp,
    safe_next,
)
from portal.staff.forms import CodeForm, LoginForm

SESSION_PENDING = "staff_pending"
SESSION_PENDING_AT = "staff_pending_at"
SESSION_NEXT = "staff_next"
PENDING_SECONDS = 10 * 60  # time to type the code after the password


def _throttle() -> None:
    """Count a login attempt from this address (429 once the rate is used up)."""
    hit(current_app.config["STAFF_LOGIN_RATE_LIMIT"], "staff_login", client_address())


def _pending_user():
    """The account that passed the password step in this browser a short while ago, else None."""
    if time.time() - session.get(SESSION_PENDING_AT, 0) > PENDING_SECONDS:
        return None
    return staff_auth.find_pending(get_session(), session.get(SESSION_PENDING))


def _start_pending(user, next_path: str | None) -> None:
    """A fresh session that remembers only who passed the password step (rotation: nothing else survives)."""
    session.clear()
    session[SESSION_PENDING] = user.public_id
    session[SESSION_PENDING_AT] = int(time.time())
    if next_path:
        session[SESSION_NEXT] = next_path


def _complete_login(user) -> str:
    """Replace the session with a signed-in one; return where to go next."""
    target = safe_next(session.get(SESSION_NEXT)) or url_for("staff.search")
    session.clear()
    now = int(time.time())
    session.update({SESSION_STAFF: user.public_id, SESSION_STAMP: user.session_stamp})
    session.update({SESSION_STARTED: now, SESSION_SEEN: now})
    return target


@bp.route("/login", methods=["GET", "POST"])
@public
def login():
    """Step one: e-mail and password. Every failure reads the same."""
    form = LoginForm(next=request.args.get("next"))
    if not form.validate_on_submit():
        return render_template("staff/login.html", form=form), 422 if form.errors else 200
    _throttle()
    try:
        user = staff_auth.check_password(get_session(), form.email.data, form.password.data)
    except LoginFailed as error:
        get_session().commit()  # keep the failure count
        return render_template("staff/login.html", form=form, error=error.reason), 422
    get_session().commit()
    _start_pending(user, safe_next(form.next.data))
    step = "staff.second_factor" if user.totp_confirmed_at else "staff.enrol"
    return redirect(url_for(step), 303)


@bp.route("/login/code", methods=["GET", "POST"])
@public
def second_factor():
    """Step two: a fresh code from the authenticator app, or an unused recovery code."""
    user = _pending_user()
    if user is None or user.totp_confirmed_at is None:
        return redirect(url_for("staff.login"), 303)
    form = CodeForm()
    if not form.validate_on_submit():
        return render_template("staff/code.html", form=form), 422 if form.errors else 200
    _throttle()
    try:
        method = staff_auth.check_second_factor(get_session(), user, form.code.data)
    except (CodeRejected, LoginFailed) as error:
        get_session().commit()  # keep the failure count
        return render_template("staff/code.html", form=form, error=error.reason), 422
    audit.record(get_session(), user, "staff.login", ip=client_address(), data={"method": method})
    get_session().commit()
    return redirect(_complete_login(user), 303)


@bp.route("/login/enrol", methods=["GET", "POST"])
@public
def enrol():
    """First login: scan the QR code, confirm with a code, and receive recovery codes once."""
    user = _pending_user()
    if user is None or user.totp_confirmed_at is not None:
        return redirect(url_for("staff.login"), 303)
    staff_auth.start_enrolment(user)
    get_session().commit()
    form = CodeForm()
    uri = staff_auth.provisioning_uri(user)
    page = {"form": form, "secret": user.totp_secret, "qr": staff_auth.qr_code_data_uri(uri)}
    if not form.validate_on_submit():
        return render_template("staff/enrol.html", **page), 422 if form.errors else 200
    _throttle()
    try:
        codes = staff_auth.confirm_enrolment(get_session(), user, form.code.data)
    except (CodeRejected, LoginFailed) as error:
        get_session().commit()
        return render_template("staff/enrol.html", error=error.reason, **page), 422
    audit.record(get_session(), user, "staff.enrolled", ip=client_address())
    audit.record(get_session(), user, "staff.login", ip=client_address(), data={"method": "enrolment"})
    get_session().commit()
    target = _complete_login(user)
    return render_template("staff/recovery_codes.html", codes=codes, target=target)


@bp.post("/logout")
def logout():
    """End every session of the user on the server (a new stamp), then forget this one (CSRF checked globally)."""
    staff_auth.end_sessions(g.staff)
    audit.record(get_session(), g.staff, "staff.logout", ip=client_address())
    get_session().commit()
    session.clear()
    return redirect(url_for("staff.login"), 303)

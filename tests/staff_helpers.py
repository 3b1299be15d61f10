"""Builders for the staff tests: accounts with an enrolled authenticator, and the two-step login."""

from __future__ import annotations

import time

import pyotp
from flask.testing import FlaskClient

from portal.i18n import LANG_COOKIE
from portal.models import Creditor, StaffUser, WebhookDelivery, WebhookEndpoint, utcnow
from portal.services import events, outbox, staff_auth
from tests.conftest import csrf_from

PASSWORD = "correct horse battery staple"


def make_staff(
    db, email: str = "agent@betal.example", *, role: str = "agent", creditor: Creditor | None = None, enrolled=True
) -> StaffUser:
    """A committed staff account, with a confirmed TOTP secret unless enrolled=False."""
    user = staff_auth.create_staff(db, email, PASSWORD, role=role, creditor=creditor)
    if enrolled:
        user.totp_secret = pyotp.random_base32()
        user.totp_confirmed_at = utcnow()
    db.commit()
    return user


def code_for(user: StaffUser, offset: int = 0) -> str:
    """The user's TOTP code for the current time step plus offset steps."""
    totp = pyotp.TOTP(user.totp_secret)
    return totp.generate_otp(totp.timecode(time.time()) + offset)


def password_step(client: FlaskClient, email: str, password: str = PASSWORD, **extra):
    """Post e-mail and password on the login page; return the response."""
    page = client.get("/staff/login")
    return client.post(
        "/staff/login", data={"csrf_token": csrf_from(page.text), "email": email, "password": password, **extra}
    )


def code_step(client: FlaskClient, code: str):
    """Post a code on the second-factor page; return the response."""
    page = client.get("/staff/login/code")
    return client.post("/staff/login/code", data={"csrf_token": csrf_from(page.text), "code": code})


def login(client: FlaskClient, user: StaffUser, *, offset: int = 0):
    """Both steps with a valid password and code; return the code step's response."""
    response = password_step(client, user.email)
    assert response.status_code == 303, response.status_code
    return code_step(client, code_for(user, offset))


def post_form(client: FlaskClient, page_path: str, action: str, **data):
    """Load a staff page for its CSRF token, then post a form to action."""
    page = client.get(page_path)
    return client.post(action, data={"csrf_token": csrf_from(page.text), **data})


def english_client(app) -> FlaskClient:
    """A test client that reads the staff pages in English (the default is Danish)."""
    client = app.test_client()
    client.set_cookie(LANG_COOKIE, "en")
    return client


def make_failed_delivery(db, case) -> WebhookDelivery:
    """A committed webhook delivery about the case that has used up its attempts."""
    endpoint = WebhookEndpoint(creditor_id=case.creditor_id, url="https://hooks.example/betal", secret="whsec_x")
    event = events.record(db, case, "case.created", actor=events.ACTOR_SYSTEM)
    message = outbox.enqueue(db, case, event)
    db.add(endpoint)
    db.flush()
    delivery = WebhookDelivery(
        creditor_id=case.creditor_id,
        endpoint_id=endpoint.id,
        outbox_id=message.id,
        status="failed",
        attempts=8,
        next_attempt_at=None,
        last_status_code=500,
    )
    db.add(delivery)
    db.commit()
    return delivery

"""What comes back about a sent message: SMS delivery receipts (signed by the gateway) and e-mail unsubscribes.

Receipts are signed with PORTAL_SMS_CALLBACK_SECRET: the header `Betal-Signature: t=<unix seconds>,v1=<hex>`
carries HMAC-SHA256 over `<t>.<raw body>`, accepted for five minutes. A "failed", "undeliverable" or
"rejected" receipt records message.failed and stops SMS for the case; "delivered" is noted on the message.
"""

from __future__ import annotations

import hashlib
import hmac
import time
from datetime import datetime

from sqlalchemy import select
from sqlalchemy.orm import Session

from portal.models import Case, Message, utcnow
from portal.services import events, message_sending, messages

SIGNATURE_HEADER = "Betal-Signature"
TOLERANCE_SECONDS = 300
PERMANENT = {"failed", "undeliverable", "rejected"}
KNOWN = PERMANENT | {"delivered", "expired", "accepted", "buffered"}


class BadReceipt(ValueError):
    """A receipt that is unsigned, badly signed, stale or not understood."""


def sign(secret: str, body: bytes, timestamp: int | None = None) -> str:
    """The signature header value for a body (what a gateway sends; tests use it too)."""
    moment = int(time.time()) if timestamp is None else timestamp
    digest = hmac.new(secret.encode(), f"{moment}.".encode() + body, hashlib.sha256).hexdigest()
    return f"t={moment},v1={digest}"


def verify(secret: str, body: bytes, header: str | None, *, now: float | None = None) -> None:
    """Raise BadReceipt unless the header signs the body with the secret, recently."""
    fields = dict(part.strip().split("=", 1) for part in (header or "").split(",") if "=" in part)
    try:
        moment = int(fields["t"])
    except (KeyError, ValueError) as error:
        raise BadReceipt("missing or malformed signature") from error
    if abs((now if now is not None else time.time()) - moment) > TOLERANCE_SECONDS:
        raise BadReceipt("stale signature")
    expected = sign(secret, body, moment).split("v1=", 1)[1]
    if not hmac.compare_digest(expected, fields.get("v1", "")):
        raise BadReceipt("signature mismatch")


def apply(session: Session, receipt: dict, *, now: datetime | None = None) -> str:
    """Apply one verified receipt ({"reference", "status", "error"}); return what it did."""
    now = now or utcnow()
    status = str(receipt.get("status", "")).lower()
    if status not in KNOWN:
        raise BadReceipt(f"unknown status {status!r}")
    reference = str(receipt.get("reference") or "")
    message = session.scalars(
        select(Message).where(Message.channel == messages.SMS,
                              (Message.public_id == reference) | (Message.provider_ref == reference))
    ).first()  # fmt: skip
    if message is None:
        return "unknown"
    if message.status != "sent":
        return "ignored"
    case = session.get(Case, message.case_id)
    if status in PERMANENT or status == "expired":
        message_sending.fail(session, message, case, reason=f"receipt:{status}", stop=status in PERMANENT, now=now)
        return "failed"
    if status == "delivered" and message.reason != "delivered":
        message.reason = "delivered"
        events.record(session, case, "message.delivered", actor=events.ACTOR_SYSTEM,
                      data={"message": message.public_id, "channel": message.channel})  # fmt: skip
    return status


def unsubscribe(session: Session, message_public_id: str) -> bool:
    """One-click unsubscribe (RFC 8058) from a flow e-mail: e-mail nudges stop for that case."""
    message = session.scalars(select(Message).where(Message.public_id == message_public_id)).one_or_none()
    if message is None:
        return False
    case = session.get(Case, message.case_id)
    state = messages.state_for(session, case)
    if state.email_stopped is None:
        messages.stop_channel(session, case, messages.EMAIL, reason="unsubscribed")
        events.record(session, case, "message.unsubscribed", actor=events.ACTOR_DEBTOR, data={"channel": "email"})
    return True

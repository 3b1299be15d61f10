"""Messages to debtors: queue an SMS or e-mail through the outbox, stop a channel, send the link on request.

A message row and its outbox row are written in one transaction; the unique (case, step) of the
message makes a flow step's sending idempotent. The text and the link are rendered only when the
worker sends it (portal/services/message_sending.py), so no token sits in the database or a log.

A fresh link is the case's current link, signed when the message is sent. It does not bump the link
version: a debtor who opens yesterday's SMS still gets in, until the creditor or staff revoke the
link; after a revocation every later message carries the new version.
"""

from __future__ import annotations

from datetime import datetime

from flask_babel import lazy_gettext as _l
from sqlalchemy import exists, select
from sqlalchemy.orm import Session

from portal.models import Case, CaseFlow, Debtor, Message, OutboxMessage, utcnow
from portal.services import events, message_templates, outbox
from portal.services.errors import DomainError, InvalidInput
from portal.services.flows import local

SMS, EMAIL = "sms", "email"
LINK_TEMPLATE = message_templates.LINK_NAME
COUNTED = ("queued", "sent")  # statuses that count towards one message a day


class ChannelStopped(DomainError):
    """The channel stopped for the case (invalid number, hard bounce, unsubscribed)."""

    reason = _l("Messages by this channel have stopped for this case.")


def state_for(session: Session, case: Case) -> CaseFlow:
    """The case's flow state row, created when missing."""
    state = session.scalars(select(CaseFlow).where(CaseFlow.case_id == case.id)).one_or_none()
    if state is None:
        state = CaseFlow(case_id=case.id, creditor_id=case.creditor_id, next_at=utcnow())
        session.add(state)
        session.flush()
    return state


def stopped(state: CaseFlow | None, channel: str) -> str | None:
    """Why the channel stopped for the case, or None."""
    if state is None:
        return None
    return state.sms_stopped if channel == SMS else state.email_stopped


def stop_channel(session: Session, case: Case, channel: str, *, reason: str) -> None:
    """Stop a channel for the case: no flow step or link request uses it again."""
    state = state_for(session, case)
    if channel == SMS:
        state.sms_stopped = reason
    else:
        state.email_stopped = reason


def address(debtor: Debtor, channel: str) -> str | None:
    """The debtor's phone (E.164) or e-mail address for a channel."""
    return debtor.phone if channel == SMS else debtor.email


def sent_on(session: Session, case_id: int, day) -> bool:
    """Whether a message to the case was queued or sent on this Copenhagen day."""
    query = select(Message.id).where(Message.case_id == case_id, Message.local_day == day,
                                     Message.status.in_(COUNTED), Message.channel.in_((SMS, EMAIL)))  # fmt: skip
    return bool(session.scalar(select(exists(query))))


def queue(
    session: Session,
    case: Case,
    *,
    channel: str,
    template: str,
    locale: str,
    day,
    now: datetime,
    step: str | None = None,
    variant: str | None = None,
    kind: str = "flow",
) -> Message:
    """Queue one SMS or e-mail: a message row and its outbox row, in the caller's transaction."""
    message = Message(creditor_id=case.creditor_id, case_id=case.id, kind=kind, step=step, channel=channel,
                      template=template, variant=variant, locale=locale, local_day=day, created_at=now)  # fmt: skip
    session.add(message)
    session.flush()  # a second row for the same step fails here, inside the caller's savepoint
    session.add(
        OutboxMessage(
            public_id=message.public_id,
            channel=channel,
            creditor_id=case.creditor_id,
            case_id=case.id,
            type=f"message.{channel}",
            payload={"message": message.public_id},
            available_at=now,
            created_at=now,
        )
    )
    return message


def record_step(session: Session, case: Case, *, step: str, channel: str, status: str, reason: str | None,
                day, now: datetime) -> Message:  # fmt: skip
    """Record a flow step that sends nothing (skipped, or the hand-over) so it never runs again."""
    message = Message(creditor_id=case.creditor_id, case_id=case.id, step=step, channel=channel, status=status,
                      reason=reason, local_day=day, created_at=now)  # fmt: skip
    message.sent_at = now if status == "sent" else None
    session.add(message)
    session.flush()
    return message


def handover(session: Session, case: Case, *, step: str, day_number: int, local_day, now: datetime) -> Message:
    """The hand-over step: record case.handover and tell the creditor, so its formal reminder takes over."""
    message = record_step(session, case, step=step, channel="handover", status="sent", reason=None, day=local_day,
                          now=now)  # fmt: skip
    data = {"step": step, "day": day_number}
    event = events.record(session, case, "case.handover", actor=events.ACTOR_SYSTEM, data=data)
    outbox.enqueue(session, case, event, {"handover": data})
    return message


def send_link(session: Session, case: Case, *, channel: str, actor: str, now: datetime | None = None) -> Message:
    """Send the case's current link now by SMS or e-mail (staff's button), through the same outbox."""
    now = now or utcnow()
    if channel not in (SMS, EMAIL):
        raise InvalidInput(field="channel", message=_l("Choose SMS or e-mail."))
    debtor = session.get(Debtor, case.debtor_id)
    if not address(debtor, channel):
        raise InvalidInput(field="channel", message=_l("The debtor has no phone number or e-mail address for this."))
    state = session.scalars(select(CaseFlow).where(CaseFlow.case_id == case.id)).one_or_none()
    if stopped(state, channel):
        raise ChannelStopped()
    message = queue(session, case, channel=channel, template=LINK_TEMPLATE, locale=debtor.locale,
                    day=local(now).date(), now=now, kind="link")  # fmt: skip
    events.record(session, case, "message.requested", actor=actor,
                  data={"channel": channel, "message": message.public_id})  # fmt: skip
    return message

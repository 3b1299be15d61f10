"""Sending queued SMS and e-mail: claim due outbox rows, render each with a fresh link, send outside any
transaction, record the outcome.

Claims are leases like the webhook deliveries' (PostgreSQL skips rows another worker locks; SQLite's
single writer makes the conditional UPDATE atomic): only the worker whose token is still on a row
records it. A temporary failure is tried again with backoff for up to two days; a permanent one
records message.failed and stops the channel for the case. A flow message whose case became blocked
(paid, paused …) while it waited is cancelled; a flow SMS that would go out in the quiet hours waits.
"""

from __future__ import annotations

import logging
import secrets
from dataclasses import dataclass
from datetime import datetime, timedelta

from itsdangerous import Signer
from sqlalchemy import select, update
from sqlalchemy.orm import Session

from portal.models import Case, Creditor, Debtor, Message, OutboxMessage
from portal.providers.messages import Email, SendFailed, Sms, TemporaryFailure
from portal.services import events, flows, gsm, links, message_templates, messages, nudges
from portal.services.flows import Flow

log = logging.getLogger(__name__)
CHANNELS = (messages.SMS, messages.EMAIL)
BACKOFF = tuple(timedelta(seconds=s) for s in (30, 120, 600, 1800, 3600, 7200, 14400))
GIVE_UP_AFTER = timedelta(days=2)
_out = OutboxMessage.__table__
# Sender names are plain letters and digits on most networks: Æblegård → Aeblegaard.
_DANISH = str.maketrans({"æ": "ae", "ø": "oe", "å": "aa", "Æ": "Ae", "Ø": "Oe", "Å": "Aa"})


@dataclass(frozen=True)
class Settings:
    """What sending needs from the configuration."""

    base_url: str
    signer: Signer
    unsubscribe_signer: Signer
    mail_from: str
    quiet: tuple
    lease: timedelta = timedelta(minutes=5)


@dataclass
class Job:
    """A claimed message, rendered and ready to hand to a provider."""

    outbox_id: int
    message: Message
    case: Case
    payload: Sms | Email


def sender_name(creditor: Creditor, flow: Flow) -> str:
    """The SMS sender: the flow's sender name, else the creditor's name cut to 11 letters and digits."""
    if flow.sms_sender:
        return flow.sms_sender
    name = creditor.name.translate(_DANISH)
    return "".join(ch for ch in name if ch.isascii() and ch.isalnum())[:11] or "Betal"


def greeting_name(debtor: Debtor) -> str:
    """The name in a greeting: a person's first name, a business's name."""
    return debtor.name.split()[0] if debtor.kind == "person" and debtor.name.split() else debtor.name


def claim(session: Session, *, limit: int, lease: timedelta, now: datetime) -> tuple[str, list[int]]:
    """Lease due SMS and e-mail outbox rows to this caller; return the token and the row ids."""
    token = secrets.token_hex(16)
    due = (
        select(_out.c.id)
        .where(_out.c.channel.in_(CHANNELS), _out.c.status == "pending", _out.c.available_at <= now)
        .where((_out.c.locked_until.is_(None)) | (_out.c.locked_until <= now))
        .order_by(_out.c.available_at)
        .limit(limit)
        .with_for_update(skip_locked=True)
    )
    ids = session.execute(
        update(_out).where(_out.c.id.in_(due)).values(claim_token=token, locked_until=now + lease).returning(_out.c.id)
    ).scalars()
    return token, list(ids)


def _hold_off(session: Session, row: OutboxMessage, message: Message, case: Case, flow: Flow, now) -> bool:
    """Cancel or postpone a flow message that may not go now; return whether it was held off."""
    if message.kind != "flow":
        return False
    if reason := nudges.blocked_reason(case, now):
        row.status, row.claim_token, row.locked_until = "cancelled", None, None
        message.status, message.reason = "cancelled", f"blocked:{reason}"
        return True
    if message.channel == messages.SMS and flows.in_quiet_hours(now, flow):
        row.available_at, row.claim_token, row.locked_until = flows.quiet_hours_end(now, flow), None, None
        return True
    return False


def compose(session: Session, ids: list[int], settings: Settings, *, now: datetime) -> list[Job]:
    """Render the claimed messages (with the case's current link); hold off those that may not go now."""
    jobs = []
    for row in session.scalars(select(OutboxMessage).where(OutboxMessage.id.in_(ids)).order_by(OutboxMessage.id)):
        message = session.scalars(select(Message).where(Message.public_id == row.public_id)).one()
        case = session.get(Case, message.case_id)
        creditor, debtor = session.get(Creditor, case.creditor_id), session.get(Debtor, case.debtor_id)
        flow = flows.load(session, creditor.id, quiet=settings.quiet)
        if _hold_off(session, row, message, case, flow, now):
            continue
        reason = None if messages.address(debtor, message.channel) else "no_address"  # removed while it waited
        try:
            payload = None if reason else _payload(session, message, case, creditor, debtor, flow, settings)
        except Exception as error:  # a deleted or broken override: this message can never be rendered
            log.warning("Message %s cannot be rendered: %s: %s", message.public_id, type(error).__name__, error)
            reason = "no_template"
        if reason:
            row.status, row.claim_token, row.locked_until = "failed", None, None
            fail(session, message, case, reason=reason, stop=False, now=now)
            continue
        jobs.append(Job(row.id, message, case, payload))
    return jobs


def _payload(session, message, case, creditor, debtor, flow, settings: Settings) -> Sms | Email:
    """The SMS or e-mail for one message, rendered now."""
    link = links.link_url(settings.base_url, settings.signer, case)
    values = message_templates.context(brand=creditor.name, link=link, greeting_name=greeting_name(debtor),
                                       phone=creditor.contact_phone, email=creditor.contact_email)  # fmt: skip
    source = message_templates.find(session, creditor.id, message.channel, message.locale, message.template)
    if source is None:
        raise LookupError(f"no {message.channel} template {message.template!r}")
    rendered = message_templates.render(source, values, brand_color=creditor.brand_color)
    if message.channel == messages.SMS:
        if (segments := gsm.segments(rendered.text)) > 1:
            log.warning(
                "SMS %s (%s/%s) takes %d segments", message.public_id, message.locale, message.template, segments
            )
        callback = f"{settings.base_url}/webhooks/sms/http"
        return Sms(to=debtor.phone, sender=sender_name(creditor, flow), text=rendered.text,
                   reference=message.public_id, callback_url=callback)  # fmt: skip
    unsubscribe = None
    if message.kind == "flow":  # a nudge can be refused; a link someone asked for cannot
        token = settings.unsubscribe_signer.sign(message.public_id).decode()
        unsubscribe = f"{settings.base_url}/webhooks/email/unsubscribe/{token}"
    return Email(to=debtor.email, from_address=settings.mail_from, from_name=creditor.name, subject=rendered.subject,
                 text=rendered.text, html=rendered.html, message_id=message.public_id, language=source.locale,
                 reply_to=creditor.contact_email, unsubscribe_url=unsubscribe)  # fmt: skip


def send(jobs: list[Job], providers) -> list[tuple[Job, str | SendFailed]]:
    """Hand every job to its provider (outside any transaction); the provider's id, or the failure."""
    results: list[tuple[Job, str | SendFailed]] = []
    for job in jobs:
        provider = providers.sms if isinstance(job.payload, Sms) else providers.email
        try:
            results.append((job, provider.send(job.payload)))
        except SendFailed as failure:
            results.append((job, failure))
        except Exception as error:  # a provider bug must not stop the worker: try again later
            log.exception("Provider %s failed on %s", provider.name, job.message.public_id)
            results.append((job, TemporaryFailure(f"unexpected {type(error).__name__}")))
    return results


def _event_data(message: Message, **extra) -> dict:
    """What the timeline says about a message: never its text or the address."""
    data = {"message": message.public_id, "channel": message.channel, "kind": message.kind, "step": message.step,
            "template": message.template, "variant": message.variant}  # fmt: skip
    return data | extra


def record(session: Session, token: str, results: list[tuple[Job, str | SendFailed]], *, now: datetime) -> int:
    """Record each outcome for the rows this claim still holds (in the caller's transaction)."""
    recorded = 0
    for job, outcome in results:
        row = session.scalars(
            select(OutboxMessage).where(OutboxMessage.id == job.outbox_id, OutboxMessage.claim_token == token,
                                        OutboxMessage.status == "pending").with_for_update()
        ).one_or_none()  # fmt: skip
        if row is None:
            continue
        message = session.scalars(select(Message).where(Message.id == job.message.id)).one()
        case = session.get(Case, message.case_id)
        row.attempts += 1
        row.claim_token, row.locked_until = None, None
        if isinstance(outcome, str):
            _succeeded(session, row, message, case, outcome, now)
        else:
            _failed(session, row, message, case, outcome, now)
        recorded += 1
    return recorded


def _succeeded(session: Session, row: OutboxMessage, message: Message, case: Case, ref: str, now: datetime) -> None:
    """Mark the message sent and put message.sent on the timeline."""
    row.status, row.sent_at, row.last_error = "sent", now, None
    message.status, message.sent_at, message.provider_ref = "sent", now, ref[:100]
    events.record(session, case, "message.sent", actor=events.ACTOR_SYSTEM, data=_event_data(message))


def _failed(session: Session, row: OutboxMessage, message: Message, case: Case, failure: SendFailed, now) -> None:
    """Try again later, or give up: a permanent failure stops the channel for the case."""
    row.last_error = failure.reason[:500]
    if not failure.permanent and now - row.created_at < GIVE_UP_AFTER:
        row.available_at = now + BACKOFF[min(row.attempts - 1, len(BACKOFF) - 1)]
        return
    reason = "permanent_failure" if failure.permanent else "gave_up"
    fail(session, message, case, reason=reason, stop=failure.permanent, now=now)
    row.status = "failed"


def fail(session: Session, message: Message, case: Case, *, reason: str, stop: bool, now: datetime) -> None:
    """Record message.failed; with `stop`, no later message uses the channel for this case."""
    message.status, message.reason = "failed", reason
    if stop:
        messages.stop_channel(session, case, message.channel, reason=reason)
    data = _event_data(message, reason=reason, channel_stopped=stop)
    events.record(session, case, "message.failed", actor=events.ACTOR_SYSTEM, data=data)

"""What staff see and do on one case, always within their scope (operator: every creditor; else one)."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from flask_babel import lazy_gettext as _l
from sqlalchemy import Select, select
from sqlalchemy.orm import Session, selectinload

from portal.models import (
    Adjustment,
    Case,
    Creditor,
    Debtor,
    Event,
    Fee,
    Invoice,
    OutboxMessage,
    Payment,
    PaymentAttempt,
    StaffUser,
    WebhookDelivery,
    utcnow,
)
from portal.services import case_updates, deliveries, events, ledger, nudges
from portal.services.errors import InvalidInput, NotFound

NOTE_MAX_LENGTH = 2000
MANUAL_PROVIDER = "manual"
MANUAL_METHOD = "bank_transfer"
STAFF_ACTOR_PREFIX = "staff:"


def scoped(statement: Select, staff: StaffUser, creditor_column) -> Select:
    """Limit a query to the staff user's creditor; operator staff (no creditor) see every creditor."""
    return statement if staff.creditor_id is None else statement.where(creditor_column == staff.creditor_id)


def find_case(session: Session, staff: StaffUser, case_public_id: str) -> Case:
    """The case with its creditor and debtor, if the staff user may see it; else NotFound."""
    statement = select(Case).where(Case.public_id == case_public_id)
    statement = scoped(statement, staff, Case.creditor_id).options(
        selectinload(Case.creditor), selectinload(Case.debtor)
    )
    case = session.scalars(statement).one_or_none()
    if case is None:
        raise NotFound()
    return case


def find_debtor(session: Session, staff: StaffUser, debtor_public_id: str) -> Debtor:
    """The debtor, if the staff user may see it; else NotFound."""
    statement = scoped(select(Debtor).where(Debtor.public_id == debtor_public_id), staff, Debtor.creditor_id)
    debtor = session.scalars(statement).one_or_none()
    if debtor is None:
        raise NotFound()
    return debtor


def actor_for(staff: StaffUser) -> str:
    """The timeline actor of a staff action."""
    return f"{STAFF_ACTOR_PREFIX}{staff.public_id}"


@dataclass(frozen=True)
class TimelineEntry:
    """One line of the case's timeline: an event, or a message to the creditor's systems."""

    at: datetime
    kind: str  # "event" or "webhook"
    type: str
    actor: str = ""
    data: dict[str, Any] = field(default_factory=dict)
    deliveries: tuple[WebhookDelivery, ...] = ()
    status: str = ""


@dataclass(frozen=True)
class CaseFile:
    """Everything staff see about one case."""

    case: Case
    creditor: Creditor
    debtor: Debtor
    invoices: Sequence[Invoice]
    fees: Sequence[Fee]
    payments: Sequence[Payment]
    attempts: Sequence[PaymentAttempt]
    adjustments: Sequence[Adjustment]
    notes: Sequence[Event]
    timeline: Sequence[TimelineEntry]


def _actor_names(session: Session, rows: Sequence[Event]) -> dict[str, str]:
    """The e-mail address behind each staff actor on the timeline."""
    ids = {row.actor.removeprefix(STAFF_ACTOR_PREFIX) for row in rows if row.actor.startswith(STAFF_ACTOR_PREFIX)}
    if not ids:
        return {}
    found = session.execute(select(StaffUser.public_id, StaffUser.email).where(StaffUser.public_id.in_(ids)))
    return {f"{STAFF_ACTOR_PREFIX}{public_id}": email for public_id, email in found}


def _timeline(session: Session, case: Case, rows: Sequence[Event]) -> list[TimelineEntry]:
    """Events and outbound webhooks of the case in one chronological list."""
    names = _actor_names(session, rows)
    entries = [
        TimelineEntry(
            at=row.created_at, kind="event", type=row.type, actor=names.get(row.actor, row.actor), data=row.data
        )
        for row in rows
    ]
    # SMS and e-mail have their own events (message.sent, message.failed); only webhooks are listed here.
    webhooks = select(OutboxMessage).where(OutboxMessage.case_id == case.id, OutboxMessage.channel == "webhook")
    messages = session.scalars(webhooks).all()
    deliveries: dict[int, list[WebhookDelivery]] = {}
    if messages:
        outbox_ids = [message.id for message in messages]
        for delivery in session.scalars(select(WebhookDelivery).where(WebhookDelivery.outbox_id.in_(outbox_ids))):
            deliveries.setdefault(delivery.outbox_id, []).append(delivery)
    entries += [
        TimelineEntry(
            at=message.created_at,
            kind="webhook",
            type=message.type,
            status=message.status,
            deliveries=tuple(deliveries.get(message.id, ())),
        )
        for message in messages
    ]
    # Python's sort is stable: an event stays before the webhook it caused.
    return sorted(entries, key=lambda entry: entry.at)


def load_case_file(session: Session, case: Case) -> CaseFile:
    """The case with its debtor, invoices, fees, payments, attempts, notes and the full timeline."""
    rows = session.scalars(select(Event).where(Event.case_id == case.id).order_by(Event.id)).all()
    invoices = session.scalars(
        select(Invoice).where(Invoice.case_id == case.id).order_by(Invoice.due_on, Invoice.id)
    ).all()
    return CaseFile(
        case=case,
        creditor=case.creditor,
        debtor=case.debtor,
        invoices=invoices,
        fees=session.scalars(select(Fee).where(Fee.case_id == case.id).order_by(Fee.id)).all(),
        payments=session.scalars(select(Payment).where(Payment.case_id == case.id).order_by(Payment.id)).all(),
        attempts=session.scalars(
            select(PaymentAttempt).where(PaymentAttempt.case_id == case.id).order_by(PaymentAttempt.id)
        ).all(),
        adjustments=session.scalars(
            select(Adjustment).where(Adjustment.case_id == case.id).order_by(Adjustment.id)
        ).all(),
        notes=[row for row in rows if row.type == "note.added"],
        timeline=_timeline(session, case, rows),
    )


def add_note(session: Session, staff: StaffUser, case: Case, text: str) -> Event:
    """Add a staff note to the case's timeline."""
    text = (text or "").strip()
    if not text or len(text) > NOTE_MAX_LENGTH:
        message = _l("Write a note of at most %(count)s characters.", count=NOTE_MAX_LENGTH)
        raise InvalidInput(field="text", message=message)
    return events.record(session, case, "note.added", actor=actor_for(staff), data={"text": text})


def reissue_link(session: Session, staff: StaffUser, case: Case) -> Case:
    """Revoke the case's link and every debtor session opened with it; the new link has the next version."""
    return case_updates.reissue_link(session, case, actor=actor_for(staff))


def pause_nudges(session: Session, staff: StaffUser, case: Case) -> Event:
    """Stop the case's reminder messages until staff resume them (stronger than any other pause)."""
    if case.status != "open":
        raise case_updates.CaseClosed()
    nudges.pause(case, reason="staff")
    return events.record(session, case, "nudges.paused", actor=actor_for(staff))


def resume_nudges(session: Session, staff: StaffUser, case: Case) -> Event | None:
    """Let reminder messages go to the case again after a staff pause; None if staff had not paused them."""
    if not nudges.resume(case, reason="staff"):
        return None
    return events.record(session, case, "nudges.resumed", actor=actor_for(staff))


def replay_delivery(session: Session, case: Case, delivery_public_id: str) -> WebhookDelivery:
    """Queue one of the case's webhook deliveries to be sent again (a replay, or one more try after failing)."""
    delivery = session.scalars(
        select(WebhookDelivery)
        .join(OutboxMessage, OutboxMessage.id == WebhookDelivery.outbox_id)
        .where(WebhookDelivery.public_id == delivery_public_id, OutboxMessage.case_id == case.id)
    ).one_or_none()
    if delivery is None:
        raise NotFound()
    return deliveries.retry(session, delivery)


def register_manual_payment(session: Session, staff: StaffUser, case: Case, *, amount: int, reference: str) -> Payment:
    """Record money received outside the portal (e.g. a bank transfer) through the ledger, once per reference.

    The reference is prefixed with the case's id, so the same bank reference on two cases stays two payments.
    """
    if case.status != "open":
        raise case_updates.CaseClosed()
    if amount <= 0:
        raise InvalidInput(field="amount", message=_l("Type an amount greater than zero."))
    reference = f"{case.public_id}:{reference.strip()}"
    existing = session.scalars(
        select(Payment).where(Payment.provider == MANUAL_PROVIDER, Payment.provider_reference == reference)
    ).one_or_none()
    if existing is not None:
        return existing  # the same bank reference registered twice counts once
    now = utcnow()
    attempt = PaymentAttempt(
        case_id=case.id,
        amount=amount,
        currency=case.currency,
        method=MANUAL_METHOD,
        locale=case.debtor.locale,
        provider=MANUAL_PROVIDER,
        status="paid",
        settled_at=now,
        expires_at=now,
    )
    session.add(attempt)
    session.flush()
    return ledger.record_payment(
        session,
        attempt,
        reference=reference,
        amount=amount,
        currency=case.currency,
        actor=actor_for(staff),
    )

"""The debtor's short answers: "already paid", "call me" and new contact details; plus what every answer shares.

Each answer is written with a timeline event and a creditor webhook in the caller's transaction. The
pause rule shared by every answer: an open-ended pause (plan, dispute, staff) is never replaced by a
timed one, and a timed pause is never shortened.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta
from typing import Any

from flask_babel import lazy_gettext as _l
from sqlalchemy import select
from sqlalchemy.orm import Session, joinedload

from portal.i18n import COPENHAGEN
from portal.models import CallbackRequest, Case, Debtor, PaidReport
from portal.models.answer import CALLBACK_WINDOWS, PAYMENT_CHANNELS
from portal.services import bank_days, contact, events, nudges, outbox, policy
from portal.services.case_updates import CaseClosed
from portal.services.errors import DomainError, InvalidInput, NotFound
from portal.services.ledger import lock_case

ACTOR_DEBTOR = events.ACTOR_DEBTOR
MAX_AMOUNT = 1_000_000_000
PAID_LOOKBACK_DAYS = 365


class NotOffered(DomainError):
    """The creditor's policy does not offer this answer for the case."""

    reason = _l("This option is not available for your case.")


@dataclass(frozen=True)
class Offers:
    """Which answers the debtor is offered on an open case."""

    promise: bool
    already_paid: bool


def offers(creditor_policy: dict[str, Any] | None, case_policy: dict[str, Any] | None) -> Offers:
    """The answers the case's effective policy offers (a dispute, a call and new contact details always are)."""
    rules = policy.effective(creditor_policy, case_policy)
    return Offers(promise=rules.promises_allowed, already_paid=rules.already_paid_allowed)


def rules_for(case: Case) -> policy.Policy:
    """The case's effective policy (the creditor must be loaded)."""
    return policy.effective(case.creditor.policy, case.policy)


def load_case(session: Session, case_id: int) -> Case:
    """The case with its creditor loaded, or NotFound."""
    case = session.scalars(select(Case).options(joinedload(Case.creditor)).where(Case.id == case_id)).one_or_none()
    if case is None:
        raise NotFound()
    return case


def open_locked(session: Session, case: Case) -> Case:
    """The case locked for the rest of the transaction; CaseClosed unless it is open."""
    locked = lock_case(session, case.id)
    if locked.status != "open":
        raise CaseClosed()
    return locked


def local_today(now: datetime) -> date:
    """The Copenhagen date at an instant."""
    return now.astimezone(COPENHAGEN).date()


def hold(case: Case, *, reason: str, until: datetime | None, now: datetime) -> None:
    """Pause the case's nudges, unless an open-ended pause holds or a timed one lasts longer."""
    current = nudges.blocked_reason(case, now)
    held_until = case.nudges_paused_until
    if current is not None and (held_until is None or (until is not None and held_until >= until)):
        return
    nudges.pause(case, reason=reason, until=until.astimezone(UTC) if until is not None else None)


def tell_creditor(session: Session, case: Case, type_: str, *, event_data: dict, webhook_data: dict) -> None:
    """A timeline event and the creditor's webhook about it."""
    event = events.record(session, case, type_, actor=ACTOR_DEBTOR, data=event_data)
    outbox.enqueue(session, case, event, webhook_data)


def report_paid(
    session: Session, case: Case, *, paid_on: date, amount: int, channel: str, reference: str | None, now: datetime
) -> PaidReport:
    """ "I have already paid": pause nudges for the policy's bank days and tell the creditor."""
    rules = rules_for(case)
    if not rules.already_paid_allowed:
        raise NotOffered()
    case = open_locked(session, case)
    today = local_today(now)
    if not today - timedelta(days=PAID_LOOKBACK_DAYS) <= paid_on <= today:
        raise InvalidInput(field="paid_on", message=_l("Type a date within the last year, not after today."))
    if not 0 < amount <= MAX_AMOUNT:
        raise InvalidInput(field="amount", message=_l("Type the amount you paid, e.g. 1,234.50."))
    if channel not in PAYMENT_CHANNELS:
        raise InvalidInput(field="channel", message=_l("Choose how you paid."))
    until = bank_days.end_of_day(bank_days.add_bank_days(today, rules.already_paid_pause_bank_days))
    report = PaidReport(
        case_id=case.id, paid_on=paid_on, amount=amount, channel=channel, reference=reference or None,
        paused_until=until.astimezone(UTC), created_at=now,
    )  # fmt: skip
    session.add(report)
    session.flush()
    hold(case, reason="already_paid", until=until, now=now)
    summary = paid_summary(report)
    tell_creditor(session, case, "already_paid.reported", event_data=summary, webhook_data={"already_paid": summary})
    return report


def paid_summary(report: PaidReport) -> dict[str, Any]:
    """An "already paid" report as the creditor sees it."""
    return {
        "id": report.public_id,
        "paid_on": report.paid_on.isoformat(),
        "amount": report.amount,
        "channel": report.channel,
        "reference": report.reference,
        "reported_at": report.created_at.isoformat(),
        "nudges_paused_until": report.paused_until.isoformat(),
    }


def request_callback(session: Session, case: Case, *, phone: str, window: str, now: datetime) -> CallbackRequest:
    """ "Call me": the number (normalised to E.164) and the part of the day; the creditor is told."""
    case = open_locked(session, case)
    if window not in CALLBACK_WINDOWS:
        raise InvalidInput(field="window", message=_l("Choose when we may call you."))
    number = contact.normalise_phone(phone)
    if number is None:
        raise InvalidInput(field="phone", message=_l("Type the phone number we should call."))
    callback = CallbackRequest(case_id=case.id, phone=number, window=window, created_at=now)
    session.add(callback)
    session.flush()
    # The timeline keeps no phone number; the creditor's webhook carries it, since they are to call.
    data = {"id": callback.public_id, "window": window}
    tell_creditor(
        session, case, "callback.requested", event_data=data, webhook_data={"callback": data | {"phone": number}}
    )
    return callback


def update_contact(session: Session, case: Case, *, email: str | None, phone: str | None) -> Debtor:
    """New e-mail and/or phone for the debtor (validated, normalised); the creditor gets the new details."""
    case = open_locked(session, case)
    new_email, new_phone = contact.normalise_email(email), contact.normalise_phone(phone)
    if new_email is None and new_phone is None:
        raise InvalidInput(field="email", message=_l("Type a new e-mail address or phone number."))
    debtor = session.get(Debtor, case.debtor_id)
    changed = {}
    if new_email is not None:
        debtor.email = changed["email"] = new_email
    if new_phone is not None:
        debtor.phone = changed["phone"] = new_phone
    # The timeline names the fields only; the webhook carries the new values, which the creditor needs.
    tell_creditor(session, case, "contact.updated", event_data={"fields": sorted(changed)},
                  webhook_data={"contact": changed})  # fmt: skip
    return debtor


def latest(session: Session, model, case_id: int):
    """The case's newest row of an answer table, or None."""
    return session.scalars(select(model).where(model.case_id == case_id).order_by(model.id.desc()).limit(1)).first()

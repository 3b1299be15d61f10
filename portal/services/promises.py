"""Promises to pay ("Jeg betaler den …"): a date within the policy's bound pauses nudges until the date
plus grace; the worker marks a promise broken when the case is still unpaid by then and tells the creditor."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta
from typing import Any

from flask_babel import lazy_gettext as _l
from sqlalchemy import select
from sqlalchemy.orm import Session

from portal.i18n import COPENHAGEN, long_date
from portal.models import Case, Promise
from portal.services import answers, bank_days, events, nudges, outbox
from portal.services.errors import DomainError, InvalidInput
from portal.services.ledger import lock_case


class PromiseExists(DomainError):
    """The case already has an active promise."""

    reason = _l("You have already told us when you will pay.")


def latest_allowed(case: Case, now: datetime) -> date:
    """The latest date the debtor may promise (the creditor must be loaded)."""
    return answers.local_today(now) + timedelta(days=answers.rules_for(case).promise_max_days)


def create(session: Session, case: Case, *, promised_on: date, now: datetime) -> Promise:
    """Record a promise to pay on a date within the policy's bound, pause nudges and tell the creditor."""
    rules = answers.rules_for(case)
    if not rules.promises_allowed:
        raise answers.NotOffered()
    case = answers.open_locked(session, case)
    today, last = answers.local_today(now), latest_allowed(case, now)
    if not today <= promised_on <= last:
        raise InvalidInput(
            field="promised_on",
            message=_l("Choose a date from today until %(date)s.", date=long_date(last)),
        )
    if session.scalar(select(Promise.id).where(Promise.case_id == case.id, Promise.status == "active")):
        raise PromiseExists()
    deadline = bank_days.end_of_day(promised_on + timedelta(days=rules.promise_grace_days))
    promise = Promise(
        case_id=case.id, promised_on=promised_on, deadline_at=deadline.astimezone(UTC), status="active", created_at=now
    )
    session.add(promise)
    session.flush()
    answers.hold(case, reason="promise", until=deadline, now=now)
    data = summary(promise)
    answers.tell_creditor(session, case, "promise.created", event_data=data, webhook_data={"promise": data})
    return promise


def last_day(promise: Promise) -> date:
    """The last day the payment may arrive before the promise counts as broken (Copenhagen)."""
    return (promise.deadline_at.astimezone(COPENHAGEN) - timedelta(microseconds=1)).date()


def summary(promise: Promise) -> dict[str, Any]:
    """A promise as the creditor sees it."""
    return {
        "id": promise.public_id,
        "status": promise.status,
        "promised_on": promise.promised_on.isoformat(),
        "deadline_at": promise.deadline_at.isoformat(),
        "created_at": promise.created_at.isoformat(),
    }


def settle_due(session: Session, *, now: datetime, limit: int = 200) -> int:
    """Settle active promises whose deadline has passed: broken if the case is still open, else kept."""
    due = session.scalars(
        select(Promise).where(Promise.status == "active", Promise.deadline_at <= now).order_by(Promise.id).limit(limit)
    ).all()
    for promise in due:
        case = lock_case(session, promise.case_id)
        session.refresh(promise, with_for_update=True)
        if promise.status == "active":
            _settle(session, case, promise, now)
    return len(due)


def _settle(session: Session, case: Case, promise: Promise, now: datetime) -> None:
    """Mark one promise kept or broken; a broken one resumes nudges and tells the creditor."""
    promise.settled_at = now
    if case.status != "open":
        promise.status = "kept"
        return
    promise.status = "broken"
    nudges.resume(case, reason="promise")
    event = events.record(session, case, "promise.broken", actor=events.ACTOR_SYSTEM, data={"id": promise.public_id})
    outbox.enqueue(session, case, event, {"promise": summary(promise)})

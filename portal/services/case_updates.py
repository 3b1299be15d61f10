"""What a creditor may change on an open case: cancel it, take an amount off it, issue a new link."""

from __future__ import annotations

from flask_babel import lazy_gettext as _l
from sqlalchemy.orm import Session

from portal.models import Adjustment, Case, utcnow
from portal.services import events, links, outbox, plan_progress, plans
from portal.services.errors import DomainError, InvalidInput
from portal.services.ledger import lock_case


class CaseClosed(DomainError):
    """The case is paid, closed or cancelled, so it cannot change any more."""

    reason = _l("The case is no longer open.")


def _open_locked(session: Session, case: Case) -> Case:
    """The case locked for the rest of the transaction; CaseClosed unless it is open."""
    locked = lock_case(session, case.id)
    if locked.status != "open":
        raise CaseClosed()
    return locked


def cancel(session: Session, case: Case, *, actor: str, reason: str | None = None) -> Case:
    """Cancel an open case: the link stops showing amounts to pay and the creditor hears of it."""
    case = _open_locked(session, case)
    case.status, case.closed_at = "cancelled", utcnow()
    plans.cancel_current(session, case, actor=actor)
    event = events.record(session, case, "case.cancelled", actor=actor, data={"reason": reason})
    outbox.enqueue(session, case, event)
    return case


def adjust(
    session: Session,
    case: Case,
    *,
    kind: str,
    amount: int,
    actor: str,
    reference: str | None = None,
    note: str | None = None,
) -> Adjustment:
    """Lower what an open case owes by a payment or credit made elsewhere; at zero the case is paid."""
    case = _open_locked(session, case)
    if amount <= 0 or amount > case.outstanding:
        raise InvalidInput(field="amount", message=_l("The amount must be positive and at most what is owed."))
    adjustment = Adjustment(case_id=case.id, kind=kind, amount=amount, reference=reference, note=note)
    session.add(adjustment)
    session.flush()
    case.outstanding -= amount
    data = {"adjustment": adjustment.public_id, "kind": kind, "amount": amount, "outstanding": case.outstanding}
    events.record(session, case, "case.adjusted", actor=actor, data=data)
    plan_progress.apply_payment(session, case, amount, actor=actor)
    if case.outstanding == 0:
        case.status, case.closed_at = "paid", utcnow()
        outbox.enqueue(session, case, events.record(session, case, "case.paid", actor=actor, data=data))
    return adjustment


def reissue_link(session: Session, case: Case, *, actor: str) -> Case:
    """Revoke the case's link (and every debtor session opened with it) and make a new one."""
    case = _open_locked(session, case)
    links.revoke(session, case, actor=actor)
    return case

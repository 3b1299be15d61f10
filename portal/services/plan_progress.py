"""How far a payment plan is paid: money allocated to its instalments in order, and what it says to creditors.

The ledger (and a creditor's adjustment) calls `apply_payment` with the amount a payment took off the
case, in the same transaction, with the case row locked. The money is allocated to the current plan's
instalments in date order; each instalment it settles is a `payment_plan.installment_paid` webhook,
and the last one completes the plan (`payment_plan.completed`).
"""

from __future__ import annotations

from datetime import timedelta
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from portal.models import CURRENT_PLAN_STATUSES, Case, PaymentPlan, utcnow
from portal.services import events, nudges, outbox
from portal.services.plan_schedule import installments, next_installment


def current_plan(session: Session, case_id: int) -> PaymentPlan | None:
    """The case's requested or approved plan, read afresh, or None."""
    statement = select(PaymentPlan).where(PaymentPlan.case_id == case_id, PaymentPlan.status.in_(CURRENT_PLAN_STATUSES))
    return session.scalars(statement.execution_options(populate_existing=True)).one_or_none()


def summary(plan: PaymentPlan) -> dict[str, Any]:
    """What the API and webhooks say about a plan: ids, status, amounts and dates."""
    return {
        "id": plan.public_id,
        "status": plan.status,
        "currency": plan.currency,
        "total": plan.total,
        "paid": plan.paid,
        "installment_count": plan.installment_count,
        "next_due_on": plan.next_due_on.isoformat() if plan.next_due_on else None,
        "grace_days": plan.grace_days,
        "creditor_message": plan.creditor_message,
        "decided_by": plan.decided_by,
        "requested_at": plan.requested_at.isoformat(),
        "decided_at": plan.decided_at.isoformat() if plan.decided_at else None,
        "installments": [
            {"number": i.number, "due_on": i.due_on.isoformat(), "amount": i.amount, "paid": i.paid}
            for i in installments(plan.schedule, plan.paid)
        ],
    }


def set_next_due(plan: PaymentPlan) -> None:
    """Keep the next due date, and the day its grace ends, in step with what is paid."""
    upcoming = next_installment(plan.schedule, plan.paid)
    plan.next_due_on = upcoming.due_on if upcoming else None
    plan.grace_ends_on = upcoming.due_on + timedelta(days=plan.grace_days) if upcoming else None


def notify(session: Session, case: Case, plan: PaymentPlan, type_: str, *, actor: str, **data: Any) -> None:
    """A plan event on the timeline and as a creditor webhook."""
    event = events.record(session, case, type_, actor=actor, data={"plan": plan.public_id, **data})
    outbox.enqueue(session, case, event, {"plan": summary(plan), **data})


def end(plan: PaymentPlan, status: str) -> None:
    """Move a plan to a final status."""
    plan.status, plan.ended_at = status, utcnow()
    plan.next_due_on = plan.grace_ends_on = None


def apply_payment(session: Session, case: Case, amount: int, *, actor: str, payment: str | None = None) -> None:
    """Allocate money taken off the (locked) case to its current plan's instalments, in order."""
    plan = current_plan(session, case.id)
    if plan is None or amount <= 0:
        return
    before = {i.number for i in installments(plan.schedule, plan.paid) if i.settled}
    plan.paid = min(plan.total, plan.paid + amount)
    set_next_due(plan)
    if plan.status == "requested":
        if plan.paid >= plan.total:
            end(plan, "cancelled")  # paid before anyone decided: nothing left to plan
            events.record(session, case, "payment_plan.cancelled", actor=actor, data={"plan": plan.public_id})
        return
    for item in installments(plan.schedule, plan.paid):
        if item.settled and item.number not in before:
            installment = {"number": item.number, "amount": item.amount, "due_on": item.due_on.isoformat()}
            notify(session, case, plan, "payment_plan.installment_paid", actor=actor, installment=installment,
                   payment=payment)  # fmt: skip
    if plan.paid >= plan.total:
        end(plan, "completed")
        nudges.resume(case, reason="plan")
        notify(session, case, plan, "payment_plan.completed", actor=actor)

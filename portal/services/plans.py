"""Payment plans: the debtor's request, the creditor's (or an agent's) decision, and defaulting a late plan.

A request inside the policy's hard bounds (portal.services.plan_schedule.assess) is created; it is
approved at once when its total is within the policy's automatic limit and the case has never
defaulted on a plan, and otherwise waits for a decision. A request outside the hard bounds is
refused with the reason (InvalidInput naming the field) and never created. Reminder nudges pause while a plan is
requested or running and resume when it is rejected or defaulted. The case itself stays open.
"""

from __future__ import annotations

from dataclasses import replace
from datetime import date

from flask_babel import lazy_gettext as _l
from sqlalchemy import exists, select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from portal.models import Case, PaymentPlan, utcnow
from portal.services import events, nudges
from portal.services.errors import DomainError
from portal.services.ledger import lock_case
from portal.services.plan_progress import current_plan, end, notify, set_next_due
from portal.services.plan_schedule import Assessment, assess
from portal.services.policy import Policy, effective


class PlanUnavailable(DomainError):
    """The case cannot take a (new) payment plan: not offered, not open, or one is already running."""

    reason = _l("A payment plan cannot be made for this case.")


class PlanNotPending(DomainError):
    """There is no plan request waiting for a decision."""

    reason = _l("The case has no payment plan waiting for a decision.")


def policy_of(case: Case) -> Policy:
    """The case's effective policy (the creditor's with the case's overrides)."""
    return effective(case.creditor.policy, case.policy)


def check_available(case: Case, policy: Policy, plan: PaymentPlan | None) -> None:
    """PlanUnavailable unless the case is open, owes something, allows plans and has no current plan."""
    if not policy.plans_allowed or case.status != "open" or case.outstanding <= 0 or plan is not None:
        raise PlanUnavailable()


def preview(
    session: Session,
    case: Case,
    *,
    first_due_on: date,
    today: date,
    count: int | None = None,
    monthly: int | None = None,
) -> Assessment:
    """The schedule a request would get (InvalidInput for a choice outside the policy); changes nothing.

    After a defaulted plan, a new one is never approved at once: the creditor decides.
    """
    policy = policy_of(case)
    check_available(case, policy, current_plan(session, case.id))
    assessment = assess(policy, case.outstanding, first_due_on, today=today, count=count, monthly=monthly)
    if assessment.auto_approve and _ever_defaulted(session, case.id):
        return replace(assessment, auto_approve=False)
    return assessment


def _ever_defaulted(session: Session, case_id: int) -> bool:
    """Whether a plan of the case has defaulted before."""
    defaulted = select(PaymentPlan.id).where(PaymentPlan.case_id == case_id, PaymentPlan.status == "defaulted")
    return bool(session.scalar(select(exists(defaulted))))


def request(
    session: Session,
    case: Case,
    *,
    first_due_on: date,
    today: date,
    locale: str,
    count: int | None = None,
    monthly: int | None = None,
) -> PaymentPlan:
    """Create the debtor's plan request; approved at once when within the automatic limit."""
    case = lock_case(session, case.id)
    assessment = preview(session, case, first_due_on=first_due_on, today=today, count=count, monthly=monthly)
    policy = policy_of(case)
    plan = PaymentPlan(
        case_id=case.id, currency=case.currency, total=assessment.total, paid=0,
        installment_count=len(assessment.installments),
        schedule=[{"number": i.number, "due_on": i.due_on.isoformat(), "amount": i.amount}
                  for i in assessment.installments],
        grace_days=policy.plan_grace_days, locale=locale,
    )  # fmt: skip
    set_next_due(plan)
    try:
        with session.begin_nested():
            session.add(plan)
    except IntegrityError:
        raise PlanUnavailable() from None  # another tab's request got in first
    nudges.pause(case, reason="plan")
    notify(session, case, plan, "payment_plan.requested", actor=events.ACTOR_DEBTOR)
    if assessment.auto_approve:
        _approve(session, case, plan, actor=events.ACTOR_SYSTEM, message=None)
    return plan


def _approve(session: Session, case: Case, plan: PaymentPlan, *, actor: str, message: str | None) -> None:
    """Approve a requested plan: it becomes the agreement."""
    plan.status, plan.decided_at, plan.decided_by, plan.creditor_message = "approved", utcnow(), actor, message
    nudges.pause(case, reason="plan")
    notify(session, case, plan, "payment_plan.approved", actor=actor)


def _reject(session: Session, case: Case, plan: PaymentPlan, *, actor: str, message: str | None) -> None:
    """Reject a requested plan: the case goes on as before."""
    end(plan, "rejected")
    plan.decided_at, plan.decided_by, plan.creditor_message = utcnow(), actor, message
    nudges.resume(case, reason="plan")
    notify(session, case, plan, "payment_plan.rejected", actor=actor)


def decide(session: Session, case: Case, *, approve: bool, message: str | None, actor: str) -> PaymentPlan:
    """Approve or reject the case's waiting plan, with a message for the debtor (API, staff)."""
    case = lock_case(session, case.id)
    plan = current_plan(session, case.id)
    if plan is None or plan.status != "requested":
        raise PlanNotPending()
    (_approve if approve else _reject)(session, case, plan, actor=actor, message=message)
    return plan


def latest_plan(session: Session, case_id: int) -> PaymentPlan | None:
    """The case's newest plan, whatever its status."""
    statement = select(PaymentPlan).where(PaymentPlan.case_id == case_id).order_by(PaymentPlan.id.desc()).limit(1)
    return session.scalars(statement).first()


def default_late(session: Session, *, today: date, limit: int) -> int:
    """Default approved plans whose next instalment is unpaid after its grace days; return how many."""
    late = select(PaymentPlan.id, PaymentPlan.case_id).where(
        PaymentPlan.status == "approved", PaymentPlan.grace_ends_on < today
    )
    defaulted = 0
    for plan_id, case_id in session.execute(late.order_by(PaymentPlan.id).limit(limit)).all():
        case = lock_case(session, case_id)  # the ledger's order: case first, then the plan
        plan = session.get(PaymentPlan, plan_id, populate_existing=True)
        if plan.status != "approved" or plan.grace_ends_on is None or plan.grace_ends_on >= today:
            continue  # paid meanwhile
        missed = {"due_on": plan.next_due_on.isoformat()}
        end(plan, "defaulted")
        nudges.resume(case, reason="plan")
        notify(session, case, plan, "payment_plan.defaulted", actor=events.ACTOR_SYSTEM, missed_installment=missed)
        defaulted += 1
    return defaulted


def cancel_current(session: Session, case: Case, *, actor: str) -> None:
    """End the (locked) case's current plan because the case itself ended (cancelled by the creditor)."""
    plan = current_plan(session, case.id)
    if plan is not None:
        end(plan, "cancelled")
        events.record(session, case, "payment_plan.cancelled", actor=actor, data={"plan": plan.public_id})

"""What staff see of the debtor's answers on a case, and the decisions staff may take on them.

A creditor's own staff decide its plans and disputes. The operator's staff decide them only when the
creditor delegates it (policy `operator_decides`); everyone in scope may resend the link. Each
decision goes through the same service the creditor API uses, so the debtor, the timeline and the
creditor's webhooks cannot tell a staff decision from an API one except by its actor.
"""

from __future__ import annotations

from dataclasses import dataclass

from flask_babel import lazy_gettext as _l
from sqlalchemy.orm import Session

from portal.models import CallbackRequest, Case, Dispute, PaidReport, PaymentPlan, Promise, StaffUser, utcnow
from portal.services import answers, disputes, messages, plans, policy
from portal.services.errors import DomainError
from portal.services.plan_schedule import InstallmentState, installments
from portal.services.staff_cases import actor_for


class NotDelegated(DomainError):
    """The creditor decides this itself; the operator's staff may not."""

    reason = _l("The creditor decides this itself and has not delegated it to customer service.")


@dataclass(frozen=True)
class Answers:
    """The debtor's newest plan, dispute, promise, "already paid" report and call-back request."""

    plan: PaymentPlan | None
    plan_installments: list[InstallmentState]
    dispute: Dispute | None
    promise: Promise | None
    paid_report: PaidReport | None
    callback: CallbackRequest | None
    may_decide: bool


def may_decide(staff: StaffUser, case: Case) -> bool:
    """Whether this staff user may approve or reject the case's plan and resolve its dispute."""
    if staff.creditor_id is not None:
        return staff.creditor_id == case.creditor_id
    return policy.effective(case.creditor.policy, case.policy).operator_decides


def load(session: Session, staff: StaffUser, case: Case) -> Answers:
    """The newest answer of each kind, with the plan's instalments and what has been paid of them."""
    plan = plans.latest_plan(session, case.id)
    return Answers(
        plan=plan,
        plan_installments=installments(plan.schedule, plan.paid) if plan is not None else [],
        dispute=answers.latest(session, Dispute, case.id),
        promise=answers.latest(session, Promise, case.id),
        paid_report=answers.latest(session, PaidReport, case.id),
        callback=answers.latest(session, CallbackRequest, case.id),
        may_decide=may_decide(staff, case),
    )


def decide_plan(session: Session, staff: StaffUser, case: Case, *, approve: bool, message: str) -> PaymentPlan:
    """Approve or reject the waiting plan on the creditor's behalf, with a message for the debtor."""
    if not may_decide(staff, case):
        raise NotDelegated()
    return plans.decide(session, case, approve=approve, message=(message or "").strip() or None, actor=actor_for(staff))


def resolve_dispute(session: Session, staff: StaffUser, case: Case, *, outcome: str, message: str) -> Dispute:
    """Resolve the open dispute on the creditor's behalf; the debtor reads the message."""
    if not may_decide(staff, case):
        raise NotDelegated()
    return disputes.resolve(session, case, outcome=outcome, message=message, actor=actor_for(staff), now=utcnow())


def send_link(session: Session, staff: StaffUser, case: Case, *, channel: str):
    """Send the debtor the case's current link now, by SMS or e-mail, through the outbox."""
    return messages.send_link(session, case, channel=channel, actor=actor_for(staff))

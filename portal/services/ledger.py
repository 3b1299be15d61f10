"""The ledger: the one place where money received, refunded or disputed changes a case.

Every function locks the case row first (PostgreSQL: SELECT … FOR UPDATE; SQLite: its database write
lock), so concurrent webhooks, success pages and demo approvals for one case apply one after another.
A payment is recorded once per provider reference; it lowers what is owed, never below zero (the
excess is recorded as overpaid and flagged), allocates what it applied to the case's payment plan, and
moves the case to paid at zero. Nothing moves a case
or an attempt backwards: a late or repeated event changes nothing. A refund is recorded on the payment
and the timeline but does not raise what is owed: refunding is the creditor's own decision in Stripe,
and a creditor who wants the money again adjusts the case.
"""

from __future__ import annotations

from typing import Any

from sqlalchemy import select, update
from sqlalchemy.orm import Session

from portal.models import Case, Payment, PaymentAttempt, utcnow
from portal.models.base import public_id
from portal.services import events, outbox, plan_progress

# Attempt statuses in the only order they may move; equal ranks never replace each other.
_ATTEMPT_RANK = {"open": 0, "pending": 1, "failed": 2, "expired": 2, "cancelled": 2, "paid": 3}
# Timeline event (and creditor webhook, where DESIGN section 7 names one) for each attempt outcome.
_ATTEMPT_EVENTS = {
    "pending": ("payment.pending", False),
    "failed": ("payment.failed", True),
    "expired": ("payment.expired", False),
    "cancelled": ("payment.cancelled", False),
}


_CASE_COLUMNS = [column.key for column in Case.__table__.columns]


def lock_case(session: Session, case_id: int) -> Case:
    """The case, freshly read and locked until the transaction ends."""
    if session.get_bind().dialect.name == "sqlite":
        # SQLite has no row locks: a write takes the database's write lock, which serialises writers.
        no_op = update(Case).where(Case.id == case_id).values(id=Case.id)
        session.execute(no_op.execution_options(synchronize_session=False))
    case = session.get(Case, case_id)
    # Reread the columns under the lock; relationships already loaded (the creditor) stay as they are.
    session.refresh(case, attribute_names=_CASE_COLUMNS, with_for_update=True)
    return case


def payment_summary(payment: Payment) -> dict[str, Any]:
    """What a webhook says about a payment."""
    return {
        "id": payment.public_id,
        "amount": payment.amount,
        "currency": payment.currency,
        "method": payment.method,
        "overpaid": payment.overpaid,
        "paid_at": payment.paid_at.isoformat(),
    }


def record_payment(
    session: Session,
    attempt: PaymentAttempt,
    *,
    reference: str,
    amount: int,
    currency: str,
    actor: str,
) -> Payment:
    """Apply money received for an attempt exactly once (unique provider reference); return the payment."""
    case = lock_case(session, attempt.case_id)
    session.refresh(attempt)
    payment = session.scalars(
        select(Payment).where(Payment.provider == attempt.provider, Payment.provider_reference == reference)
    ).one_or_none()
    if payment is None:
        payment = _apply(session, case, attempt, reference=reference, amount=amount, currency=currency, actor=actor)
    _advance(attempt, "paid")
    return payment


def _apply(
    session: Session, case: Case, attempt: PaymentAttempt, *, reference: str, amount: int, currency: str, actor: str
) -> Payment:
    """Record a new payment, lower what is owed, settle the case at zero, and write the events and webhooks."""
    now = utcnow()
    owed = case.outstanding if case.status == "open" and currency == case.currency else 0
    applied = min(amount, max(owed, 0))
    case.outstanding -= applied
    just_paid = case.status == "open" and case.outstanding == 0
    if just_paid:
        case.status, case.closed_at = "paid", now
    payment = Payment(
        public_id=public_id("pay"),
        case_id=case.id,
        attempt_id=attempt.id,
        amount=amount,
        currency=currency,
        method=attempt.method,
        provider=attempt.provider,
        provider_reference=reference,
        overpaid=amount - applied,
        balance_after=case.outstanding,
        paid_at=now,
    )
    session.add(payment)
    summary = {"payment": payment_summary(payment)}
    data = {
        "payment": payment.public_id,
        "attempt": attempt.public_id,
        "amount": amount,
        "currency": currency,
        "method": attempt.method,
        "applied": applied,
        "overpaid": payment.overpaid,
    }
    outbox.enqueue(session, case, events.record(session, case, "payment.succeeded", actor=actor, data=data), summary)
    plan_progress.apply_payment(session, case, applied, actor=actor, payment=payment.public_id)
    if payment.overpaid:
        overpaid = {"payment": payment.public_id, "amount": payment.overpaid, "currency": currency}
        events.record(session, case, "payment.overpaid", actor=actor, data=overpaid)
    if just_paid:
        outbox.enqueue(session, case, events.record(session, case, "case.paid", actor=actor, data=data), summary)
    return payment


def _advance(attempt: PaymentAttempt, status: str) -> bool:
    """Move an attempt forward only; say whether it moved."""
    if _ATTEMPT_RANK[status] <= _ATTEMPT_RANK[attempt.status]:
        return False
    attempt.status = status
    if status != "pending":
        attempt.settled_at = utcnow()
    return True


def settle_attempt(session: Session, attempt: PaymentAttempt, status: str, *, actor: str) -> bool:
    """Record that an attempt is pending, failed, expired or cancelled, unless it has already moved further."""
    case = lock_case(session, attempt.case_id)
    session.refresh(attempt)
    if not _advance(attempt, status):
        return False
    type_, webhook = _ATTEMPT_EVENTS[status]
    data = {
        "attempt": attempt.public_id,
        "amount": attempt.amount,
        "currency": attempt.currency,
        "method": attempt.method,
    }
    event = events.record(session, case, type_, actor=actor, data=data)
    if webhook:
        outbox.enqueue(session, case, event, {"attempt": data})
    return True


def record_refund(session: Session, payment: Payment, *, refunded_total: int, actor: str) -> bool:
    """Record the provider's running refund total for a payment (out-of-order totals never lower it)."""
    case = lock_case(session, payment.case_id)
    session.refresh(payment)
    total = min(max(refunded_total, payment.refunded), payment.amount)
    if total == payment.refunded:
        return False
    data = {
        "payment": payment.public_id,
        "amount": total - payment.refunded,
        "refunded_total": total,
        "currency": payment.currency,
    }
    payment.refunded = total
    events.record(session, case, "payment.refunded", actor=actor, data=data)
    return True


def record_dispute(session: Session, payment: Payment, *, amount: int | None, reason: str | None, actor: str) -> None:
    """Record that the debtor's bank disputed a payment; what is owed does not change until it is decided."""
    case = lock_case(session, payment.case_id)
    session.refresh(payment)
    payment.disputed_at = payment.disputed_at or utcnow()
    data = {"payment": payment.public_id, "amount": amount, "reason": reason, "currency": payment.currency}
    events.record(session, case, "payment.disputed", actor=actor, data=data)

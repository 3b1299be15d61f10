"""Verified provider events (Stripe webhooks, the demo's test page) and checkout states, applied to the ledger.

Each event is applied at most once: its id is stored under a unique constraint in the same transaction
as its effects, so a duplicate or concurrent redelivery changes nothing. Events about payments the
portal did not start (other integrations on the same Stripe account) are ignored and not stored.
"""

from __future__ import annotations

from collections.abc import Callable

from sqlalchemy import select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from portal.models import Case, Payment, PaymentAttempt, ProviderEvent
from portal.providers.base import (
    DISPUTED,
    EXPIRED,
    FAILED,
    PAID,
    PENDING,
    REFUNDED,
    CheckoutState,
    PaymentEvent,
)
from portal.services import ledger

APPLIED, DUPLICATE, IGNORED = "applied", "duplicate", "ignored"
_ATTEMPT_KINDS = (PAID, PENDING, FAILED, EXPIRED)
_PAYMENT_KINDS = (REFUNDED, DISPUTED)


def handle(session: Session, event: PaymentEvent) -> str:
    """Apply one verified event exactly once; returns APPLIED, DUPLICATE or IGNORED."""
    target = _target(session, event)
    if target is None:
        return IGNORED
    # Lock first: concurrent deliveries for one case queue here, and on SQLite this opens the
    # transaction, so the savepoint below stays inside it.
    ledger.lock_case(session, target.case_id)
    if not _first_delivery(session, event):
        return DUPLICATE
    _HANDLERS[event.kind](session, event, target)
    return APPLIED


def _target(session: Session, event: PaymentEvent) -> PaymentAttempt | Payment | None:
    """The attempt (by our id in the event's metadata) or payment (by reference) the event is about."""
    if event.kind in _ATTEMPT_KINDS and event.attempt_id:
        query = select(PaymentAttempt).where(
            PaymentAttempt.public_id == event.attempt_id, PaymentAttempt.provider == event.provider
        )
        if event.case_id:
            query = query.join(Case, Case.id == PaymentAttempt.case_id).where(Case.public_id == event.case_id)
        return session.scalars(query).one_or_none()
    if event.kind in _PAYMENT_KINDS and event.payment_reference:
        query = select(Payment).where(
            Payment.provider == event.provider, Payment.provider_reference == event.payment_reference
        )
        return session.scalars(query).one_or_none()
    return None


def _first_delivery(session: Session, event: PaymentEvent) -> bool:
    """Store the event id; False when it is already stored (a concurrent delivery waits here, then loses)."""
    try:
        with session.begin_nested():
            session.add(ProviderEvent(provider=event.provider, event_id=event.id, type=event.type))
    except IntegrityError:
        return False
    return True


def _paid(session: Session, event: PaymentEvent, attempt: PaymentAttempt) -> None:
    """Money received; the reference is the provider's payment (PaymentIntent), whichever event reports it."""
    ledger.record_payment(
        session,
        attempt,
        reference=event.payment_reference or attempt.provider_session_id or event.id,
        amount=event.amount if event.amount is not None else attempt.amount,
        currency=event.currency or attempt.currency,
        actor=event.provider,
    )


def _attempt_outcome(status: str) -> Callable[[Session, PaymentEvent, PaymentAttempt], None]:
    """A handler that settles the attempt with status."""

    def settle(session: Session, event: PaymentEvent, attempt: PaymentAttempt) -> None:
        ledger.settle_attempt(session, attempt, status, actor=event.provider)

    return settle


def _refunded(session: Session, event: PaymentEvent, payment: Payment) -> None:
    """A refund: the event carries the running total."""
    ledger.record_refund(session, payment, refunded_total=event.amount or 0, actor=event.provider)


def _disputed(session: Session, event: PaymentEvent, payment: Payment) -> None:
    """A dispute opened by the debtor's bank."""
    ledger.record_dispute(session, payment, amount=event.amount, reason=event.reason, actor=event.provider)


_HANDLERS: dict[str, Callable] = {
    PAID: _paid,
    PENDING: _attempt_outcome("pending"),
    FAILED: _attempt_outcome("failed"),
    EXPIRED: _attempt_outcome("expired"),
    REFUNDED: _refunded,
    DISPUTED: _disputed,
}


def apply_state(session: Session, attempt: PaymentAttempt, state: CheckoutState) -> None:
    """Apply what the provider says about an attempt's session (success page, release) through the same ledger."""
    if state.attempt_id not in (None, attempt.public_id):
        return
    if state.status == "complete" and state.paid:
        ledger.record_payment(
            session,
            attempt,
            reference=state.payment_reference or state.session_id,
            amount=state.amount if state.amount is not None else attempt.amount,
            currency=state.currency or attempt.currency,
            actor=attempt.provider,
        )
    elif state.status == "complete":
        ledger.settle_attempt(session, attempt, "pending", actor=attempt.provider)
    elif state.status == "expired":
        ledger.settle_attempt(session, attempt, "expired", actor=attempt.provider)

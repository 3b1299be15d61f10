"""Payment attempts: a checkout session created at click time, and at most one unsettled attempt per case.

Pressing a pay button claims the case's attempt: the unsettled one when it is for the same amount and
method (two tabs then share one checkout session, created once thanks to its idempotency key), else a
new one once the old one's session has been expired at the provider. A partial unique index on the
table guarantees the "at most one" even when two tabs press at the same moment, so two checkout
sessions for one case can never both be paid. The provider is called between transactions, never
while a row lock is held.
"""

from __future__ import annotations

from contextlib import suppress
from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlalchemy import or_, select, update
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session, joinedload

from portal.models import UNSETTLED_ATTEMPT_STATUSES, Case, Payment, PaymentAttempt, utcnow
from portal.providers.base import CheckoutRequest, PaymentProvider, ProviderError
from portal.services import events, ledger, payment_policy, plan_progress, plan_schedule, provider_events
from portal.services.errors import AttemptClosed, NotFound, PaymentBusy, PaymentInProgress
from portal.services.policy import effective

# Stripe accepts expires_at from 30 minutes after its own clock; a little more absorbs clock skew.
CHECKOUT_LIFETIME = timedelta(minutes=35)
# An open attempt this close to expiring is replaced rather than reused, so the debtor has time to pay.
REUSE_MARGIN = timedelta(minutes=5)


@dataclass(frozen=True)
class Claim:
    """The attempt to pay with (ready), or the unsettled attempt to release first (not ready)."""

    attempt: PaymentAttempt
    ready: bool


def case_with_creditor(session: Session, case_id: int) -> Case:
    """The case with its creditor loaded (for the pay and result pages)."""
    case = session.scalars(select(Case).options(joinedload(Case.creditor)).where(Case.id == case_id)).one_or_none()
    if case is None:
        raise NotFound()
    return case


def for_case(session: Session, case: Case, attempt_public_id: str) -> PaymentAttempt:
    """One of the case's attempts; NotFound for any other (a session never reaches another case's attempt)."""
    attempt = session.scalars(
        select(PaymentAttempt).where(PaymentAttempt.public_id == attempt_public_id, PaymentAttempt.case_id == case.id)
    ).one_or_none()
    if attempt is None:
        raise NotFound()
    return attempt


def payment_of(session: Session, attempt: PaymentAttempt) -> Payment | None:
    """The payment an attempt produced, if any."""
    return session.scalars(select(Payment).where(Payment.attempt_id == attempt.id).order_by(Payment.id)).first()


def installment_due(session: Session, case_id: int) -> int | None:
    """What is still due on the next instalment of the case's approved payment plan, or None."""
    plan = plan_progress.current_plan(session, case_id)
    upcoming = plan_schedule.next_installment(plan.schedule, plan.paid) if plan and plan.status == "approved" else None
    return upcoming.remaining if upcoming else None


def _unsettled(session: Session, case_id: int) -> PaymentAttempt | None:
    """The case's open or pending attempt, read afresh."""
    query = select(PaymentAttempt).where(
        PaymentAttempt.case_id == case_id, PaymentAttempt.status.in_(UNSETTLED_ATTEMPT_STATUSES)
    )
    return session.scalars(query.execution_options(populate_existing=True)).one_or_none()


def _judge(current: PaymentAttempt, *, amount: int, method: str, provider: str, now: datetime) -> Claim:
    """Reuse the unsettled attempt for the same payment; a pending one must not be replaced."""
    if current.status != "open":
        raise PaymentInProgress(current)
    same = (current.amount, current.method, current.provider) == (amount, method, provider)
    return Claim(current, ready=same and current.expires_at > now + REUSE_MARGIN)


def claim(
    session: Session, case: Case, *, amount: int, method: str, provider: str, locale: str, now: datetime | None = None
) -> Claim:
    """Claim the case's attempt for this amount and method (checked against the case's effective policy)."""
    now = now or utcnow()
    ledger.lock_case(session, case.id)  # claims for one case queue here; what is owed is read afresh
    payment_policy.check_payment(
        effective(case.creditor.policy, case.policy),
        status=case.status,
        outstanding=case.outstanding,
        currency=case.currency,
        amount=amount,
        method=method,
        installment=installment_due(session, case.id),
    )
    current = _unsettled(session, case.id)
    if current is not None:
        return _judge(current, amount=amount, method=method, provider=provider, now=now)
    attempt = PaymentAttempt(
        case_id=case.id,
        amount=amount,
        currency=case.currency,
        method=method,
        locale=locale,
        provider=provider,
        provider_account=case.creditor.stripe_account if provider == "stripe" else None,
        expires_at=now + CHECKOUT_LIFETIME,
    )
    try:
        with session.begin_nested():
            session.add(attempt)
    except IntegrityError:
        # Another tab opened an attempt at the same moment (the unique index let only one in).
        current = _unsettled(session, case.id)
        if current is None:
            raise PaymentBusy() from None
        return _judge(current, amount=amount, method=method, provider=provider, now=now)
    data = {
        "attempt": attempt.public_id,
        "amount": amount,
        "currency": case.currency,
        "method": method,
        "provider": provider,
    }
    events.record(session, case, "payment.started", actor=events.ACTOR_DEBTOR, data=data)
    return Claim(attempt, ready=True)


def release(session: Session, provider: PaymentProvider, attempt: PaymentAttempt) -> PaymentAttempt:
    """End an open attempt's checkout session so it can never be paid; an attempt found paid stays paid.

    Returns the attempt: cancelled, or paid/pending when the debtor completed it meanwhile.
    """
    # Lock (case, then attempt: the ledger's order) and reread: a tab still creating this attempt's
    # session stores its id before we look, or finds the attempt closed and expires the session itself.
    ledger.lock_case(session, attempt.case_id)
    session.refresh(attempt, with_for_update=True)
    state = None
    if attempt.provider_session_id and attempt.provider == provider.name:
        state = provider.expire_checkout(attempt.provider_session_id, account=attempt.provider_account)
    if state is not None and state.status == "complete":
        provider_events.apply_state(session, attempt, state)
    else:
        ledger.settle_attempt(session, attempt, "cancelled", actor=events.ACTOR_DEBTOR)
    return attempt


def checkout_request(attempt: PaymentAttempt, case: Case, *, success_url: str, cancel_url: str) -> CheckoutRequest:
    """What the provider needs for an attempt; built from the attempt alone, so a retry sends the same request."""
    return CheckoutRequest(
        attempt_id=attempt.public_id,
        case_id=case.public_id,
        amount=attempt.amount,
        currency=attempt.currency,
        method=attempt.method,
        locale=attempt.locale,
        description=f"{case.creditor.name} · {case.external_id}",
        success_url=success_url,
        cancel_url=cancel_url,
        expires_at=attempt.expires_at,
        idempotency_key=attempt.idempotency_key,
        account=attempt.provider_account,
    )


def open_checkout(
    session: Session, provider: PaymentProvider, attempt: PaymentAttempt, request: CheckoutRequest
) -> str:
    """The URL of the attempt's checkout session, creating the session at the provider when it has none yet.

    ProviderError when the provider cannot be reached; AttemptClosed when the attempt was replaced
    while its session was being created (that session is then expired, never shown).
    """
    if attempt.status != "open":
        raise AttemptClosed(attempt)
    if attempt.checkout_url:
        return attempt.checkout_url
    state = provider.create_checkout(request)
    stored = session.execute(
        update(PaymentAttempt)
        .where(
            PaymentAttempt.id == attempt.id,
            PaymentAttempt.status == "open",
            or_(PaymentAttempt.provider_session_id.is_(None), PaymentAttempt.provider_session_id == state.session_id),
        )
        .values(provider_session_id=state.session_id, checkout_url=state.url)
        .execution_options(synchronize_session="fetch")
    ).rowcount
    if not stored:
        _expire_quietly(provider, attempt, state.session_id)
        session.refresh(attempt)
        raise AttemptClosed(attempt)
    return state.url


def _expire_quietly(provider: PaymentProvider, attempt: PaymentAttempt, session_id: str) -> None:
    """Expire a session nobody was shown; if the provider cannot be reached, nobody has its URL anyway."""
    with suppress(ProviderError):
        provider.expire_checkout(session_id, account=attempt.provider_account)


def refresh(session: Session, provider: PaymentProvider, attempt: PaymentAttempt, *, session_id: str | None) -> None:
    """Ask the provider about an unsettled attempt and apply the answer through the ledger (the result page).

    session_id is the one Stripe put into the success URL; it only helps when the attempt lost its own,
    and is trusted only when the session's metadata names this attempt.
    """
    if attempt.status not in UNSETTLED_ATTEMPT_STATUSES or attempt.provider != provider.name:
        return
    known = attempt.provider_session_id or session_id
    if not known:
        return
    try:
        state = provider.retrieve_checkout(known, account=attempt.provider_account)
    except ProviderError:
        return  # show what we know; the webhook follows
    if state is not None and (attempt.provider_session_id or state.attempt_id == attempt.public_id):
        provider_events.apply_state(session, attempt, state)

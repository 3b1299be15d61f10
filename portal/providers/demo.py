"""The embedded demo provider: a clearly marked test checkout page inside the portal, no money moved.

Its outcome is handed to the same code as a verified Stripe event (portal.services.provider_events),
so the demo exercises the real ledger path. Production refuses it unless PORTAL_ALLOW_DEMO_PROVIDER=true.
"""

from __future__ import annotations

import hashlib

from portal.models.base import random_id
from portal.providers.base import FAILED, PAID, CheckoutRequest, CheckoutState, PaymentEvent

NAME = "demo"
CHECKOUT_PATH = "/sag/betaling/{attempt}/demo"


class DemoProvider:
    """Checkout sessions that live only as the attempt row; the debtor approves or declines on a test page."""

    name = NAME
    form_action_origins: tuple[str, ...] = ()

    def create_checkout(self, request: CheckoutRequest) -> CheckoutState:
        """A session on the portal's own test page (a path, so it works behind any host name)."""
        return CheckoutState(
            # Derived from the idempotency key, so a repeated request yields the same session, as with Stripe.
            session_id="demo_cs_" + hashlib.sha256(request.idempotency_key.encode()).hexdigest()[:24],
            status="open",
            url=CHECKOUT_PATH.format(attempt=request.attempt_id),
            amount=request.amount,
            currency=request.currency,
            attempt_id=request.attempt_id,
        )

    def retrieve_checkout(self, session_id: str, *, account: str | None) -> None:
        """Nothing to read: the portal's own tables are the demo's only state."""
        return None

    def expire_checkout(self, session_id: str, *, account: str | None) -> None:
        """Nothing remote to expire: the test page refuses attempts that are no longer open."""
        return None


def outcome_event(
    *, attempt_id: str, case_id: str, session_id: str, amount: int, currency: str, method: str, approved: bool
) -> PaymentEvent:
    """The event the test page produces, shaped like a verified Stripe checkout event."""
    return PaymentEvent(
        id=f"demo_evt_{random_id(24)}",
        provider=NAME,
        type="demo.checkout.approved" if approved else "demo.checkout.declined",
        kind=PAID if approved else FAILED,
        attempt_id=attempt_id,
        case_id=case_id,
        payment_reference=session_id,
        amount=amount,
        currency=currency,
        method=method,
    )

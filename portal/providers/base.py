"""The payment provider interface: create, read and expire a checkout session; events in the portal's terms."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Protocol

# What a verified provider event means for the ledger (portal.services.provider_events).
PAID = "paid"  # money was received
PENDING = "pending"  # the debtor finished checkout; the money is on its way (delayed methods)
FAILED = "failed"  # the payment was declined or failed after checkout
EXPIRED = "expired"  # the checkout session ended without a payment
REFUNDED = "refunded"  # some or all of a payment went back to the debtor
DISPUTED = "disputed"  # the debtor's bank disputed a payment (chargeback)
IGNORED = "ignored"  # nothing the portal acts on


class ProviderError(Exception):
    """The provider could not be reached or refused the request; the debtor may try again."""


@dataclass(frozen=True)
class CheckoutRequest:
    """Everything a provider needs to open a checkout session for one attempt (amount in minor units)."""

    attempt_id: str
    case_id: str
    amount: int
    currency: str
    method: str
    locale: str
    description: str
    success_url: str
    cancel_url: str
    expires_at: datetime
    idempotency_key: str
    account: str | None = None


@dataclass(frozen=True)
class CheckoutState:
    """What the provider says about one checkout session."""

    session_id: str
    status: str  # "open", "complete" or "expired"
    paid: bool = False
    url: str | None = None
    payment_reference: str | None = None
    amount: int | None = None
    currency: str | None = None
    attempt_id: str | None = None


@dataclass(frozen=True)
class PaymentEvent:
    """A verified provider event translated into the portal's terms; `kind` is one of the constants above."""

    id: str
    provider: str
    type: str
    kind: str
    attempt_id: str | None = None
    case_id: str | None = None
    payment_reference: str | None = None
    amount: int | None = None
    currency: str | None = None
    method: str | None = None
    reason: str | None = None


class PaymentProvider(Protocol):
    """A payment provider: Stripe, or the embedded demo."""

    name: str
    # Origins the browser may be sent to from a pay form (CSP form-action applies to redirects too).
    form_action_origins: tuple[str, ...]

    def create_checkout(self, request: CheckoutRequest) -> CheckoutState:
        """Open a checkout session (at most once per idempotency key); ProviderError when it cannot."""
        ...

    def retrieve_checkout(self, session_id: str, *, account: str | None) -> CheckoutState | None:
        """The session's current state, or None when the provider keeps no state of its own."""
        ...

    def expire_checkout(self, session_id: str, *, account: str | None) -> CheckoutState | None:
        """End an open session so it can no longer be paid; returns its final state (None: nothing remote)."""
        ...

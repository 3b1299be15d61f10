"""Stripe Checkout through the official library: sessions created at click time, events verified on the raw body."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from typing import Any

import stripe

from portal.providers.base import (
    DISPUTED,
    EXPIRED,
    FAILED,
    IGNORED,
    PAID,
    PENDING,
    REFUNDED,
    CheckoutRequest,
    CheckoutState,
    PaymentEvent,
    ProviderError,
)

NAME = "stripe"
CHECKOUT_ORIGIN = "https://checkout.stripe.com"
MAX_NETWORK_RETRIES = 2
# Our ids in Stripe metadata, prefixed so they never clash with a creditor's own integrations.
META_CASE, META_ATTEMPT = "betal_case", "betal_attempt"


class InvalidWebhook(Exception):
    """A webhook whose signature, timestamp or body does not verify."""


class StripeProvider:
    """Checkout Sessions for card and MobilePay, one payment method per session."""

    name = NAME
    form_action_origins = (CHECKOUT_ORIGIN,)

    def __init__(
        self,
        secret_key: str,
        *,
        webhook_secrets: Sequence[str] = (),
        api_base: str | None = None,
        http_client: stripe.HTTPClient | None = None,
    ) -> None:
        self.webhook_secrets = tuple(webhook_secrets)
        self.client = stripe.StripeClient(
            secret_key,
            base_addresses={"api": api_base} if api_base else None,
            max_network_retries=MAX_NETWORK_RETRIES,
            http_client=http_client,
        )

    def create_checkout(self, request: CheckoutRequest) -> CheckoutState:
        """Create the Checkout Session; the attempt's idempotency key makes a retry return the same session."""
        options = _options(request.account, idempotency_key=request.idempotency_key)
        return _call(lambda: self.client.v1.checkout.sessions.create(checkout_params(request), options))

    def retrieve_checkout(self, session_id: str, *, account: str | None) -> CheckoutState:
        """Read the session as Stripe has it now."""
        return _call(lambda: self.client.v1.checkout.sessions.retrieve(session_id, options=_options(account)))

    def expire_checkout(self, session_id: str, *, account: str | None) -> CheckoutState:
        """Expire an open session; a session that is no longer open is reported as it is (maybe paid)."""
        try:
            return _call(lambda: self.client.v1.checkout.sessions.expire(session_id, options=_options(account)))
        except ProviderError as error:
            if not isinstance(error.__cause__, stripe.InvalidRequestError):
                raise
        return self.retrieve_checkout(session_id, account=account)

    def parse_webhook(self, payload: bytes, signature: str | None) -> PaymentEvent:
        """Verify a webhook against every configured secret (several during a rotation) and translate it."""
        failure: Exception | None = None
        for secret in self.webhook_secrets:
            try:
                return translate(stripe.Webhook.construct_event(payload, signature, secret))
            except stripe.SignatureVerificationError as error:
                failure = error
            except ValueError as error:  # signed, but not a Stripe event
                raise InvalidWebhook(str(error)) from error
        raise InvalidWebhook(str(failure or "no webhook secret configured")) from failure


def checkout_params(request: CheckoutRequest) -> dict[str, Any]:
    """The Checkout Session parameters for one attempt: one method, amount in minor units, our ids as metadata."""
    metadata = {META_CASE: request.case_id, META_ATTEMPT: request.attempt_id}
    return {
        "mode": "payment",
        "payment_method_types": [request.method],
        "line_items": [
            {
                "quantity": 1,
                "price_data": {
                    "currency": request.currency.lower(),
                    "unit_amount": request.amount,
                    "product_data": {"name": request.description},
                },
            }
        ],
        "locale": request.locale,
        "client_reference_id": request.attempt_id,
        "metadata": metadata,
        "payment_intent_data": {"metadata": metadata},
        "success_url": request.success_url,
        "cancel_url": request.cancel_url,
        "expires_at": int(request.expires_at.timestamp()),
    }


def _options(account: str | None, **options: Any) -> dict[str, Any]:
    """Per-request options: the creditor's connected account (Stripe-Account header) when it has one."""
    return {**options, "stripe_account": account} if account else options


def _call(request: Callable[[], Any]) -> CheckoutState:
    """Run a Stripe request (the library retries network errors and 409/5xx) and read the session it returns."""
    try:
        return session_state(request())
    except stripe.StripeError as error:
        raise ProviderError(f"Stripe: {type(error).__name__}: {error.user_message or error}") from error


def _field(obj: Any, name: str) -> Any:
    """An attribute of a Stripe object, or None when the payload does not carry it."""
    return getattr(obj, name, None)


def _metadata(obj: Any, key: str) -> str | None:
    """One of our ids from an object's metadata."""
    metadata = _field(obj, "metadata")
    return metadata[key] if metadata is not None and key in metadata else None


def _id(value: Any) -> str | None:
    """An id whether the field holds the id itself or an expanded object."""
    return value if value is None or isinstance(value, str) else _field(value, "id")


def _currency(obj: Any) -> str | None:
    """The ISO currency in capitals."""
    currency = _field(obj, "currency")
    return currency.upper() if currency else None


def _method(obj: Any) -> str | None:
    """The payment method type (our sessions allow exactly one)."""
    types = _field(obj, "payment_method_types")
    return types[0] if types else None


def session_state(session: Any) -> CheckoutState:
    """A Checkout Session as the portal sees it."""
    return CheckoutState(
        session_id=session.id,
        status=_field(session, "status") or "open",
        paid=_field(session, "payment_status") == "paid",
        url=_field(session, "url"),
        payment_reference=_id(_field(session, "payment_intent")),
        amount=_field(session, "amount_total"),
        currency=_currency(session),
        attempt_id=_metadata(session, META_ATTEMPT),
    )


def _event(event: Any, kind: str, obj: Any, **fields: Any) -> PaymentEvent:
    """A PaymentEvent for a Stripe event about obj, with our ids from its metadata."""
    values = {
        "attempt_id": _metadata(obj, META_ATTEMPT),
        "case_id": _metadata(obj, META_CASE),
        "currency": _currency(obj),
        "method": _method(obj),
        **fields,
    }
    return PaymentEvent(id=event.id, provider=NAME, type=event.type, kind=kind, **values)


def _session_event(kind: str | None = None) -> Callable[[Any, Any], PaymentEvent]:
    """Translate a checkout.session.* event; completed means paid only when its payment_status says so."""

    def translate_session(event: Any, session: Any) -> PaymentEvent:
        status = _field(session, "payment_status")
        chosen = kind or {"paid": PAID, "unpaid": PENDING}.get(status, IGNORED)
        reference = _id(_field(session, "payment_intent")) or session.id
        return _event(event, chosen, session, payment_reference=reference, amount=_field(session, "amount_total"))

    return translate_session


def _payment_intent_succeeded(event: Any, intent: Any) -> PaymentEvent:
    """The PaymentIntent-level view of the same payment (same reference, so it is counted once)."""
    return _event(event, PAID, intent, payment_reference=intent.id, amount=_field(intent, "amount_received"))


def _charge_refunded(event: Any, charge: Any) -> PaymentEvent:
    """A refund: the amount is the charge's running total refunded."""
    reference = _id(_field(charge, "payment_intent"))
    return _event(event, REFUNDED, charge, payment_reference=reference, amount=_field(charge, "amount_refunded"))


def _dispute_created(event: Any, dispute: Any) -> PaymentEvent:
    """A dispute (chargeback) opened by the debtor's bank."""
    reference = _id(_field(dispute, "payment_intent"))
    fields = {"payment_reference": reference, "amount": _field(dispute, "amount"), "reason": _field(dispute, "reason")}
    return _event(event, DISPUTED, dispute, **fields)


TRANSLATORS: dict[str, Callable[[Any, Any], PaymentEvent]] = {
    "checkout.session.completed": _session_event(),
    "checkout.session.async_payment_succeeded": _session_event(PAID),
    "checkout.session.async_payment_failed": _session_event(FAILED),
    "checkout.session.expired": _session_event(EXPIRED),
    "payment_intent.succeeded": _payment_intent_succeeded,
    "charge.refunded": _charge_refunded,
    "charge.dispute.created": _dispute_created,
}


def translate(event: Any) -> PaymentEvent:
    """A verified Stripe event in the portal's terms; any other type is IGNORED."""
    translator = TRANSLATORS.get(event.type)
    if translator is None:
        return PaymentEvent(id=event.id, provider=NAME, type=event.type, kind=IGNORED)
    return translator(event, event.data.object)

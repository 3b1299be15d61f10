"""The one seam for Stripe in the tests: the real `stripe` library talking to a fake HTTP client.

FakeStripe answers the Checkout Session endpoints the portal uses (create, retrieve, expire) like
Stripe does, including replaying the first answer for a repeated idempotency key, and records every
request so tests can assert exactly what was sent. Webhook payloads are signed with the library's own
signature helper.
"""

from __future__ import annotations

import itertools
import json
import threading
import time
from dataclasses import dataclass, field
from urllib.parse import parse_qsl, urlsplit

import stripe
from flask import Flask

from portal import create_app
from portal.config import TestConfig
from portal.providers.stripe import StripeProvider

SECRET_KEY = "sk_test_betal_portal"
WEBHOOK_SECRET = "whsec_test_betal_current"
OLD_WEBHOOK_SECRET = "whsec_test_betal_previous"
API = "https://api.stripe.com"
CHECKOUT = "https://checkout.stripe.com/c/pay/"


@dataclass
class Recorded:
    """One request the library sent."""

    method: str
    url: str
    headers: dict[str, str]
    params: dict[str, str] = field(default_factory=dict)

    @property
    def path(self) -> str:
        """The URL's path."""
        return urlsplit(self.url).path


class FakeStripe(stripe.HTTPClient):
    """A stand-in for api.stripe.com behind stripe's own client; thread-safe."""

    name = "fake"

    def __init__(self) -> None:
        super().__init__()
        self.requests: list[Recorded] = []
        self.sessions: dict[str, dict] = {}
        self.failures: list[int] = []  # HTTP statuses to answer the next requests with, in order
        self._replays: dict[str, tuple[str, int, dict]] = {}
        self._numbers = itertools.count(1)
        self._lock = threading.Lock()

    def _sleep_time_seconds(self, num_retries: int) -> float:
        """No waiting between the library's retries in tests."""
        return 0

    def request(self, method, url, headers, post_data=None, *, _usage=None):
        """Answer one request like Stripe would."""
        with self._lock:
            params = dict(parse_qsl(post_data or urlsplit(url).query, keep_blank_values=True))
            recorded = Recorded(method, url, dict(headers or {}), params)
            self.requests.append(recorded)
            key = recorded.headers.get("Idempotency-Key") if method == "post" else None
            if key in self._replays:
                return self._replays[key]
            reply = self._failure() or self._route(recorded)
            if key and reply[1] < 500:
                self._replays[key] = reply
            return reply

    def close(self) -> None:
        """Nothing to close."""

    def _failure(self) -> tuple[str, int, dict] | None:
        """The next queued failure, if any."""
        if not self.failures:
            return None
        status = self.failures.pop(0)
        error = {"type": "api_error", "message": "Something went wrong on Stripe's end."}
        return json.dumps({"error": error}), status, {"Request-Id": "req_fake"}

    def _route(self, request: Recorded) -> tuple[str, int, dict]:
        """Dispatch on method and path."""
        parts = request.path.strip("/").split("/")
        if request.method == "post" and parts == ["v1", "checkout", "sessions"]:
            return self._ok(self._create(request))
        if parts[:3] == ["v1", "checkout", "sessions"] and len(parts) >= 4 and parts[3] in self.sessions:
            session = self.sessions[parts[3]]
            if request.method == "get":
                return self._ok(session)
            if parts[4:] == ["expire"]:
                return self._expire(session)
        error = {"type": "invalid_request_error", "message": "No such resource"}
        return json.dumps({"error": error}), 404, {}

    @staticmethod
    def _ok(body: dict) -> tuple[str, int, dict]:
        return json.dumps(body), 200, {"Request-Id": "req_fake"}

    def _create(self, request: Recorded) -> dict:
        """A new open Checkout Session built from the request's parameters."""
        number = next(self._numbers)
        params = request.params
        session_id = f"cs_test_{number:04d}"
        metadata = {k[len("metadata[") : -1]: v for k, v in params.items() if k.startswith("metadata[")}
        session = {
            "id": session_id,
            "object": "checkout.session",
            "url": f"{CHECKOUT}{session_id}",
            "status": "open",
            "payment_status": "unpaid",
            "payment_intent": None,
            "amount_total": int(params["line_items[0][price_data][unit_amount]"]),
            "currency": params["line_items[0][price_data][currency]"],
            "client_reference_id": params.get("client_reference_id"),
            "metadata": metadata,
            "payment_method_types": [params["payment_method_types[0]"]],
            "expires_at": int(params["expires_at"]),
            "locale": params.get("locale"),
        }
        self.sessions[session_id] = session
        return session

    def _expire(self, session: dict) -> tuple[str, int, dict]:
        """Expire an open session; anything else cannot be expired."""
        if session["status"] != "open":
            message = f"This Checkout Session is not in an expirable state (status: {session['status']})."
            return json.dumps({"error": {"type": "invalid_request_error", "message": message}}), 400, {}
        session["status"] = "expired"
        return self._ok(session)

    # --- what happens at Stripe while the debtor is away ---------------------------------------------

    def complete(self, session_id: str, *, paid: bool = True) -> dict:
        """The debtor finished checkout (paid, or approved a delayed payment)."""
        with self._lock:
            session = self.sessions[session_id]
            session["status"] = "complete"
            session["payment_status"] = "paid" if paid else "unpaid"
            session["payment_intent"] = "pi_" + session_id.removeprefix("cs_")
            return dict(session)

    def creates(self) -> list[Recorded]:
        """The Checkout Session create requests."""
        return [r for r in self.requests if r.method == "post" and r.path == "/v1/checkout/sessions"]

    def open_sessions(self) -> list[dict]:
        """Sessions a debtor could still pay."""
        return [s for s in self.sessions.values() if s["status"] == "open"]


def stripe_app(database_url: str, fake: FakeStripe, **overrides) -> Flask:
    """The portal on the test database with the Stripe provider, talking to fake."""
    settings = {
        "DATABASE_URL": database_url,
        "PAYMENT_PROVIDER": "stripe",
        "STRIPE_SECRET_KEY": SECRET_KEY,
        "STRIPE_WEBHOOK_SECRETS": [WEBHOOK_SECRET, OLD_WEBHOOK_SECRET],
        **overrides,
    }
    app = create_app(TestConfig(), settings)
    app.extensions["payment_provider"] = StripeProvider(
        SECRET_KEY,
        webhook_secrets=settings["STRIPE_WEBHOOK_SECRETS"],
        api_base=settings.get("STRIPE_API_BASE"),
        http_client=fake,
    )
    return app


# --- webhooks -----------------------------------------------------------------------------------------

_event_numbers = itertools.count(1)


def event(type_: str, obj: dict, *, event_id: str | None = None) -> dict:
    """A Stripe event envelope around an object."""
    return {
        "id": event_id or f"evt_test_{next(_event_numbers):06d}",
        "object": "event",
        "api_version": "2025-10-29.clover",
        "created": int(time.time()),
        "livemode": False,
        "pending_webhooks": 1,
        "type": type_,
        "data": {"object": obj},
    }


def signed(payload: dict | str, *, secret: str = WEBHOOK_SECRET, timestamp: int | None = None) -> tuple[bytes, dict]:
    """The raw body and headers of a webhook, signed by stripe's own helper."""
    body = payload if isinstance(payload, str) else json.dumps(payload)
    header = stripe.WebhookSignature.generate_signature_header(body, secret, timestamp)
    return body.encode(), {"Stripe-Signature": header, "Content-Type": "application/json"}


def metadata(case_id: str, attempt_id: str) -> dict:
    """Our ids as the portal puts them on the session and the PaymentIntent."""
    return {"betal_case": case_id, "betal_attempt": attempt_id}


def session_object(
    session_id: str,
    case_id: str,
    attempt_id: str,
    *,
    amount: int,
    payment_status: str = "paid",
    payment_intent: str | None = "pi_test_0001",
    method: str = "card",
) -> dict:
    """A completed Checkout Session as a webhook carries it."""
    return {
        "id": session_id,
        "object": "checkout.session",
        "status": "complete",
        "payment_status": payment_status,
        "payment_intent": payment_intent,
        "amount_total": amount,
        "currency": "dkk",
        "client_reference_id": attempt_id,
        "metadata": metadata(case_id, attempt_id),
        "payment_method_types": [method],
        "mode": "payment",
    }


def payment_intent_object(intent_id: str, case_id: str, attempt_id: str, *, amount: int, method: str = "card") -> dict:
    """A succeeded PaymentIntent carrying our metadata (from payment_intent_data)."""
    return {
        "id": intent_id,
        "object": "payment_intent",
        "status": "succeeded",
        "amount": amount,
        "amount_received": amount,
        "currency": "dkk",
        "metadata": metadata(case_id, attempt_id),
        "payment_method_types": [method],
    }


def charge_object(intent_id: str, *, amount: int, refunded: int) -> dict:
    """A charge of a PaymentIntent with its running refunded total."""
    return {
        "id": "ch_" + intent_id.removeprefix("pi_"),
        "object": "charge",
        "payment_intent": intent_id,
        "amount": amount,
        "amount_refunded": refunded,
        "refunded": refunded == amount,
        "currency": "dkk",
        "metadata": {},
    }


def dispute_object(intent_id: str, *, amount: int) -> dict:
    """A dispute opened on a charge."""
    return {
        "id": "dp_" + intent_id.removeprefix("pi_"),
        "object": "dispute",
        "charge": "ch_" + intent_id.removeprefix("pi_"),
        "payment_intent": intent_id,
        "amount": amount,
        "currency": "dkk",
        "reason": "fraudulent",
        "status": "needs_response",
    }

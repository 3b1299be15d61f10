"""Stripe webhooks: signed on the raw body, applied exactly once, out-of-order safe, retried on failure."""

from __future__ import annotations

import json
import threading
import time

import pytest
from sqlalchemy import delete, func, select

from portal.models import Case, Event, OutboxMessage, Payment, PaymentAttempt, ProviderEvent
from portal.services import ledger
from tests.conftest import csrf_from, dispose, make_case, open_case
from tests.stripe_fake import (
    OLD_WEBHOOK_SECRET,
    FakeStripe,
    charge_object,
    dispute_object,
    event,
    payment_intent_object,
    session_object,
    signed,
    stripe_app,
)

URL = "/webhooks/stripe"


@pytest.fixture
def fake() -> FakeStripe:
    return FakeStripe()


@pytest.fixture
def stripe(app, database_url, fake):
    portal = stripe_app(database_url, fake)
    yield portal
    dispose(portal)


@pytest.fixture
def started(stripe, db):
    """A case whose debtor pressed "Betal med kort": (case, attempt)."""
    case = make_case(db)
    client = stripe.test_client()
    open_case(client, stripe, case)
    # Fortsæt queued link.engaged for the creditor (tests/test_webhooks_out.py); these tests count what payments queue.
    assert db.scalars(select(OutboxMessage.type)).all() == ["link.engaged"]
    db.execute(delete(OutboxMessage))
    db.commit()
    page = client.get("/sag")
    assert client.post("/sag/betal", data={"csrf_token": csrf_from(page.text), "method": "card"}).status_code == 303
    attempt = db.scalars(select(PaymentAttempt).where(PaymentAttempt.case_id == case.id)).one()
    return case, attempt


def completed(case, attempt, **fields) -> dict:
    """checkout.session.completed for the attempt's session."""
    obj = session_object(
        attempt.provider_session_id, case.public_id, attempt.public_id, amount=attempt.amount, **fields
    )
    return event("checkout.session.completed", obj)


def deliver(stripe, payload, **sign):
    """POST a signed event to the webhook endpoint."""
    body, headers = signed(payload, **sign)
    return stripe.test_client().post(URL, data=body, headers=headers)


def count(db, model) -> int:
    db.expire_all()
    return db.scalar(select(func.count()).select_from(model))


def test_a_verified_completed_session_records_the_payment_once(stripe, db, started):
    case, attempt = started
    response = deliver(stripe, completed(case, attempt))
    assert response.status_code == 200 and response.json["outcome"] == "applied"
    payment = db.scalars(select(Payment)).one()
    assert (payment.amount, payment.currency, payment.method) == (123450, "DKK", "card")
    assert payment.provider_reference == "pi_test_0001" and payment.attempt_id == attempt.id
    db.expire_all()
    assert (case.status, case.outstanding) == ("paid", 0)
    assert db.get(PaymentAttempt, attempt.id).status == "paid"


def test_the_outbox_carries_design_shaped_webhooks_for_the_creditor(stripe, db, started):
    case, attempt = started
    deliver(stripe, completed(case, attempt))
    messages = list(db.scalars(select(OutboxMessage).order_by(OutboxMessage.id)))
    assert [m.type for m in messages] == ["payment.succeeded", "case.paid"]
    body = messages[0].payload
    assert body["id"] == messages[0].public_id and body["id"].startswith("evt_")
    assert body["type"] == "payment.succeeded" and body["created_at"]
    assert body["data"]["case"] == {
        "id": case.public_id,
        "external_id": case.external_id,
        "status": "paid",
        "outstanding": 0,
        "currency": "DKK",
    }
    assert body["data"]["payment"]["amount"] == 123450 and body["data"]["payment"]["method"] == "card"
    assert "Mette" not in json.dumps(body)
    assert all(m.status == "pending" and m.attempts == 0 and m.creditor_id == case.creditor_id for m in messages)
    # The webhook id is the timeline event's id.
    timeline = db.scalars(select(Event).where(Event.public_id == messages[0].public_id)).one()
    assert timeline.type == "payment.succeeded"


def _wrong_secret(payload):
    return signed(payload, secret="whsec_someone_else")


def _no_header(payload):
    body, _headers = signed(payload)
    return body, {"Content-Type": "application/json"}


def _altered_body(payload):
    body, headers = signed(payload)
    return body.replace(b"123450", b"999999"), headers


def _old_timestamp(payload):
    return signed(payload, timestamp=int(time.time()) - 3600)


def _not_json(payload):
    return signed("this is not an event")


@pytest.mark.parametrize(
    "tamper",
    [_wrong_secret, _no_header, _altered_body, _old_timestamp, _not_json],
    ids=["bad-signature", "missing-header", "altered-body", "old-timestamp", "not-json"],
)
def test_unverifiable_webhooks_are_refused_and_change_nothing(stripe, db, started, tamper):
    case, attempt = started
    body, headers = tamper(completed(case, attempt))
    response = stripe.test_client().post(URL, data=body, headers=headers)
    assert response.status_code == 400
    assert count(db, Payment) == 0 and count(db, ProviderEvent) == 0 and count(db, OutboxMessage) == 0
    db.refresh(case)
    assert case.outstanding == 123450 and case.status == "open"


def test_the_previous_secret_still_verifies_during_a_rotation(stripe, db, started):
    case, attempt = started
    assert deliver(stripe, completed(case, attempt), secret=OLD_WEBHOOK_SECRET).status_code == 200
    assert count(db, Payment) == 1


def test_the_same_event_twice_records_one_payment(stripe, db, started):
    case, attempt = started
    payload = completed(case, attempt)
    first, second = deliver(stripe, payload), deliver(stripe, payload)
    assert (first.status_code, second.status_code) == (200, 200)
    assert second.json["outcome"] == "duplicate"
    assert count(db, Payment) == 1 and count(db, ProviderEvent) == 1 and count(db, OutboxMessage) == 2


def test_payment_intent_and_session_events_for_one_payment_record_one_payment(stripe, db, started):
    case, attempt = started
    intent = payment_intent_object("pi_test_0001", case.public_id, attempt.public_id, amount=123450)
    assert deliver(stripe, event("payment_intent.succeeded", intent)).status_code == 200
    assert deliver(stripe, completed(case, attempt)).status_code == 200
    assert count(db, Payment) == 1 and count(db, ProviderEvent) == 2
    assert [m.type for m in db.scalars(select(OutboxMessage).order_by(OutboxMessage.id))] == [
        "payment.succeeded",
        "case.paid",
    ]


def test_unknown_types_and_foreign_payments_are_answered_and_ignored(stripe, db, started):
    case, attempt = started
    unknown = deliver(stripe, event("customer.created", {"id": "cus_1", "object": "customer"}))
    foreign = session_object("cs_other", "cas_other", "pat_other", amount=5000)
    foreign.pop("metadata")
    other_integration = deliver(stripe, event("checkout.session.completed", foreign))
    assert (unknown.status_code, other_integration.status_code) == (200, 200)
    assert unknown.json["outcome"] == other_integration.json["outcome"] == "ignored"
    assert count(db, ProviderEvent) == 0 and count(db, Payment) == 0


def test_an_event_naming_another_case_is_ignored(stripe, db, started):
    case, attempt = started
    other = make_case(db, external_id="T-0002")
    obj = session_object(attempt.provider_session_id, other.public_id, attempt.public_id, amount=123450)
    assert deliver(stripe, event("checkout.session.completed", obj)).json["outcome"] == "ignored"
    assert count(db, Payment) == 0


def test_a_failing_handler_rolls_back_and_answers_500_so_stripe_retries(stripe, db, started, monkeypatch):
    case, attempt = started
    payload = completed(case, attempt)
    real = ledger._apply

    def apply_then_fail(*args, **kwargs):
        real(*args, **kwargs)
        raise RuntimeError("database hiccup after the effects")

    monkeypatch.setattr(ledger, "_apply", apply_then_fail)
    stripe.config["PROPAGATE_EXCEPTIONS"] = False
    failed = deliver(stripe, payload)
    assert failed.status_code == 500
    assert count(db, Payment) == 0 and count(db, ProviderEvent) == 0 and count(db, OutboxMessage) == 0
    monkeypatch.setattr(ledger, "_apply", real)
    assert deliver(stripe, payload).json["outcome"] == "applied"
    assert count(db, Payment) == 1


def test_a_delayed_payment_is_pending_then_paid(stripe, db, started):
    case, attempt = started
    obj = session_object(
        attempt.provider_session_id, case.public_id, attempt.public_id, amount=123450, payment_status="unpaid"
    )
    deliver(stripe, event("checkout.session.completed", obj))
    assert count(db, Payment) == 0 and db.get(PaymentAttempt, attempt.id).status == "pending"
    obj["payment_status"] = "paid"
    deliver(stripe, event("checkout.session.async_payment_succeeded", obj))
    db.expire_all()
    assert db.get(PaymentAttempt, attempt.id).status == "paid" and count(db, Payment) == 1


def test_a_failed_delayed_payment_is_on_the_timeline_and_told_to_the_creditor(stripe, db, started):
    case, attempt = started
    obj = session_object(
        attempt.provider_session_id, case.public_id, attempt.public_id, amount=123450, payment_status="unpaid"
    )
    deliver(stripe, event("checkout.session.async_payment_failed", obj))
    db.expire_all()
    assert db.get(PaymentAttempt, attempt.id).status == "failed"
    assert db.get(Case, case.id).status == "open"
    assert [m.type for m in db.scalars(select(OutboxMessage))] == ["payment.failed"]
    assert db.scalars(select(Event).where(Event.type == "payment.failed")).one().case_id == case.id


def test_events_arriving_out_of_order_never_move_backwards(stripe, db, started):
    case, attempt = started
    obj = session_object(attempt.provider_session_id, case.public_id, attempt.public_id, amount=123450)
    deliver(stripe, event("checkout.session.completed", obj))
    for late in ("checkout.session.expired", "checkout.session.async_payment_failed"):
        assert deliver(stripe, event(late, obj)).status_code == 200
    unpaid = dict(obj, payment_status="unpaid")
    deliver(stripe, event("checkout.session.completed", unpaid))
    db.expire_all()
    assert db.get(PaymentAttempt, attempt.id).status == "paid"
    refreshed = db.get(Case, case.id)
    assert (refreshed.status, refreshed.outstanding) == ("paid", 0)
    assert count(db, Payment) == 1
    assert [m.type for m in db.scalars(select(OutboxMessage).order_by(OutboxMessage.id))] == [
        "payment.succeeded",
        "case.paid",
    ]


def test_an_expired_session_cancels_the_attempt(stripe, db, started):
    case, attempt = started
    obj = session_object(
        attempt.provider_session_id,
        case.public_id,
        attempt.public_id,
        amount=123450,
        payment_status="unpaid",
        payment_intent=None,
    )
    obj["status"] = "expired"
    deliver(stripe, event("checkout.session.expired", obj))
    db.expire_all()
    assert db.get(PaymentAttempt, attempt.id).status == "expired"
    assert db.scalars(select(Event).where(Event.type == "payment.expired")).one()


def test_refunds_are_recorded_without_raising_what_is_owed(stripe, db, started):
    case, attempt = started
    deliver(stripe, completed(case, attempt))
    deliver(stripe, event("charge.refunded", charge_object("pi_test_0001", amount=123450, refunded=20000)))
    deliver(stripe, event("charge.refunded", charge_object("pi_test_0001", amount=123450, refunded=50000)))
    # An older total arriving late lowers nothing.
    deliver(stripe, event("charge.refunded", charge_object("pi_test_0001", amount=123450, refunded=20000)))
    db.expire_all()
    payment = db.scalars(select(Payment)).one()
    assert payment.refunded == 50000
    refreshed = db.get(Case, case.id)
    assert (refreshed.status, refreshed.outstanding) == ("paid", 0)
    refunds = [e.data["amount"] for e in db.scalars(select(Event).where(Event.type == "payment.refunded"))]
    assert refunds == [20000, 30000]


def test_disputes_are_recorded_on_the_payment_and_the_timeline(stripe, db, started):
    case, attempt = started
    deliver(stripe, completed(case, attempt))
    deliver(stripe, event("charge.dispute.created", dispute_object("pi_test_0001", amount=123450)))
    db.expire_all()
    assert db.scalars(select(Payment)).one().disputed_at is not None
    disputed = db.scalars(select(Event).where(Event.type == "payment.disputed")).one()
    assert disputed.data["reason"] == "fraudulent"


def test_the_endpoint_is_off_without_stripe_or_without_a_secret(app, database_url, fake):
    body, headers = signed(event("customer.created", {"id": "cus_1"}))
    assert app.test_client().post(URL, data=body, headers=headers).status_code == 404  # demo provider
    portal = stripe_app(database_url, fake, STRIPE_WEBHOOK_SECRETS=[])
    try:
        assert portal.test_client().post(URL, data=body, headers=headers).status_code == 404
    finally:
        dispose(portal)


def test_webhooks_need_no_csrf_token_and_no_session(stripe, db, started):
    case, attempt = started
    assert deliver(stripe, completed(case, attempt)).status_code == 200


def test_the_same_event_delivered_concurrently_records_one_payment(stripe, db, started, database_url):
    if not database_url.startswith("postgresql"):
        pytest.skip("concurrent delivery needs PostgreSQL row locks (SQLite serialises whole transactions)")
    case, attempt = started
    body, headers = signed(completed(case, attempt))
    barrier = threading.Barrier(8)
    statuses: list[int] = []

    def deliver_once() -> None:
        client = stripe.test_client()
        barrier.wait()
        statuses.append(client.post(URL, data=body, headers=headers).status_code)

    threads = [threading.Thread(target=deliver_once) for _ in range(8)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=30)
    assert statuses == [200] * 8
    assert count(db, Payment) == 1 and count(db, ProviderEvent) == 1 and count(db, OutboxMessage) == 2
    db.refresh(case)
    assert case.outstanding == 0


def test_session_and_payment_intent_events_delivered_concurrently_record_one_payment(stripe, db, started, database_url):
    if not database_url.startswith("postgresql"):
        pytest.skip("concurrent delivery needs PostgreSQL row locks (SQLite serialises whole transactions)")
    case, attempt = started
    intent = payment_intent_object("pi_test_0001", case.public_id, attempt.public_id, amount=123450)
    payloads = [completed(case, attempt), event("payment_intent.succeeded", intent)] * 3
    bodies = [signed(p) for p in payloads]
    barrier = threading.Barrier(len(bodies))
    statuses: list[int] = []

    def deliver_one(body, headers) -> None:
        client = stripe.test_client()
        barrier.wait()
        statuses.append(client.post(URL, data=body, headers=headers).status_code)

    threads = [threading.Thread(target=deliver_one, args=pair) for pair in bodies]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=30)
    assert statuses == [200] * len(bodies)
    assert count(db, Payment) == 1 and count(db, OutboxMessage) == 2

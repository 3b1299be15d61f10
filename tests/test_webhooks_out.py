"""Outbound webhooks: Standard Webhooks signatures, retries, rotation, and what each answer does."""

from __future__ import annotations

import json
from datetime import timedelta
from urllib.parse import urlsplit

import pytest
from sqlalchemy import select, update
from standardwebhooks import Webhook

from portal.models import WebhookAttempt, WebhookDelivery, WebhookEndpoint, utcnow
from portal.services import deliveries, webhook_signing
from tests.api_helpers import api_headers, case_body
from tests.conftest import csrf_from

# The Standard Webhooks specification's test vector.
SPEC_SECRET = "whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw"
SPEC_ID, SPEC_TIMESTAMP = "msg_p5jXN8AQM9LWM0D4loKWxJek", 1614265330
SPEC_BODY = b'{"test": 2432232314}'
SPEC_SIGNATURE = "v1,g0hM9SsE+OTPJTGt/tmIKtSyZlE3uFJELVlNIOLJ1OE="


def register(client, key, receiver, path="/hook", events=("*",)) -> dict:
    """Register the receiver as an endpoint; return the API's answer (with the secret)."""
    response = client.post(
        "/api/v1/webhook-endpoints", json={"url": receiver.url(path), "events": list(events)}, headers=api_headers(key)
    )
    assert response.status_code == 201, response.json
    return response.json


def create_case(client, key, external_id="F-1") -> dict:
    """Create a case through the API (which queues case.created)."""
    response = client.post("/api/v1/cases", json=case_body(external_id), headers=api_headers(key))
    assert response.status_code == 201, response.json
    return response.json


def verify(secret: str, received) -> dict:
    """What the standardwebhooks library makes of a request (raises if the signature is wrong)."""
    return Webhook(secret).verify(received.body, received.headers)


def make_due(db) -> None:
    """Bring every waiting delivery's next attempt to now (as if the backoff had passed)."""
    db.execute(update(WebhookDelivery).where(WebhookDelivery.status == "pending").values(next_attempt_at=utcnow()))
    db.commit()


def test_signature_matches_the_specification_test_vector():
    assert webhook_signing.sign(SPEC_SECRET, SPEC_ID, SPEC_TIMESTAMP, SPEC_BODY) == SPEC_SIGNATURE


def test_new_secrets_are_whsec_and_verify_with_the_library():
    secret = webhook_signing.new_secret()
    headers = webhook_signing.headers([secret], "evt_1", 1_900_000_000, b"{}")
    assert secret.startswith("whsec_")
    with pytest.raises(Exception, match="timestamp"):  # the library also refuses old timestamps
        Webhook(secret).verify(b"{}", headers)


def test_a_created_case_reaches_the_receiver_signed_with_the_endpoint_secret(client, api_creditor, receiver, worker):
    _, key = api_creditor
    endpoint = register(client, key, receiver)
    case = create_case(client, key)
    assert worker.run_once() > 0
    [got] = receiver.at("/hook")
    body = verify(endpoint["secret"], got)
    assert body["type"] == "case.created"
    assert body["data"]["case"]["id"] == case["id"]
    assert body["data"]["case"]["outstanding"] == 133450
    assert got.headers["Webhook-Id"] == body["id"]
    assert "Mette" not in got.body.decode()  # no more personal data than the event needs


def test_retries_after_500_reuse_the_webhook_id_with_a_fresh_signature(client, api_creditor, receiver, worker, db):
    _, key = api_creditor
    endpoint = register(client, key, receiver)
    receiver.answer("/hook", 500, body=b"boom")
    create_case(client, key)
    worker.run_once()
    delivery = db.scalars(select(WebhookDelivery)).one()
    assert delivery.status == "pending" and delivery.attempts == 1
    assert timedelta(seconds=4) < delivery.next_attempt_at - utcnow() <= timedelta(seconds=5)
    make_due(db)
    worker.run_once()
    first, second = receiver.at("/hook")
    assert first.headers["Webhook-Id"] == second.headers["Webhook-Id"]
    assert first.body == second.body
    verify(endpoint["secret"], second)
    db.expire_all()
    attempts = db.scalars(select(WebhookAttempt).order_by(WebhookAttempt.number)).all()
    assert [(a.number, a.status_code, a.succeeded) for a in attempts] == [(1, 500, False), (2, 200, True)]
    assert attempts[0].response_body == "boom"
    assert db.get(WebhookDelivery, delivery.id).status == "succeeded"


def test_rotation_signs_with_both_secrets_for_a_day(client, api_creditor, receiver, worker, db):
    _, key = api_creditor
    old = register(client, key, receiver)
    rotated = client.post(f"/api/v1/webhook-endpoints/{old['id']}/rotate-secret", headers=api_headers(key))
    assert rotated.status_code == 200
    new_secret = rotated.json["secret"]
    assert new_secret != old["secret"]
    create_case(client, key)
    worker.run_once()
    [got] = receiver.at("/hook")
    assert len(got.headers["Webhook-Signature"].split(" ")) == 2
    verify(old["secret"], got)
    verify(new_secret, got)
    db.execute(update(WebhookEndpoint).values(previous_secret_expires_at=utcnow() - timedelta(seconds=1)))
    db.commit()
    create_case(client, key, "F-2")
    worker.run_once()
    latest = receiver.at("/hook")[-1]
    verify(new_secret, latest)
    with pytest.raises(Exception, match="signature"):
        verify(old["secret"], latest)


def test_gone_disables_the_endpoint_and_cancels_what_waits(client, api_creditor, receiver, worker, db):
    _, key = api_creditor
    endpoint = register(client, key, receiver)
    receiver.answer("/hook", 410)
    create_case(client, key, "F-1")
    worker.run_once()
    shown = client.get(f"/api/v1/webhook-endpoints/{endpoint['id']}", headers=api_headers(key)).json
    assert shown["status"] == "disabled"
    create_case(client, key, "F-2")
    worker.run_once()
    assert len(receiver.at("/hook")) == 1
    assert db.scalars(select(WebhookDelivery.status)).all() == ["failed"]


def test_a_redirect_is_a_failure_and_is_not_followed(client, api_creditor, receiver, worker, db):
    _, key = api_creditor
    register(client, key, receiver)
    receiver.answer("/hook", 302, {"Location": receiver.url("/elsewhere")})
    create_case(client, key)
    worker.run_once()
    assert receiver.at("/elsewhere") == []
    delivery = db.scalars(select(WebhookDelivery)).one()
    assert (delivery.status, delivery.last_status_code) == ("pending", 302)


def test_too_many_requests_waits_at_least_retry_after(client, api_creditor, receiver, worker, db):
    _, key = api_creditor
    register(client, key, receiver)
    receiver.answer("/hook", 429, {"Retry-After": "120"})
    create_case(client, key)
    worker.run_once()
    delivery = db.scalars(select(WebhookDelivery)).one()
    endpoint = db.scalars(select(WebhookEndpoint)).one()
    assert delivery.next_attempt_at - utcnow() > timedelta(seconds=115)
    assert endpoint.paused_until - utcnow() > timedelta(seconds=115)
    db.execute(update(WebhookDelivery).values(next_attempt_at=utcnow()))
    db.commit()
    worker.run_once()  # due, but the endpoint asked for a pause
    assert len(receiver.at("/hook")) == 1


def test_the_schedule_backs_off_for_about_three_days():
    waits = [deliveries.next_delay(n) for n in range(deliveries.MAX_ATTEMPTS)]
    assert waits[:7] == [timedelta(seconds=s) for s in (0, 5, 300, 1800, 7200, 18000, 36000)]
    assert timedelta(days=2.5) < sum(waits, timedelta()) < timedelta(days=3.5)
    assert deliveries.next_delay(deliveries.MAX_ATTEMPTS) is None


def test_a_delivery_fails_for_good_after_the_last_attempt(client, api_creditor, receiver, worker, db):
    _, key = api_creditor
    register(client, key, receiver)
    for _ in range(deliveries.MAX_ATTEMPTS):
        receiver.answer("/hook", 503)
    create_case(client, key)
    for _ in range(deliveries.MAX_ATTEMPTS):
        make_due(db)
        worker.run_once()
    delivery = db.scalars(select(WebhookDelivery)).one()
    assert (delivery.status, delivery.attempts) == ("failed", deliveries.MAX_ATTEMPTS)
    assert len(receiver.at("/hook")) == deliveries.MAX_ATTEMPTS


def test_attempts_are_logged_and_a_delivery_can_be_replayed(client, api_creditor, receiver, worker):
    _, key = api_creditor
    endpoint = register(client, key, receiver)
    receiver.answer("/hook", 500, body=b"x" * 5000)
    create_case(client, key)
    worker.run_once()
    listed = client.get(f"/api/v1/webhook-endpoints/{endpoint['id']}/deliveries", headers=api_headers(key)).json
    [delivery] = listed["data"]
    [attempt] = delivery["attempts"]
    assert attempt["status_code"] == 500 and len(attempt["response_body"]) == 1024 and attempt["latency_ms"] >= 0
    retried = client.post(f"/api/v1/deliveries/{delivery['id']}/retry", headers=api_headers(key))
    assert retried.status_code == 202
    worker.run_once()
    assert [r.headers["Webhook-Id"] for r in receiver.at("/hook")] == [delivery["event_id"]] * 2
    replay = client.post(f"/api/v1/deliveries/{delivery['id']}/retry", headers=api_headers(key))
    assert replay.json["status"] == "pending"
    worker.run_once()
    assert len(receiver.at("/hook")) == 3


def test_the_test_event_goes_to_that_endpoint_only(client, api_creditor, receiver, worker):
    _, key = api_creditor
    first = register(client, key, receiver, "/one")
    register(client, key, receiver, "/two")
    response = client.post(f"/api/v1/webhook-endpoints/{first['id']}/test", headers=api_headers(key))
    assert response.status_code == 202 and response.json["event_type"] == "webhook.test"
    worker.run_once()
    [got] = receiver.at("/one")
    assert verify(first["secret"], got)["type"] == "webhook.test"
    assert receiver.at("/two") == []


def test_endpoints_get_only_the_event_types_they_asked_for(client, api_creditor, receiver, worker, db):
    _, key = api_creditor
    register(client, key, receiver, "/paid-only", events=["case.paid"])
    register(client, key, receiver, "/all")
    case = create_case(client, key)
    client.post(
        f"/api/v1/cases/{case['id']}/adjustments", json={"kind": "credit", "amount": 133450}, headers=api_headers(key)
    )
    worker.run_once()
    assert [json.loads(r.body)["type"] for r in receiver.at("/paid-only")] == ["case.paid"]
    assert sorted(json.loads(r.body)["type"] for r in receiver.at("/all")) == ["case.created", "case.paid"]


def test_a_deleted_endpoint_gets_nothing_more(client, api_creditor, receiver, worker):
    _, key = api_creditor
    endpoint = register(client, key, receiver)
    assert client.delete(f"/api/v1/webhook-endpoints/{endpoint['id']}", headers=api_headers(key)).status_code == 204
    create_case(client, key)
    worker.run_once()
    assert receiver.at("/hook") == []
    assert client.get("/api/v1/webhook-endpoints", headers=api_headers(key)).json == {"data": []}


def test_pressing_continue_tells_the_creditor_once_per_link_version(client, api_creditor, receiver, worker):
    _, key = api_creditor
    endpoint = register(client, key, receiver)
    case = create_case(client, key)
    path = urlsplit(case["link"]["url"]).path
    for _ in range(2):  # a double click: the second press records and queues nothing
        page = client.get(path)
        assert client.post(path, data={"csrf_token": csrf_from(page.text)}).status_code == 303
    worker.run_once()
    engaged = [verify(endpoint["secret"], r) for r in receiver.at("/hook") if b'"link.engaged"' in r.body]
    assert len(engaged) == 1
    assert engaged[0]["data"]["case"]["id"] == case["id"]
    assert engaged[0]["data"]["link"] == {"version": 1}
    assert "Mette" not in json.dumps(engaged[0])

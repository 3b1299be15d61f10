"""Idempotency-Key: a repeated POST gets the first answer; another body with the same key is refused."""

from __future__ import annotations

from datetime import timedelta

from sqlalchemy import func, select, update

from portal.models import Case, IdempotencyRecord, utcnow
from portal.services import idempotency
from tests.api_helpers import api_headers, case_body


def create(client, key, body, idem="key-1"):
    """POST a case with an Idempotency-Key."""
    return client.post("/api/v1/cases", json=body, headers=api_headers(key, **{"Idempotency-Key": idem}))


def count_cases(db) -> int:
    """How many cases exist."""
    return db.scalar(select(func.count()).select_from(Case))


def test_the_same_post_twice_creates_one_case(client, api_creditor, db):
    _, key = api_creditor
    first = create(client, key, case_body())
    second = create(client, key, case_body())
    assert first.status_code == second.status_code == 201
    assert first.get_data() == second.get_data()
    assert second.headers["Idempotent-Replayed"] == "true"
    assert count_cases(db) == 1


def test_the_same_key_with_another_body_is_refused(client, api_creditor, db):
    _, key = api_creditor
    create(client, key, case_body("A"))
    response = create(client, key, case_body("B"))
    assert response.status_code == 422 and response.mimetype == "application/problem+json"
    assert count_cases(db) == 1


def test_a_key_still_in_flight_is_a_conflict(app, client, api_creditor, db):
    creditor, key = api_creditor
    body = client.application.json.dumps(case_body()).encode()
    print_ = idempotency.fingerprint("POST", "/api/v1/cases", body)
    idempotency.begin(app.extensions["db_sessionmaker"](), creditor.id, "key-1", print_)
    response = client.post(
        "/api/v1/cases",
        data=body,
        content_type="application/json",
        headers=api_headers(key, **{"Idempotency-Key": "key-1"}),
    )
    assert response.status_code == 409
    assert count_cases(db) == 0


def test_a_failed_request_gives_its_key_back(client, api_creditor, db):
    _, key = api_creditor
    bad = case_body(invoices=[])
    assert create(client, key, bad).status_code == 422
    assert db.scalar(select(func.count()).select_from(IdempotencyRecord)) == 0
    assert create(client, key, bad).status_code == 422  # not 409: the key is free again


def test_keys_are_kept_for_a_day(client, api_creditor, db):
    _, key = api_creditor
    create(client, key, case_body("A"))
    db.execute(update(IdempotencyRecord).values(expires_at=utcnow() - timedelta(seconds=1)))
    db.commit()
    assert create(client, key, case_body("B")).status_code == 201  # an expired key is a new key
    assert count_cases(db) == 2


def test_keys_belong_to_one_creditor(client, db, api_creditor):
    from tests.api_helpers import make_api_creditor

    _, key_a = api_creditor
    _, key_b = make_api_creditor(db, "Anden A/S")
    assert create(client, key_a, case_body()).status_code == 201
    assert create(client, key_b, case_body()).status_code == 201
    assert count_cases(db) == 2


def test_the_worker_forgets_expired_keys(client, api_creditor, db, worker):
    _, key = api_creditor
    create(client, key, case_body())
    db.execute(update(IdempotencyRecord).values(expires_at=utcnow() - timedelta(seconds=1)))
    db.commit()
    worker.run_once()
    assert db.scalar(select(func.count()).select_from(IdempotencyRecord)) == 0

"""The creditor decides a waiting payment plan through the API; the case shows the plan."""

from __future__ import annotations

from sqlalchemy import select

from portal.models import Case, OutboxMessage
from tests.api_helpers import api_headers, case_body
from tests.plan_helpers import make_plan


def waiting_plan(client, db, key):
    """An API case whose policy sends every plan to the creditor, with a plan request; (case id, plan)."""
    body = case_body(policy={"plan_auto_approve_max_total": 1})
    case_id = client.post("/api/v1/cases", json=body, headers=api_headers(key)).json["id"]
    case = db.scalars(select(Case).where(Case.public_id == case_id)).one()
    plan = make_plan(db, case)
    assert plan.status == "requested"
    return case_id, plan


def test_the_case_shows_its_plan(client, db, api_creditor):
    _, key = api_creditor
    case_id, plan = waiting_plan(client, db, key)
    shown = client.get(f"/api/v1/cases/{case_id}", headers=api_headers(key)).json["payment_plan"]
    assert (shown["id"], shown["status"], shown["total"], shown["paid"]) == (plan.public_id, "requested", 133450, 0)
    assert [i["amount"] for i in shown["installments"]] == [44484, 44483, 44483]


def test_approving_makes_the_plan_the_agreement_with_a_message(client, db, api_creditor):
    _, key = api_creditor
    case_id, plan = waiting_plan(client, db, key)
    response = client.post(
        f"/api/v1/cases/{case_id}/payment-plan/approve", json={"message": "Velkommen"}, headers=api_headers(key)
    )
    assert response.status_code == 200
    assert response.json["payment_plan"]["status"] == "approved"
    assert response.json["payment_plan"]["creditor_message"] == "Velkommen"
    assert db.scalars(select(OutboxMessage.type).order_by(OutboxMessage.id.desc())).first() == "payment_plan.approved"
    again = client.post(f"/api/v1/cases/{case_id}/payment-plan/approve", json={}, headers=api_headers(key))
    assert again.status_code == 409 and again.content_type == "application/problem+json"


def test_rejecting_resumes_the_reminders_and_tells_the_debtor(client, db, api_creditor):
    _, key = api_creditor
    case_id, plan = waiting_plan(client, db, key)
    response = client.post(
        f"/api/v1/cases/{case_id}/payment-plan/reject", json={"message": "Ring til os"}, headers=api_headers(key)
    )
    assert response.json["payment_plan"]["status"] == "rejected"
    case = db.scalars(select(Case).where(Case.public_id == case_id)).one()
    db.refresh(case)
    assert (case.status, case.nudges_paused_reason) == ("open", None)
    types = list(db.scalars(select(OutboxMessage.type).order_by(OutboxMessage.id)))
    assert types[-1] == "payment_plan.rejected"


def test_deciding_without_a_waiting_plan_is_a_conflict(client, api_creditor):
    _, key = api_creditor
    case_id = client.post("/api/v1/cases", json=case_body(), headers=api_headers(key)).json["id"]
    response = client.post(f"/api/v1/cases/{case_id}/payment-plan/reject", json={}, headers=api_headers(key))
    assert response.status_code == 409
    assert response.json["detail"] == "The case has no payment plan waiting for a decision."
    assert client.get(f"/api/v1/cases/{case_id}", headers=api_headers(key)).json["payment_plan"] is None


def test_a_repeated_decision_with_the_same_idempotency_key_is_replayed(client, db, api_creditor):
    _, key = api_creditor
    case_id, _plan = waiting_plan(client, db, key)
    headers = api_headers(key, **{"Idempotency-Key": "decide-1"})
    path = f"/api/v1/cases/{case_id}/payment-plan/approve"
    first = client.post(path, json={"message": "OK"}, headers=headers)
    second = client.post(path, json={"message": "OK"}, headers=headers)
    assert (first.status_code, second.status_code) == (200, 200)
    assert second.headers["Idempotent-Replayed"] == "true" and second.json == first.json


def test_an_unknown_field_or_a_long_message_is_refused(client, db, api_creditor):
    _, key = api_creditor
    case_id, _plan = waiting_plan(client, db, key)
    path = f"/api/v1/cases/{case_id}/payment-plan/approve"
    assert client.post(path, json={"note": "x"}, headers=api_headers(key)).status_code == 422
    assert client.post(path, json={"message": "x" * 1001}, headers=api_headers(key)).status_code == 422


def test_cancelling_the_case_ends_its_plan(client, db, api_creditor):
    _, key = api_creditor
    case_id, plan = waiting_plan(client, db, key)
    client.post(f"/api/v1/cases/{case_id}/cancel", json={}, headers=api_headers(key))
    db.refresh(plan)
    assert plan.status == "cancelled"


def test_a_plan_within_policy_shows_it_was_approved_by_the_portal(client, db, api_creditor):
    _, key = api_creditor
    case_id = client.post("/api/v1/cases", json=case_body(), headers=api_headers(key)).json["id"]
    make_plan(db, db.scalars(select(Case).where(Case.public_id == case_id)).one())
    shown = client.get(f"/api/v1/cases/{case_id}", headers=api_headers(key)).json["payment_plan"]
    assert (shown["status"], shown["decided_by"]) == ("approved", "system")

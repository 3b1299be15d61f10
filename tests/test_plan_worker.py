"""The worker with a controlled clock: a missed instalment defaults its plan; a paid-up plan completes."""

from __future__ import annotations

import json
from datetime import UTC, date, datetime

from sqlalchemy import select

from portal.models import Case, Fee, PaymentPlan
from portal.services import case_updates
from tests.api_helpers import api_headers, case_body, make_api_creditor
from tests.plan_helpers import make_plan

REQUESTED_ON = date(2026, 1, 5)
FIRST_DUE = date(2026, 1, 10)  # grace of 5 days: the plan defaults on 16 January


def at(day: date) -> datetime:
    """Noon UTC on a day."""
    return datetime(day.year, day.month, day.day, 12, tzinfo=UTC)


def api_case_with_plan(client, db, receiver) -> tuple[Case, PaymentPlan]:
    """An API case with an endpoint at the receiver and an approved three-instalment plan from 10 January."""
    _, key = make_api_creditor(db)
    client.post("/api/v1/webhook-endpoints", json={"url": receiver.url()}, headers=api_headers(key))
    case_id = client.post("/api/v1/cases", json=case_body(), headers=api_headers(key)).json["id"]
    case = db.scalars(select(Case).where(Case.public_id == case_id)).one()
    plan = make_plan(db, case, today=REQUESTED_ON, first=FIRST_DUE)
    assert plan.status == "approved"
    return case, plan


def webhook_types(receiver) -> list[str]:
    return [json.loads(r.body)["type"] for r in receiver.at("/hook")]


def test_an_instalment_within_its_grace_days_keeps_the_plan(client, db, receiver, worker):
    case, plan = api_case_with_plan(client, db, receiver)
    worker.clock = lambda: at(date(2026, 1, 15))
    worker.run_once()
    db.refresh(plan)
    assert plan.status == "approved"
    assert "payment_plan.defaulted" not in webhook_types(receiver)


def test_a_missed_instalment_defaults_the_plan_and_tells_the_creditor(client, db, receiver, worker):
    case, plan = api_case_with_plan(client, db, receiver)
    worker.clock = lambda: at(date(2026, 1, 16))
    worker.run_once()
    db.refresh(plan)
    db.refresh(case)
    assert plan.status == "defaulted" and plan.ended_at is not None
    assert (case.status, case.nudges_paused_reason) == ("open", None)  # back to the normal open flow
    fees = db.scalars(select(Fee).where(Fee.case_id == case.id)).all()
    assert case.outstanding == 133450 and [f.amount for f in fees] == [10000]  # the portal adds no fee
    [defaulted] = [json.loads(r.body) for r in receiver.at("/hook") if b"payment_plan.defaulted" in r.body]
    assert defaulted["data"]["plan"]["id"] == plan.public_id
    assert defaulted["data"]["missed_installment"] == {"due_on": "2026-01-10"}
    assert defaulted["data"]["case"]["status"] == "open"
    worker.run_once()  # nothing more happens to a defaulted plan
    assert webhook_types(receiver).count("payment_plan.defaulted") == 1


def test_a_paid_instalment_moves_the_deadline_to_the_next_one(client, db, receiver, worker):
    case, plan = api_case_with_plan(client, db, receiver)
    first = plan.schedule[0]["amount"]
    case_updates.adjust(db, case, kind="payment", amount=first, actor="api")
    db.commit()
    worker.clock = lambda: at(date(2026, 2, 14))  # the second falls on 10 February: still in grace
    worker.run_once()
    db.refresh(plan)
    assert (plan.status, plan.next_due_on) == ("approved", date(2026, 2, 10))
    worker.clock = lambda: at(date(2026, 2, 16))
    worker.run_once()
    db.refresh(plan)
    assert plan.status == "defaulted"


def test_a_paid_up_plan_completes_and_the_creditor_hears_of_it(client, db, receiver, worker):
    case, plan = api_case_with_plan(client, db, receiver)
    case_updates.adjust(db, case, kind="payment", amount=case.outstanding, actor="api")
    db.commit()
    worker.clock = lambda: at(date(2026, 6, 1))  # long after every due date: a completed plan never defaults
    worker.run_once()
    db.refresh(plan)
    assert plan.status == "completed"
    types = webhook_types(receiver)
    assert types.count("payment_plan.installment_paid") == 3
    assert types.count("payment_plan.completed") == 1 and "case.paid" in types  # sent concurrently: any order

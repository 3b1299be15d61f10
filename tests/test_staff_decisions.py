"""Staff act on the debtor's answers: decide a plan, resolve a dispute (when allowed), resend the link."""

from __future__ import annotations

from datetime import timedelta

import pytest
from sqlalchemy import select

from portal.models import Creditor, Event, OutboxMessage, PaymentPlan, StaffAudit, utcnow
from portal.services import answers, nudges, promises
from tests.answer_helpers import make_dispute_file
from tests.conftest import csrf_from, make_case, make_creditor
from tests.plan_helpers import make_plan
from tests.staff_helpers import english_client, login, make_staff

WAITS_FOR_CREDITOR = {"plan_auto_approve_max_total": 100}  # every plan waits for a decision


def _client(app, db, **staff):
    """A logged-in English staff client."""
    client = english_client(app)
    login(client, make_staff(db, **staff))
    return client


def _post(client, case, action: str, **data):
    """Post a form of the case file (CSRF token from the page)."""
    page = client.get(f"/staff/cases/{case.public_id}")
    return client.post(f"/staff/cases/{case.public_id}/{action}", data={"csrf_token": csrf_from(page.text), **data})


def _audited(db) -> list[str]:
    return db.scalars(select(StaffAudit.action).order_by(StaffAudit.id)).all()


@pytest.fixture
def creditor(db) -> Creditor:
    return make_creditor(db, policy=WAITS_FOR_CREDITOR)


def test_the_creditors_own_agent_approves_a_waiting_plan_with_a_message(app, db, creditor):
    case = make_case(db, creditor)
    plan = make_plan(db, case)
    assert plan.status == "requested"
    client = _client(app, db, email="agent@testvarme.example", creditor=creditor)
    page = client.get(f"/staff/cases/{case.public_id}")
    assert "Approve the plan" in page.text and "waiting for a decision" in page.text
    response = _post(client, case, "plan/decision", decision="approve", message="Velkommen på ordningen.")
    assert response.status_code == 303
    db.refresh(plan)
    assert (plan.status, plan.creditor_message) == ("approved", "Velkommen på ordningen.")
    assert plan.decided_by.startswith("staff:")
    webhook = db.scalars(select(OutboxMessage).where(OutboxMessage.type == "payment_plan.approved")).one()
    assert webhook.payload["data"]["case"]["id"] == case.public_id
    assert _audited(db)[-1] == "plan.approved"


def test_operator_staff_decide_only_when_the_creditor_delegates(app, db, creditor):
    case = make_case(db, creditor)
    plan = make_plan(db, case)
    client = _client(app, db)  # operator agent: every creditor, no delegation yet
    page = client.get(f"/staff/cases/{case.public_id}")
    assert "The creditor decides on this plan." in page.text and "Approve the plan" not in page.text
    refused = _post(client, case, "plan/decision", decision="approve")
    assert refused.status_code == 409 and "has not delegated" in refused.text
    db.refresh(plan)
    assert plan.status == "requested"
    creditor.policy = {**WAITS_FOR_CREDITOR, "operator_decides": True}
    db.commit()
    assert _post(client, case, "plan/decision", decision="reject", message="Ring til os.").status_code == 303
    db.refresh(plan)
    db.refresh(case)
    assert plan.status == "rejected" and nudges.blocked_reason(case, utcnow()) is None


def test_a_decision_without_a_waiting_plan_is_refused_kindly(app, db, creditor):
    case = make_case(db, creditor)
    client = _client(app, db, email="agent@testvarme.example", creditor=creditor)
    response = _post(client, case, "plan/decision", decision="approve")
    assert response.status_code == 409 and "no payment plan waiting" in response.text
    assert db.scalars(select(PaymentPlan)).all() == []


def test_staff_resolve_a_dispute_and_reminders_resume_when_rejected(app, db, creditor):
    case = make_case(db, creditor)
    file_id = make_dispute_file(app, db, case)
    client = _client(app, db, email="agent@testvarme.example", creditor=creditor)
    page = client.get(f"/staff/cases/{case.public_id}")
    assert "Resolve the dispute" in page.text and "wrong amount" in page.text and file_id in page.text
    incomplete = _post(client, case, "dispute/resolution", outcome="rejected", message="")
    assert incomplete.status_code == 422 and "Write a message to the debtor." in incomplete.text
    assert '<input checked id="outcome-1"' in incomplete.text  # what was chosen is kept
    response = _post(client, case, "dispute/resolution", outcome="rejected", message="Kravet står ved magt.")
    assert response.status_code == 303
    db.refresh(case)
    assert nudges.blocked_reason(case, utcnow()) is None
    resolved = db.scalars(select(Event).where(Event.type == "dispute.resolved")).one()
    assert resolved.actor.startswith("staff:") and resolved.data["outcome"] == "rejected"
    assert _audited(db)[-1] == "dispute.resolved"


def test_staff_send_the_link_by_sms_through_the_outbox(app, db):
    case = make_case(db)
    client = _client(app, db)
    response = _post(client, case, "link/send", channel="sms")
    assert response.status_code == 303
    [message] = db.scalars(select(OutboxMessage).where(OutboxMessage.channel == "sms")).all()
    assert message.case_id == case.id
    types = db.scalars(select(Event.type).where(Event.case_id == case.id)).all()
    assert "message.requested" in types
    assert _audited(db)[-1] == "link.sent"


def test_sending_the_link_by_a_channel_the_debtor_lacks_is_refused(app, db):
    case = make_case(db)
    db.refresh(case, attribute_names=["debtor"])
    case.debtor.email = None
    db.commit()
    client = _client(app, db)
    assert "Send by e-mail" not in client.get(f"/staff/cases/{case.public_id}").text
    response = _post(client, case, "link/send", channel="email")
    assert response.status_code == 422 and "no phone number or e-mail address" in response.text
    assert db.scalars(select(OutboxMessage).where(OutboxMessage.channel == "email")).all() == []


def test_the_case_file_shows_promise_already_paid_and_call_me(app, db):
    case = make_case(db)
    now = utcnow()
    loaded = answers.load_case(db, case.id)
    promises.create(db, loaded, promised_on=answers.local_today(now) + timedelta(days=3), now=now)
    answers.request_callback(db, loaded, phone="+4522334455", window="morning", now=now)
    db.commit()
    page = _client(app, db).get(f"/staff/cases/{case.public_id}")
    assert "Promise to pay" in page.text and "Status: active." in page.text
    assert "morning (8–12)" in page.text and "22 33 44 55" in page.text

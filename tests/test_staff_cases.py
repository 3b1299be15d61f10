"""Staff search, the case file with its timeline, the actions, and the audit trail they leave."""

from __future__ import annotations

import csv
import io

import pytest
from sqlalchemy import select, text
from sqlalchemy.exc import DBAPIError

from portal.models import Case, Creditor, Event, OutboxMessage, Payment, StaffAudit, utcnow
from portal.services import events, nudges, outbox, staff_search
from tests.conftest import csrf_from, make_case, make_creditor, open_case, token_for
from tests.staff_helpers import english_client, login, make_failed_delivery, make_staff, post_form


@pytest.fixture
def agent_client(app, db):
    """A client logged in as an operator agent."""
    client = english_client(app)
    login(client, make_staff(db))
    return client


def _found(client, query: str) -> bool:
    return "T-0001" in client.get("/staff", query_string={"q": query}).text


@pytest.mark.parametrize(
    "query",
    ["22 33 44 55", "+45 22334455", "0045 22 33 44 55", "22334455", "mette@example.dk", "METTE@example.dk",
     "Mette", "jensen", "T-0001", "F-1001"],
)  # fmt: skip
def test_search_finds_the_case_by_any_key(agent_client, db, query):
    make_case(db)
    assert _found(agent_client, query)


def test_search_by_case_id_and_no_false_matches(agent_client, db):
    case = make_case(db)
    assert _found(agent_client, case.public_id)
    for query in ("22 33 44 56", "Hansen", "F-1002", "%", "me"):
        assert not _found(agent_client, query), query


def test_search_is_paginated_newest_first(app, db, agent_client):
    creditor = make_creditor(db)
    for number in range(staff_search.PAGE_SIZE + 2):
        make_case(db, creditor, external_id=f"P-{number:03d}")
    first = agent_client.get("/staff", query_string={"q": "Mette"}).text
    second = agent_client.get("/staff", query_string={"q": "Mette", "page": 2}).text
    assert "P-026" in first and "P-000" not in first and "Next page" in first
    assert "P-000" in second and "P-001" in second and "P-026" not in second and "Next page" not in second


def test_case_file_shows_the_whole_timeline_and_marks_a_likely_mail_scanner(app, db, agent_client):
    case = make_case(db)
    english_client(app).get(f"/l/{token_for(app, case)}", headers={"User-Agent": "Barracuda scanner"})
    outbox.enqueue(db, case, events.record(db, case, "case.paid", actor="system"))
    db.commit()
    page = agent_client.get(f"/staff/cases/{case.public_id}").text
    assert "Mette Jensen" in page and "F-1001" in page and "DKK\xa01,234.50" in page
    assert page.index("Case created") < page.index("Link fetched") < page.index("maybe a mail scanner")
    assert "Webhook case.paid" in page and "waiting" in page


def test_every_case_view_is_audited(app, db, agent_client):
    case = make_case(db)
    agent_client.get(f"/staff/cases/{case.public_id}")
    agent_client.get(f"/staff/cases/{case.public_id}")
    rows = db.scalars(select(StaffAudit).where(StaffAudit.action == "case.viewed")).all()
    assert len(rows) == 2 and {row.case_id for row in rows} == {case.id}
    assert rows[0].staff_email == "agent@betal.example" and rows[0].ip == "127.0.0.1"


def test_a_note_goes_on_the_timeline_and_in_the_audit(app, db, agent_client):
    case = make_case(db)
    path = f"/staff/cases/{case.public_id}"
    response = post_form(agent_client, path, f"{path}/notes", text="Ringede, betaler fredag")
    assert response.status_code == 303
    note = db.scalars(select(Event).where(Event.type == "note.added")).one()
    assert note.data == {"text": "Ringede, betaler fredag"} and note.actor.startswith("staff:stf_")
    assert "Ringede, betaler fredag" in agent_client.get(path).text
    assert "note.added" in db.scalars(select(StaffAudit.action)).all()


def test_an_empty_note_is_refused(app, db, agent_client):
    case = make_case(db)
    path = f"/staff/cases/{case.public_id}"
    assert post_form(agent_client, path, f"{path}/notes", text="  ").status_code == 422
    assert db.scalars(select(Event).where(Event.type == "note.added")).all() == []


def test_reissuing_the_link_shows_the_new_one_once_and_the_old_one_stops_working(app, db, agent_client):
    case = make_case(db)
    debtor = english_client(app)
    old_token = token_for(app, case)
    assert open_case(debtor, app, case).status_code == 303
    path = f"/staff/cases/{case.public_id}"
    response = post_form(agent_client, path, f"{path}/link")
    db.refresh(case)
    new_token = token_for(app, case)
    assert response.status_code == 200 and f"/l/{new_token}" in response.text
    assert f"/l/{new_token}" not in agent_client.get(path).text
    assert english_client(app).get(f"/l/{old_token}").status_code == 410
    assert debtor.get("/sag").status_code != 200  # the debtor's session ended with the old link
    assert "link.reissued" in db.scalars(select(StaffAudit.action)).all()


def test_a_manual_payment_goes_through_the_ledger_once_per_reference(app, db, agent_client):
    case = make_case(db)
    path = f"/staff/cases/{case.public_id}"
    first = post_form(agent_client, path, f"{path}/payments", amount="1000,00", reference="BANK 77")
    again = post_form(agent_client, path, f"{path}/payments", amount="1000", reference="BANK 77")
    assert first.status_code == again.status_code == 303
    payment = db.scalars(select(Payment)).one()
    assert payment.amount == 100000 and payment.provider == "manual" and payment.method == "bank_transfer"
    db.refresh(case)
    assert case.outstanding == 23450 and case.status == "open"
    rest = post_form(agent_client, path, f"{path}/payments", amount="234,50", reference="BANK 78")
    assert rest.status_code == 303
    db.refresh(case)
    assert case.outstanding == 0 and case.status == "paid"
    types = db.scalars(select(Event.type).where(Event.case_id == case.id)).all()
    assert types.count("payment.succeeded") == 2 and "case.paid" in types
    assert db.scalars(select(OutboxMessage.type)).all() == ["payment.succeeded", "payment.succeeded", "case.paid"]


@pytest.mark.parametrize("amount", ["0", "abc", "-5", "12,345"])
def test_a_bad_payment_amount_is_refused(app, db, agent_client, amount):
    case = make_case(db)
    path = f"/staff/cases/{case.public_id}"
    assert post_form(agent_client, path, f"{path}/payments", amount=amount, reference="B").status_code == 422
    assert db.scalars(select(Payment)).all() == []


def test_admin_exports_a_debtors_audit_trail_as_csv(app, db):
    admin = make_staff(db, "admin@betal.example", role="admin")
    client = english_client(app)
    login(client, admin)
    case = make_case(db)
    db.refresh(case, attribute_names=["debtor"])
    client.get(f"/staff/cases/{case.public_id}")
    response = client.get(f"/staff/debtors/{case.debtor.public_id}/audit.csv")
    assert response.status_code == 200 and response.mimetype == "text/csv"
    rows = list(csv.DictReader(io.StringIO(response.text)))
    assert [(row["staff"], row["action"], row["case"]) for row in rows] == [
        ("admin@betal.example", "case.viewed", case.public_id)
    ]
    assert "Viewed the case" in client.get("/staff/audit").text


def test_audit_rows_cannot_be_changed_on_postgresql(app, db, agent_client):
    if db.get_bind().dialect.name != "postgresql":
        pytest.skip("the append-only trigger is PostgreSQL's")
    case = make_case(db)
    agent_client.get(f"/staff/cases/{case.public_id}")
    with pytest.raises(DBAPIError):
        db.execute(text("UPDATE staff_audit SET action = 'x'"))
    db.rollback()
    with pytest.raises(DBAPIError):
        db.execute(text("DELETE FROM staff_audit"))
    db.rollback()
    assert db.scalar(select(Case.id)) == case.id


def test_admin_replays_a_failed_webhook_delivery_and_it_is_audited(app, db):
    admin = make_staff(db, "admin@betal.example", role="admin")
    client = english_client(app)
    login(client, admin)
    case = make_case(db)
    delivery = make_failed_delivery(db, case)
    page = client.get(f"/staff/cases/{case.public_id}")
    assert "Send again" in page.text
    action = f"/staff/cases/{case.public_id}/deliveries/{delivery.public_id}/retry"
    response = client.post(action, data={"csrf_token": csrf_from(page.text)})
    assert response.status_code == 303
    db.refresh(delivery)
    assert delivery.status == "pending" and delivery.next_attempt_at is not None
    actions = db.scalars(select(StaffAudit.action).order_by(StaffAudit.id)).all()
    assert actions[-1] == "webhook.replayed"


def test_agents_cannot_replay_deliveries_and_other_cases_deliveries_are_not_found(app, db, agent_client):
    case = make_case(db)
    other = make_case(db, db.get(Creditor, case.creditor_id), external_id="T-0002")
    delivery = make_failed_delivery(db, case)
    page = agent_client.get(f"/staff/cases/{case.public_id}")
    assert "Send again" not in page.text
    token = csrf_from(page.text)
    refused = agent_client.post(
        f"/staff/cases/{case.public_id}/deliveries/{delivery.public_id}/retry", data={"csrf_token": token}
    )
    assert refused.status_code == 403
    admin = make_staff(db, "admin@betal.example", role="admin")
    client = english_client(app)
    login(client, admin)
    page = client.get(f"/staff/cases/{other.public_id}")
    wrong_case = f"/staff/cases/{other.public_id}/deliveries/{delivery.public_id}/retry"
    assert client.post(wrong_case, data={"csrf_token": csrf_from(page.text)}).status_code == 404
    db.refresh(delivery)
    assert delivery.status == "failed"


def test_staff_pause_and_resume_the_reminders_with_timeline_and_audit(app, db, agent_client):
    case = make_case(db)
    page = agent_client.get(f"/staff/cases/{case.public_id}")
    assert "Pause the reminders" in page.text
    paused = agent_client.post(f"/staff/cases/{case.public_id}/nudges/pause", data={"csrf_token": csrf_from(page.text)})
    assert paused.status_code == 303
    db.refresh(case)
    assert nudges.blocked_reason(case, utcnow()) == "staff"
    page = agent_client.get(f"/staff/cases/{case.public_id}")
    assert "Paused: paused by staff." in page.text and "Reminders paused by staff" in page.text
    resumed = agent_client.post(
        f"/staff/cases/{case.public_id}/nudges/resume", data={"csrf_token": csrf_from(page.text)}
    )
    assert resumed.status_code == 303
    db.refresh(case)
    assert nudges.blocked_reason(case, utcnow()) is None
    types = db.scalars(select(Event.type).where(Event.case_id == case.id).order_by(Event.id)).all()
    assert types[-2:] == ["nudges.paused", "nudges.resumed"]
    actions = db.scalars(select(StaffAudit.action).order_by(StaffAudit.id)).all()
    assert {"nudges.paused", "nudges.resumed"} <= set(actions)


def test_staff_resume_leaves_a_debtors_own_pause_alone(app, db, agent_client):
    case = make_case(db)
    nudges.pause(case, reason="dispute")
    db.commit()
    page = agent_client.get(f"/staff/cases/{case.public_id}")
    assert "Paused: disputed." in page.text and "Resume the reminders" not in page.text
    agent_client.post(f"/staff/cases/{case.public_id}/nudges/resume", data={"csrf_token": csrf_from(page.text)})
    db.refresh(case)
    assert nudges.blocked_reason(case, utcnow()) == "dispute"

"""The debtor's short answers: already paid (bank days), a promise (and the worker that breaks it), call me,
new contact details; each with its timeline event, creditor webhook and confirmation."""

from __future__ import annotations

import html
import json
from datetime import UTC, date, datetime, timedelta

import pytest
from babel.dates import format_date
from sqlalchemy import select

from portal.i18n import COPENHAGEN
from portal.models import Case, Debtor, Event, OutboxMessage, PaidReport, Promise, utcnow
from portal.services import answers, bank_days, nudges, promises
from tests.answer_helpers import post_page
from tests.api_helpers import api_headers, case_body, make_api_creditor
from tests.conftest import make_case, make_creditor, open_case


@pytest.fixture
def opened(app, client, db) -> Case:
    """A case whose debtor session is open in the client."""
    case = make_case(db)
    open_case(client, app, case)
    return case


def fresh(db, case) -> Case:
    db.expire_all()
    return db.get(Case, case.id)


# Opening the case (Fortsæt) tells the creditor too; these tests look at what the answers send.
ANSWER_MESSAGES = select(OutboxMessage).where(OutboxMessage.type != "link.engaged")


def outbox_types(db) -> list[str]:
    return [message.type for message in db.scalars(ANSWER_MESSAGES.order_by(OutboxMessage.id))]


# --- bank days ---------------------------------------------------------------------------------------


def test_bank_days_skip_weekends_and_danish_bank_holidays():
    assert bank_days.add_bank_days(date(2026, 12, 22), 3) == date(2026, 12, 29)  # 24–27 Dec closed
    assert bank_days.add_bank_days(date(2026, 5, 13), 1) == date(2026, 5, 18)  # Ascension Day and the Friday after
    assert bank_days.add_bank_days(date(2026, 6, 4), 1) == date(2026, 6, 8)  # Constitution Day (Friday)
    assert bank_days.is_bank_day(date(2026, 5, 1))  # 1 May: banks are open
    assert not bank_days.is_bank_day(date(2026, 12, 31))


# --- already paid ------------------------------------------------------------------------------------


def test_already_paid_pauses_nudges_for_the_policys_bank_days_and_tells_the_creditor(db):
    case = make_case(db, make_creditor(db, policy={"already_paid_pause_bank_days": 3}))
    case = answers.load_case(db, case.id)
    now = datetime(2026, 12, 22, 10, 0, tzinfo=UTC)
    report = answers.report_paid(db, case, paid_on=date(2026, 12, 21), amount=123450, channel="bank_transfer",
                                 reference="REF-9", now=now)  # fmt: skip
    db.commit()
    expected_until = datetime(2026, 12, 30, tzinfo=COPENHAGEN)  # the end of Tuesday 29 December
    assert report.paused_until == expected_until
    case = fresh(db, case)
    assert nudges.blocked_reason(case, expected_until - timedelta(seconds=1)) == "already_paid"
    assert nudges.blocked_reason(case, expected_until) is None
    message = db.scalars(ANSWER_MESSAGES).one()
    assert message.type == "already_paid.reported"
    data = message.payload["data"]["already_paid"]
    assert (data["amount"], data["channel"], data["reference"], data["paid_on"]) == (123450, "bank_transfer", "REF-9",
                                                                                      "2026-12-21")  # fmt: skip


def test_already_paid_form_reports_and_confirms_what_happens_next(client, db, opened):
    today = date.today()
    form = {"paid_on": today.strftime("%d.%m.%Y"), "amount": "1.234,50", "channel": "fi_card", "reference": "x1"}
    response = post_page(client, "/sag/betalt", form)
    assert response.status_code == 303 and response.headers["Location"] == "/sag/betalt/sendt"
    page = html.unescape(client.get("/sag/betalt/sendt").text)
    assert "Vi sender dig ikke påmindelser før" in page and "1.234,50" in page
    report = db.scalars(select(PaidReport)).one()
    assert (report.amount, report.channel, report.paid_on) == (123450, "fi_card", today)
    assert "Du har fortalt os, at du har betalt" in client.get("/sag").text


def test_already_paid_errors_keep_what_was_typed(client, db, opened):
    future = (date.today() + timedelta(days=3)).isoformat()
    response = post_page(
        client, "/sag/betalt", {"paid_on": future, "amount": "abc", "channel": "", "reference": "R-77"}
    )
    assert response.status_code == 422
    page = html.unescape(response.text)
    assert "Vælg, hvordan du betalte." in page and 'value="R-77"' in page and f'value="{future}"' in page
    response = post_page(client, "/sag/betalt", {"paid_on": future, "amount": "500", "channel": "other"})
    assert "inden for det seneste år og ikke senere end i dag" in html.unescape(response.text)
    assert db.scalars(select(PaidReport)).all() == []


def test_already_paid_is_not_offered_when_the_policy_says_no(app, client, db):
    case = make_case(db, make_creditor(db, policy={"already_paid_allowed": False}))
    open_case(client, app, case)
    assert client.get("/sag/betalt").status_code == 404
    assert 'href="/sag/betalt"' not in client.get("/sag").text


# --- promises ----------------------------------------------------------------------------------------


def test_a_promise_within_the_bound_pauses_nudges_until_the_date_plus_grace(client, db, opened):
    promised = date.today() + timedelta(days=4)
    response = post_page(client, "/sag/betaler", {"promised_on": promised.isoformat()})
    assert response.status_code == 303
    promise = db.scalars(select(Promise)).one()
    assert promise.deadline_at == datetime.combine(promised + timedelta(days=3), datetime.min.time(), COPENHAGEN)
    case = fresh(db, opened)
    assert (case.nudges_paused_reason, case.nudges_paused_until) == ("promise", promise.deadline_at)
    assert outbox_types(db) == ["promise.created"]
    confirmation = client.get("/sag/betaler/sendt").text
    assert "Tak — vi har noteret datoen" in confirmation
    last_day = format_date(promised + timedelta(days=2), "long", locale="da")
    assert f"ikke er kommet senest {last_day}" in confirmation
    assert client.post("/sag/betaler", data={"promised_on": promised.isoformat()}).status_code == 400  # no CSRF token


def test_a_promise_beyond_the_bound_is_refused_with_the_last_allowed_date(client, db, opened):
    too_late = date.today() + timedelta(days=11)
    response = post_page(client, "/sag/betaler", {"promised_on": too_late.isoformat()})
    assert response.status_code == 422
    assert "Vælg en dato fra i dag til og med" in html.unescape(response.text)
    assert f'value="{too_late.isoformat()}"' in response.text and 'aria-invalid="true"' in response.text
    assert db.scalars(select(Promise)).all() == []


def test_a_promise_never_shortens_an_open_dispute(db):
    case = answers.load_case(db, make_case(db).id)
    now = utcnow()
    answers.hold(case, reason="dispute", until=None, now=now)
    db.commit()
    promises.create(db, case, promised_on=answers.local_today(now), now=now)
    db.commit()
    assert (case.nudges_paused_reason, case.nudges_paused_until) == ("dispute", None)


@pytest.fixture
def promised(app, client, db, receiver, worker):
    """A case of an API creditor with a webhook endpoint, whose debtor promised to pay in two days."""
    _, key = make_api_creditor(db)
    client.post("/api/v1/webhook-endpoints", json={"url": receiver.url(), "events": ["promise.broken"]},
                headers=api_headers(key))  # fmt: skip
    body = client.post("/api/v1/cases", json=case_body(), headers=api_headers(key)).json
    case = db.scalars(select(Case).where(Case.public_id == body["id"])).one()
    open_case(client, app, case)
    assert (
        post_page(client, "/sag/betaler", {"promised_on": (date.today() + timedelta(days=2)).isoformat()}).status_code
        == 303
    )
    return {"case": case, "key": key, "promise": db.scalars(select(Promise)).one()}


def test_the_worker_marks_an_unpaid_promise_broken_after_grace_and_tells_the_creditor(db, receiver, worker, promised):
    deadline = promised["promise"].deadline_at
    worker.clock = lambda: deadline - timedelta(seconds=1)
    worker.run_once()
    assert db.scalars(select(Promise.status)).one() == "active" and receiver.at("/hook") == []

    worker.clock = lambda: deadline + timedelta(seconds=1)
    worker.run_once()
    db.expire_all()
    assert db.scalars(select(Promise.status)).one() == "broken"
    [delivered] = receiver.at("/hook")
    body = json.loads(delivered.body)
    assert body["type"] == "promise.broken" and body["data"]["promise"]["status"] == "broken"
    assert body["data"]["case"]["id"] == promised["case"].public_id
    case = fresh(db, promised["case"])
    assert nudges.blocked_reason(case, deadline + timedelta(seconds=1)) is None
    worker.run_once()
    assert len(receiver.at("/hook")) == 1  # broken once, told once


def test_a_promise_kept_by_paying_is_not_reported_broken(client, db, receiver, worker, promised):
    path = f"/api/v1/cases/{promised['case'].public_id}/adjustments"
    adjusted = client.post(path, json={"kind": "payment", "amount": 133450}, headers=api_headers(promised["key"]))
    assert adjusted.json["case"]["status"] == "paid"
    worker.clock = lambda: promised["promise"].deadline_at + timedelta(days=1)
    worker.run_once()
    db.expire_all()
    assert db.scalars(select(Promise.status)).one() == "kept" and receiver.at("/hook") == []


# --- call me and contact details ---------------------------------------------------------------------


def test_call_me_normalises_the_number_and_keeps_it_out_of_the_timeline(client, db, opened):
    response = post_page(client, "/sag/ring-op", {"phone": "0045 22 33 44 55", "window": "afternoon"})
    assert response.status_code == 303
    message = db.scalars(ANSWER_MESSAGES).one()
    assert message.type == "callback.requested"
    assert message.payload["data"]["callback"] == {"id": message.payload["data"]["callback"]["id"],
                                                   "window": "afternoon", "phone": "+4522334455"}  # fmt: skip
    event = db.scalars(select(Event).where(Event.type == "callback.requested")).one()
    assert "phone" not in event.data
    page = client.get("/sag/ring-op/sendt").text
    assert "Tak — du bliver ringet op" in page and "22 33 44 55" not in page


def test_call_me_with_a_bad_number_explains_in_danish(client, db, opened):
    response = post_page(client, "/sag/ring-op", {"phone": "12", "window": "morning"})
    assert response.status_code == 422
    assert "Skriv et gyldigt telefonnummer." in html.unescape(response.text) and 'value="12"' in response.text


def test_new_contact_details_are_normalised_and_sent_to_the_creditor(client, db, opened):
    response = post_page(client, "/sag/kontakt", {"email": " Mette.Ny@Example.DK ", "phone": "+45 40 50 60 70"})
    assert response.status_code == 303
    debtor = db.scalars(select(Debtor)).one()
    db.refresh(debtor)
    assert (debtor.email, debtor.phone) == ("Mette.Ny@example.dk", "+4540506070")
    message = db.scalars(ANSWER_MESSAGES).one()
    assert message.payload["data"]["contact"] == {"email": "Mette.Ny@example.dk", "phone": "+4540506070"}
    assert db.scalars(select(Event.data).where(Event.type == "contact.updated")).one() == {"fields": ["email", "phone"]}
    assert "dine kontaktoplysninger er opdateret" in client.get("/sag/kontakt/sendt").text


def test_contact_form_needs_something_valid(client, db, opened):
    response = post_page(client, "/sag/kontakt", {"email": "", "phone": ""})
    assert response.status_code == 422 and "Skriv en ny e-mailadresse eller et nyt telefonnummer." in response.text
    response = post_page(client, "/sag/kontakt", {"email": "ikke-en-adresse", "phone": ""})
    assert (
        "Skriv en gyldig e-mailadresse." in html.unescape(response.text) and 'value="ikke-en-adresse"' in response.text
    )
    assert db.scalars(ANSWER_MESSAGES).all() == []


def test_answers_are_refused_on_a_closed_case(client, db, opened):
    case = fresh(db, opened)
    case.status = "paid"
    db.commit()
    for path in ("/sag/indsigelse", "/sag/betalt", "/sag/betaler", "/sag/ring-op", "/sag/kontakt"):
        response = client.get(path)
        assert (response.status_code, response.headers.get("Location")) == (303, "/sag"), path

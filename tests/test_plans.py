"""Payment plans for the debtor: the form and its preview, the request, paying instalments, the case page."""

from __future__ import annotations

import io
import re
import threading
from datetime import date, timedelta

import pytest
from pypdf import PdfReader
from sqlalchemy import select

from portal.models import Event, OutboxMessage, PaymentPlan
from tests.conftest import csrf_from, make_case, make_creditor, open_case
from tests.plan_helpers import make_plan, plan_form

NBSP = "\xa0"
AMOUNTS = re.compile(r'<td class="num">([^<]+)</td>')


def outbox_types(db) -> list[str]:
    return list(db.scalars(select(OutboxMessage.type).order_by(OutboxMessage.id)))


def plans_of(db, case) -> list[PaymentPlan]:
    return list(db.scalars(select(PaymentPlan).where(PaymentPlan.case_id == case.id).order_by(PaymentPlan.id)))


def test_the_case_page_offers_a_plan_when_the_policy_allows_it(app, client, db):
    open_case(client, app, make_case(db))
    page = client.get("/sag")
    assert 'href="/sag/afdrag"' in page.text and "Bed om en afdragsordning" in page.text


def test_a_case_override_can_turn_plans_off(app, client, db):
    case = make_case(db)
    case.policy = {"plans_allowed": False}
    db.commit()
    open_case(client, app, case)
    assert 'href="/sag/afdrag"' not in client.get("/sag").text
    assert client.get("/sag/afdrag").headers["Location"] == "/sag"


def test_a_case_override_of_the_payment_methods_is_honoured(app, client, db):
    case = make_case(db, make_creditor(db, policy={"payment_methods": ["mobilepay", "card"]}))
    case.policy = {"payment_methods": ["card"]}
    db.commit()
    open_case(client, app, case)
    page = client.get("/sag").text
    assert 'value="card"' in page and 'value="mobilepay"' not in page
    response = client.post("/sag/betal", data={"csrf_token": csrf_from(page), "method": "mobilepay"})
    assert response.status_code == 409 and not db.scalars(select(Event).where(Event.type == "payment.started")).all()


def test_the_preview_lists_every_date_and_amount_without_javascript(app, client, db):
    case = make_case(db)
    open_case(client, app, case)
    first = date.today() + timedelta(days=10)
    page = client.post("/sag/afdrag", data=plan_form(client, first_due_on=first.isoformat()))
    assert page.status_code == 200
    assert AMOUNTS.findall(page.text) == [f"411,50{NBSP}kr."] * 3 + [f"1.234,50{NBSP}kr."]
    assert 'selected value="3"' in page.text and f'value="{first.isoformat()}"' in page.text  # kept as typed
    assert "godkendt, så snart du sender den" in page.text
    assert not plans_of(db, case)  # a preview creates nothing


def test_a_monthly_amount_pays_that_much_until_the_rest(app, client, db):
    open_case(client, app, make_case(db))
    page = client.post("/sag/afdrag", data=plan_form(client, split="monthly", monthly="500"))
    assert AMOUNTS.findall(page.text) == [f"500,00{NBSP}kr."] * 2 + [f"234,50{NBSP}kr.", f"1.234,50{NBSP}kr."]


def test_a_choice_outside_the_policy_is_refused_in_danish_and_keeps_what_was_typed(app, client, db):
    case = make_case(db)
    open_case(client, app, case)
    response = client.post("/sag/afdrag", data=plan_form(client, split="monthly", monthly="100", action="send"))
    assert response.status_code == 422
    assert 'aria-invalid="true"' in response.text and 'value="100"' in response.text
    assert "Det månedlige beløb er under den mindste rate" in response.text
    late = (date.today() + timedelta(days=31)).isoformat()
    response = client.post("/sag/afdrag", data=plan_form(client, first_due_on=late, action="send"))
    assert response.status_code == 422 and "Vælg en dato senest" in response.text
    assert not plans_of(db, case)


def test_a_plan_within_policy_is_approved_at_once(app, client, db):
    case = make_case(db)
    open_case(client, app, case)
    response = client.post("/sag/afdrag", data=plan_form(client, action="send"))
    assert response.status_code == 303 and response.headers["Location"] == "/sag/afdrag"
    [plan] = plans_of(db, case)
    assert (plan.status, plan.total, plan.installment_count) == ("approved", 123450, 3)
    assert [i["amount"] for i in plan.schedule] == [41150, 41150, 41150]
    assert outbox_types(db)[-2:] == ["payment_plan.requested", "payment_plan.approved"]
    db.refresh(case)
    assert (case.status, case.nudges_paused_reason) == ("open", "plan")
    confirmation = client.get("/sag/afdrag")
    assert "Din afdragsordning er godkendt" in confirmation.text
    assert 'href="/sag/afdrag/aftale.pdf"' in confirmation.text
    assert 'name="installment" value="41150"' in confirmation.text
    pdf = client.get("/sag/afdrag/aftale.pdf")
    assert pdf.status_code == 200 and pdf.data.startswith(b"%PDF")


def test_a_plan_above_the_automatic_limit_waits_for_the_creditor(app, client, db):
    case = make_case(db, make_creditor(db, policy={"plan_auto_approve_max_total": 100000}))
    open_case(client, app, case)
    client.post("/sag/afdrag", data=plan_form(client, action="send"))
    [plan] = plans_of(db, case)
    assert plan.status == "requested"
    assert outbox_types(db)[-1] == "payment_plan.requested"
    page = client.get("/sag/afdrag")
    assert "Din anmodning er sendt" in page.text and "aftale.pdf" not in page.text
    assert client.get("/sag/afdrag/aftale.pdf").status_code == 404
    # A second request while one waits creates nothing.
    client.post("/sag/afdrag", data=plan_form(client, action="send"))
    assert len(plans_of(db, case)) == 1


def test_paying_the_next_instalment_is_allowed_without_part_payments(app, client, db):
    case = make_case(db)
    make_plan(db, case)
    open_case(client, app, case)
    page = client.get("/sag").text
    assert "Næste rate" in page and "Bed om en afdragsordning" not in page
    form = {"csrf_token": csrf_from(page), "installment": "41150", "method": "card"}
    to_checkout = client.post("/sag/betal", data=form)
    assert to_checkout.status_code == 303
    demo = client.get(to_checkout.headers["Location"])
    client.post(to_checkout.headers["Location"], data={"csrf_token": csrf_from(demo.text), "decision": "approve"})
    [plan] = plans_of(db, case)
    db.refresh(case)
    assert (plan.paid, plan.status, case.outstanding) == (41150, "approved", 123450 - 41150)
    assert outbox_types(db)[-2:] == ["payment.succeeded", "payment_plan.installment_paid"]
    assert 'name="installment" value="41150"' in client.get("/sag").text  # the second one now


def test_an_instalment_amount_that_changed_is_never_charged_unseen(app, client, db):
    case = make_case(db)
    make_plan(db, case)
    open_case(client, app, case)
    page = client.get("/sag").text
    form = {"csrf_token": csrf_from(page), "installment": "1", "method": "card"}
    response = client.post("/sag/betal", data=form)
    assert response.status_code == 422 and "Beløbet, du skal betale, er ændret" in response.text


def test_paying_everything_completes_the_plan_and_the_case(app, client, db):
    case = make_case(db)
    make_plan(db, case)
    open_case(client, app, case)
    page = client.get("/sag/betal").text
    form = {"csrf_token": csrf_from(page), "expected": "123450", "method": "card"}
    to_checkout = client.post("/sag/betal", data=form)
    demo = client.get(to_checkout.headers["Location"])
    client.post(to_checkout.headers["Location"], data={"csrf_token": csrf_from(demo.text), "decision": "approve"})
    [plan] = plans_of(db, case)
    db.refresh(case)
    assert (plan.status, plan.paid, case.status) == ("completed", 123450, "paid")
    types = outbox_types(db)
    paid = ["payment_plan.installment_paid"] * 3
    assert types[-6:] == ["payment.succeeded", *paid, "payment_plan.completed", "case.paid"]


def test_the_case_page_with_a_plan_uses_at_most_four_queries(app, client, db, query_counter):
    case = make_case(db)
    make_plan(db, case)
    open_case(client, app, case)
    query_counter.clear()
    page = client.get("/sag")
    assert page.status_code == 200 and "Afdragsordning" in page.text
    assert len(query_counter) <= 4, query_counter


def test_the_case_page_follows_the_plan(app, client, db):
    case = make_case(db, make_creditor(db, policy={"plan_auto_approve_max_total": 0}))
    open_case(client, app, case)
    assert "Bed om en afdragsordning" in client.get("/sag").text
    plan = make_plan(db, case)
    assert plan.status == "requested"
    assert "Se din anmodning" in client.get("/sag").text  # the cached page was replaced


def test_after_a_defaulted_plan_a_new_request_waits_for_the_creditor(app, client, db):
    case = make_case(db)
    plan = make_plan(db, case)
    plan.status = "defaulted"
    db.commit()
    open_case(client, app, case)
    assert "Din afdragsordning er ophørt" in client.get("/sag").text
    preview = client.post("/sag/afdrag", data=plan_form(client))
    assert "ser på afdragsordningen, før den godkendes" in preview.text
    client.post("/sag/afdrag", data=plan_form(client, action="send"))
    assert [p.status for p in plans_of(db, case)] == ["defaulted", "requested"]


def pdf_text(data: bytes) -> str:
    return " ".join(page.extract_text() for page in PdfReader(io.BytesIO(data)).pages).replace(NBSP, " ")


def test_the_agreement_pdf_is_in_the_debtors_language(app, client, db):
    case = make_case(db, locale="en")
    make_plan(db, case, count=2)
    open_case(client, app, case)
    english = pdf_text(client.get("/sag/afdrag/aftale.pdf").data)
    assert "Payment plan agreement with Testvarme A/S" in english
    assert english.count("DKK 617.25") == 2 and "DKK 1,234.50" in english
    danish_case = make_case(db, external_id="T-0002")
    make_plan(db, danish_case, count=2)
    other = app.test_client()
    open_case(other, app, danish_case)
    danish = pdf_text(other.get("/sag/afdrag/aftale.pdf").data)
    assert "Afdragsaftale med Testvarme A/S" in danish and danish.count("617,25 kr.") == 2


def test_tabs_sending_plan_requests_at_once_make_one_plan(app, database_url, db):
    if not database_url.startswith("postgresql"):
        pytest.skip("concurrent tabs need PostgreSQL (SQLite serialises whole transactions)")
    case = make_case(db, make_creditor(db, policy={"plan_auto_approve_max_total": 0}))
    first = app.test_client()
    open_case(first, app, case)
    form = plan_form(first, action="send")
    cookie = first.get_cookie("betal_session").value
    barrier = threading.Barrier(6)
    statuses: list[int] = []

    def send(count: str) -> None:
        tab = app.test_client()
        tab.set_cookie("betal_session", cookie)
        barrier.wait()
        statuses.append(tab.post("/sag/afdrag", data=form | {"count": count}).status_code)

    threads = [threading.Thread(target=send, args=(str(2 + n % 3),)) for n in range(6)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=60)
    assert statuses == [303] * 6, statuses  # each tab is shown the one plan there is
    [plan] = plans_of(db, case)
    assert plan.status == "requested"
    assert outbox_types(db).count("payment_plan.requested") == 1


def test_the_plan_pages_use_at_most_four_queries(app, client, db, query_counter):
    open_case(client, app, make_case(db))
    for method, data in (("GET", None), ("POST", plan_form(client))):
        query_counter.clear()
        assert client.open("/sag/afdrag", method=method, data=data).status_code == 200
        assert len(query_counter) <= 4, (method, query_counter)

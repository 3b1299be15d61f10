"""Pay now with the embedded demo provider: buttons, amounts, the test page, results, receipts, two tabs."""

from __future__ import annotations

import io
import re
import threading

import pytest
from pypdf import PdfReader
from sqlalchemy import func, select

from portal.debtor.forms import parse_kroner
from portal.models import Case, Event, OutboxMessage, Payment, PaymentAttempt
from tests.conftest import csrf_from, dispose, make_case, make_creditor, open_case
from tests.stripe_fake import FakeStripe, stripe_app

NBSP = "\xa0"
PARTIAL = {"partial_payment_minimum": 20000}


def pay(client, method: str, **form):
    """Press a pay button on the case page."""
    page = client.get("/sag")
    return client.post("/sag/betal", data={"csrf_token": csrf_from(page.text), "method": method, **form})


def decide(client, location: str, decision: str):
    """Approve or decline on the demo provider's test page."""
    page = client.get(location)
    assert page.status_code == 200, page.status_code
    return client.post(location, data={"csrf_token": csrf_from(page.text), "decision": decision})


def attempts(db, case) -> list[PaymentAttempt]:
    db.expire_all()
    return list(db.scalars(select(PaymentAttempt).where(PaymentAttempt.case_id == case.id).order_by(PaymentAttempt.id)))


def pdf_text(data: bytes) -> str:
    return "\n".join(page.extract_text() for page in PdfReader(io.BytesIO(data)).pages).replace(NBSP, " ")


def test_case_page_leads_with_one_button_per_method(app, client, db):
    case = make_case(db)
    open_case(client, app, case)
    text = client.get("/sag").text
    buttons = re.findall(r'<button type="submit" name="method" value="(\w+)"[^>]*>([^<]+)</button>', text)
    assert buttons == [("mobilepay", "Betal med MobilePay"), ("card", "Betal med kort")]
    assert text.index("Betal med MobilePay") < text.index("Andre måder at betale på") < text.index("Faktura F-1001")
    assert 'action="/sag/betal"' in text and "Betal et mindre beløb" not in text


def test_creditor_policy_decides_the_methods(app, client, db):
    case = make_case(db, make_creditor(db, policy={"payment_methods": ["card"]}))
    open_case(client, app, case)
    text = client.get("/sag").text
    assert "Betal med kort" in text and "Betal med MobilePay" not in text
    assert pay(client, "mobilepay").status_code == 409
    assert attempts(db, case) == []


def test_paying_by_card_with_the_demo_provider_settles_the_case(app, client, db):
    case = make_case(db)
    open_case(client, app, case)

    to_checkout = pay(client, "card", expected="123450")
    (attempt,) = attempts(db, case)
    assert to_checkout.status_code == 303
    assert to_checkout.headers["Location"] == f"/sag/betaling/{attempt.public_id}/demo"
    test_page = client.get(to_checkout.headers["Location"])
    assert "Testside." in test_page.text and "ingen penge" in test_page.text and "kort" in test_page.text
    done = decide(client, to_checkout.headers["Location"], "approve")
    assert done.status_code == 303 and done.headers["Location"] == f"/sag/betaling/{attempt.public_id}"

    result = client.get(done.headers["Location"])
    assert "Tak — betalingen er modtaget" in result.text
    assert "Testvarme A/S har modtaget 1.234,50" in result.text.replace(NBSP, " ")
    db.expire_all()
    payment = db.scalars(select(Payment)).one()
    assert (payment.provider, payment.method, payment.amount, payment.balance_after) == ("demo", "card", 123450, 0)
    case = db.get(Case, case.id)
    assert (case.status, case.outstanding) == ("paid", 0)
    types = [e.type for e in db.scalars(select(Event).where(Event.case_id == case.id).order_by(Event.id))]
    assert types[-3:] == ["payment.started", "payment.succeeded", "case.paid"]
    assert [m.type for m in db.scalars(select(OutboxMessage).order_by(OutboxMessage.id))] == [
        "link.engaged",  # from opening the case with Fortsæt
        "payment.succeeded",
        "case.paid",
    ]
    assert "Betalt" in client.get("/sag").text


def test_receipt_page_and_pdf_in_danish(app, client, db):
    case = make_case(db, external_id="F-2026-0042")
    open_case(client, app, case)
    decide(client, pay(client, "mobilepay").headers["Location"], "approve")
    payment = db.scalars(select(Payment)).one()

    page = client.get(f"/sag/kvittering/{payment.public_id}")
    assert page.status_code == 200
    text = page.text.replace(NBSP, " ")
    assert "<h1>Kvittering</h1>" in text and "Testvarme A/S" in text and "1.234,50 kr." in text
    assert "MobilePay" in text and payment.public_id in text and "F-2026-0042" in text
    assert "Restbeløb efter denne betaling" in text and "0,00 kr." in text
    assert "Mette" not in text
    pdf = client.get(f"/sag/kvittering/{payment.public_id}.pdf")
    assert pdf.status_code == 200 and pdf.mimetype == "application/pdf"
    assert "attachment" in pdf.headers["Content-Disposition"]
    content = pdf_text(pdf.data)
    assert "Kvittering for din betaling til Testvarme A/S" in content
    assert "1.234,50 kr." in content and "MobilePay" in content and "F-2026-0042" in content
    assert "Mette Jensen" in content and payment.public_id in content
    assert "CVR 12345678" in content  # the letterhead


def test_receipt_in_english_for_an_english_debtor(app, client, db):
    case = make_case(db, locale="en")
    open_case(client, app, case)
    done = decide(client, pay(client, "card").headers["Location"], "approve")
    assert "Thank you — we have received your payment" in client.get(done.headers["Location"]).text
    payment = db.scalars(select(Payment)).one()
    page = client.get(f"/sag/kvittering/{payment.public_id}")
    assert "<h1>Receipt</h1>" in page.text and f"DKK{NBSP}1,234.50" in page.text
    content = pdf_text(client.get(f"/sag/kvittering/{payment.public_id}.pdf").data)
    assert "Receipt for your payment to Testvarme A/S" in content and "DKK 1,234.50" in content


def test_a_declined_test_payment_says_so_and_leaves_the_case_open(app, client, db):
    case = make_case(db)
    open_case(client, app, case)
    result = client.get(decide(client, pay(client, "card").headers["Location"], "decline").headers["Location"])
    assert "Betalingen gik ikke igennem" in result.text and "Der er ikke trukket nogen penge" in result.text
    assert db.scalar(select(func.count()).select_from(Payment)) == 0
    db.expire_all()
    assert db.get(Case, case.id).status == "open"
    assert attempts(db, case)[0].status == "failed"
    assert [m.type for m in db.scalars(select(OutboxMessage).order_by(OutboxMessage.id))] == [
        "link.engaged",
        "payment.failed",
    ]
    # A new press starts a new attempt.
    assert pay(client, "card").status_code == 303 and len(attempts(db, case)) == 2


def test_a_settled_test_page_cannot_be_approved_again(app, client, db):
    case = make_case(db)
    open_case(client, app, case)
    location = pay(client, "card").headers["Location"]
    page = client.get(location)
    decide(client, location, "approve")
    again = client.post(location, data={"csrf_token": csrf_from(page.text), "decision": "approve"})
    assert again.status_code == 303 and again.headers["Location"].endswith(attempts(db, case)[0].public_id)
    assert db.scalar(select(func.count()).select_from(Payment)) == 1


def test_a_part_payment_within_the_creditors_policy(app, client, db):
    case = make_case(db, make_creditor(db, policy=PARTIAL))
    open_case(client, app, case)
    assert "Betal et mindre beløb" in client.get("/sag").text
    form_page = client.get("/sag/betal")
    assert form_page.status_code == 200
    assert 'value="1.234,50"' in form_page.text and f"en del på 200,00{NBSP}kr. eller mere" in form_page.text
    token = csrf_from(form_page.text)

    too_small = client.post("/sag/betal", data={"csrf_token": token, "method": "card", "amount": "150"})
    too_large = client.post("/sag/betal", data={"csrf_token": token, "method": "card", "amount": "2.000,00"})
    nonsense = client.post("/sag/betal", data={"csrf_token": token, "method": "card", "amount": "mange penge"})
    for response in (too_small, too_large, nonsense):
        assert response.status_code == 422
        assert f"Skriv et beløb fra 200,00{NBSP}kr. til 1.234,50{NBSP}kr. for at fortsætte." in response.text
        assert 'aria-invalid="true"' in response.text
    assert attempts(db, case) == []

    location = client.post("/sag/betal", data={"csrf_token": token, "method": "card", "amount": "1.100,00 kr."})
    decide(client, location.headers["Location"], "approve")
    db.expire_all()
    case = db.get(Case, case.id)
    assert (case.status, case.outstanding) == ("open", 13450)
    result = client.get(f"/sag/betaling/{attempts(db, case)[0].public_id}").text
    assert f"134,50{NBSP}kr. mangler stadig at blive betalt." in result
    # The rest is below the minimum now, so only the whole rest can be paid.
    assert "Betal et mindre beløb" not in client.get("/sag").text


def test_without_part_payments_the_whole_amount_is_charged_whatever_is_posted(app, client, db):
    case = make_case(db)
    open_case(client, app, case)
    pay(client, "card", amount="1,00")
    assert attempts(db, case)[0].amount == 123450


def test_a_changed_amount_is_never_charged_unseen(app, client, db):
    case = make_case(db)
    open_case(client, app, case)
    response = pay(client, "card", expected="100000")
    assert response.status_code == 422 and "Beløbet, du skal betale, er ændret" in response.text
    assert attempts(db, case) == []


def test_a_paid_case_has_nothing_to_pay(app, client, db):
    case = make_case(db)
    case.status, case.outstanding = "paid", 0
    db.commit()
    open_case(client, app, case)
    page = client.get("/sag")
    assert "Betal med" not in page.text
    stale_tab = {"csrf_token": csrf_from(page.text), "method": "card", "expected": "123450"}
    response = client.post("/sag/betal", data=stale_tab)
    assert response.status_code == 303 and response.headers["Location"] == "/sag"
    assert client.get("/sag/betal").headers["Location"] == "/sag"


def test_the_same_button_twice_reuses_the_attempt_and_another_replaces_it(app, client, db):
    case = make_case(db)
    open_case(client, app, case)
    first, again = pay(client, "card"), pay(client, "card")
    assert first.headers["Location"] == again.headers["Location"] and len(attempts(db, case)) == 1
    other = pay(client, "mobilepay")
    old, new = attempts(db, case)
    assert (old.status, new.status) == ("cancelled", "open")
    assert client.get(first.headers["Location"]).headers["Location"] == f"/sag/betaling/{old.public_id}"
    assert "Betalingen blev annulleret" in client.get(f"/sag/betaling/{old.public_id}").text
    assert other.headers["Location"].endswith(f"{new.public_id}/demo")


def test_another_cases_attempts_and_receipts_are_out_of_reach(app, db):
    mine, theirs = make_case(db), make_case(db, make_creditor(db, name="Anden A/S"), external_id="X-1")
    their_client = app.test_client()
    open_case(their_client, app, theirs)
    decide(their_client, pay(their_client, "card").headers["Location"], "approve")
    their_attempt = attempts(db, theirs)[0]
    their_payment = db.scalars(select(Payment)).one()
    client = app.test_client()
    open_case(client, app, mine)
    for path in (
        f"/sag/betaling/{their_attempt.public_id}",
        f"/sag/betaling/{their_attempt.public_id}/demo",
        f"/sag/kvittering/{their_payment.public_id}",
        f"/sag/kvittering/{their_payment.public_id}.pdf",
    ):
        assert client.get(path).status_code == 404, path
    assert client.get("/sag").status_code == 200  # the debtor's own session survives


def test_payment_pages_need_the_case_session(client):
    for path in ("/sag/betal", "/sag/betaling/pat_x", "/sag/kvittering/pay_x", "/sag/kvittering/pay_x.pdf"):
        assert client.get(path).status_code == 403, path


def test_case_page_with_pay_buttons_and_payments_uses_at_most_four_queries(app, client, db, query_counter):
    case = make_case(db, make_creditor(db, policy=PARTIAL))
    open_case(client, app, case)
    location = client.post(
        "/sag/betal", data={"csrf_token": csrf_from(client.get("/sag/betal").text), "method": "card", "amount": "300"}
    ).headers["Location"]
    decide(client, location, "approve")
    query_counter.clear()
    page = client.get("/sag")
    assert page.status_code == 200 and "Betal med kort" in page.text and "Kvittering for" in page.text
    assert len(query_counter) <= 4, query_counter


def test_two_tabs_paying_at_once_hold_at_most_one_payable_session(app, database_url, db):
    if not database_url.startswith("postgresql"):
        pytest.skip("concurrent tabs need PostgreSQL (SQLite serialises whole transactions)")
    fake = FakeStripe()
    portal = stripe_app(database_url, fake)
    try:
        case = make_case(db)
        first = portal.test_client()
        open_case(first, portal, case)
        token = csrf_from(first.get("/sag").text)
        cookie = first.get_cookie("betal_session").value
        methods = ["card", "mobilepay"] * 4
        barrier = threading.Barrier(len(methods))
        statuses: list[int] = []

        def press(method: str) -> None:
            tab = portal.test_client()
            tab.set_cookie("betal_session", cookie)
            barrier.wait()
            response = tab.post("/sag/betal", data={"csrf_token": token, "method": method})
            statuses.append(response.status_code)

        threads = [threading.Thread(target=press, args=(m,)) for m in methods]
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join(timeout=60)

        assert len(statuses) == len(methods) and all(s in (303, 409) for s in statuses), statuses
        unsettled = [a for a in attempts(db, case) if a.status in ("open", "pending")]
        assert len(unsettled) <= 1
        assert len(fake.open_sessions()) <= 1, fake.open_sessions()
        if fake.open_sessions():
            assert fake.open_sessions()[0]["id"] == unsettled[0].provider_session_id
    finally:
        dispose(portal)


def test_two_tabs_pressing_the_same_button_at_once_share_one_session(app, database_url, db):
    if not database_url.startswith("postgresql"):
        pytest.skip("concurrent tabs need PostgreSQL (SQLite serialises whole transactions)")
    fake = FakeStripe()
    portal = stripe_app(database_url, fake)
    try:
        case = make_case(db)
        first = portal.test_client()
        open_case(first, portal, case)
        token = csrf_from(first.get("/sag").text)
        cookie = first.get_cookie("betal_session").value
        barrier = threading.Barrier(6)
        locations: list[str] = []

        def press() -> None:
            tab = portal.test_client()
            tab.set_cookie("betal_session", cookie)
            barrier.wait()
            locations.append(tab.post("/sag/betal", data={"csrf_token": token, "method": "card"}).headers["Location"])

        threads = [threading.Thread(target=press) for _ in range(6)]
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join(timeout=60)
        assert len(locations) == 6 and len(set(locations)) == 1
        assert len(attempts(db, case)) == 1 and len(fake.sessions) == 1
    finally:
        dispose(portal)


@pytest.mark.parametrize(
    ("text", "locale", "ore"),
    [
        ("500", "da", 50000),
        ("1.234,50", "da", 123450),
        ("1234,5", "da", 123450),
        (" 750,00 kr. ", "da", 75000),
        ("1,234.50", "en", 123450),
        ("DKK 20", "en", 2000),
        ("12,345", "da", None),
        ("1.234,567", "da", None),
        ("1234.50", "da", None),
        ("mange", "da", None),
        ("", "da", None),
    ],
)
def test_amounts_typed_in_kroner(text, locale, ore):
    assert parse_kroner(text, locale) == ore

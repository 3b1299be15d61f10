"""Pay now with Stripe: the exact Checkout Session request, retries, one payable session per case, the result page."""

from __future__ import annotations

from datetime import timedelta

import pytest
from sqlalchemy import func, select

from portal.models import Event, OutboxMessage, Payment, PaymentAttempt
from tests.conftest import csrf_from, dispose, make_case, make_creditor, open_case, token_for
from tests.stripe_fake import API, CHECKOUT, FakeStripe, stripe_app

NBSP = "\xa0"


@pytest.fixture
def fake() -> FakeStripe:
    """The fake Stripe API behind the real library."""
    return FakeStripe()


@pytest.fixture
def stripe(app, database_url, fake):
    """The portal with the Stripe provider on the test database (the `app` fixture empties the tables)."""
    portal = stripe_app(database_url, fake)
    yield portal
    dispose(portal)


def pay(client, method: str, **form):
    """Press a pay button on the case page."""
    page = client.get("/sag")
    assert page.status_code == 200
    return client.post("/sag/betal", data={"csrf_token": csrf_from(page.text), "method": method, **form})


def attempts(db, case) -> list[PaymentAttempt]:
    db.expire_all()
    return list(db.scalars(select(PaymentAttempt).where(PaymentAttempt.case_id == case.id).order_by(PaymentAttempt.id)))


def test_pay_button_sends_exactly_this_checkout_session_request(stripe, db, fake):
    creditor = make_creditor(db, stripe_account="acct_1Kystvarme")
    case = make_case(db, creditor, external_id="F-2026-0001")
    client = stripe.test_client()
    open_case(client, stripe, case)

    response = pay(client, "mobilepay", expected="123450")

    assert response.status_code == 303
    (request,) = fake.creates()
    (attempt,) = attempts(db, case)
    assert response.headers["Location"] == f"{CHECKOUT}{attempt.provider_session_id}"
    assert request.url == f"{API}/v1/checkout/sessions"
    assert request.headers["Idempotency-Key"] == attempt.idempotency_key
    assert request.headers["Stripe-Account"] == "acct_1Kystvarme"
    assert request.headers["Authorization"] == "Bearer sk_test_betal_portal"
    ids = {"betal_case": case.public_id, "betal_attempt": attempt.public_id}
    assert request.params == {
        "mode": "payment",
        "payment_method_types[0]": "mobilepay",
        "line_items[0][quantity]": "1",
        "line_items[0][price_data][currency]": "dkk",
        "line_items[0][price_data][unit_amount]": "123450",
        "line_items[0][price_data][product_data][name]": "Testvarme A/S · F-2026-0001",
        "locale": "da",
        "client_reference_id": attempt.public_id,
        "metadata[betal_case]": ids["betal_case"],
        "metadata[betal_attempt]": ids["betal_attempt"],
        "payment_intent_data[metadata][betal_case]": ids["betal_case"],
        "payment_intent_data[metadata][betal_attempt]": ids["betal_attempt"],
        "success_url": f"http://localhost/sag/betaling/{attempt.public_id}?session_id={{CHECKOUT_SESSION_ID}}",
        "cancel_url": "http://localhost/sag",
        "expires_at": str(int(attempt.expires_at.timestamp())),
    }
    lifetime = attempt.expires_at - attempt.created_at
    assert timedelta(minutes=30) < lifetime <= timedelta(minutes=40)
    assert (attempt.amount, attempt.currency, attempt.method, attempt.status) == (123450, "DKK", "mobilepay", "open")


def test_card_button_asks_for_card_alone_in_the_debtors_language_without_a_connected_account(stripe, db, fake):
    case = make_case(db, locale="en")
    client = stripe.test_client()
    open_case(client, stripe, case)
    assert pay(client, "card").status_code == 303
    (request,) = fake.creates()
    assert request.params["payment_method_types[0]"] == "card"
    assert "payment_method_types[1]" not in request.params
    assert request.params["locale"] == "en"
    assert "Stripe-Account" not in request.headers


def test_stripe_api_base_replaces_the_api_host(app, database_url, db, fake):
    portal = stripe_app(database_url, fake, STRIPE_API_BASE="http://127.0.0.1:12111")
    try:
        case = make_case(db)
        client = portal.test_client()
        open_case(client, portal, case)
        assert pay(client, "card").status_code == 303
        assert fake.creates()[0].url == "http://127.0.0.1:12111/v1/checkout/sessions"
    finally:
        dispose(portal)


def test_stripe_failure_shows_a_danish_retry_page_and_the_retry_reuses_the_idempotency_key(stripe, db, fake):
    case = make_case(db)
    client = stripe.test_client()
    open_case(client, stripe, case)
    fake.failures = [500, 500, 500]  # the library tries three times (max_network_retries=2), then gives up

    failed = pay(client, "card")

    assert failed.status_code == 503
    assert "Vi kunne ikke starte betalingen" in failed.text and "Der er ikke trukket nogen penge" in failed.text
    assert "Traceback" not in failed.text
    (attempt,) = attempts(db, case)
    assert attempt.provider_session_id is None and attempt.status == "open"
    assert len(fake.creates()) == 3
    retry = client.post(f"/sag/betaling/{attempt.public_id}/fortsaet", data={"csrf_token": csrf_from(failed.text)})
    assert retry.status_code == 303 and retry.headers["Location"].startswith(CHECKOUT)
    keys = {r.headers["Idempotency-Key"] for r in fake.creates()}
    assert keys == {attempt.idempotency_key} and len(fake.creates()) == 4
    assert len(attempts(db, case)) == 1


def test_pressing_the_same_button_again_returns_to_the_same_session(stripe, db, fake):
    case = make_case(db)
    client = stripe.test_client()
    open_case(client, stripe, case)
    first, second = pay(client, "card"), pay(client, "card")
    assert first.headers["Location"] == second.headers["Location"]
    assert len(fake.creates()) == 1 and len(attempts(db, case)) == 1


def test_another_method_expires_the_first_session_before_opening_a_new_one(stripe, db, fake):
    case = make_case(db)
    client = stripe.test_client()
    open_case(client, stripe, case)
    first = pay(client, "mobilepay")
    second = pay(client, "card")
    assert first.headers["Location"] != second.headers["Location"]
    old, new = attempts(db, case)
    assert (old.status, new.status) == ("cancelled", "open")
    assert fake.sessions[old.provider_session_id]["status"] == "expired"
    assert [s["id"] for s in fake.open_sessions()] == [new.provider_session_id]


def test_a_session_paid_meanwhile_is_shown_instead_of_charging_again(stripe, db, fake):
    case = make_case(db)
    client = stripe.test_client()
    open_case(client, stripe, case)
    pay(client, "mobilepay")
    (attempt,) = attempts(db, case)
    fake.complete(attempt.provider_session_id)

    response = pay(client, "card", expected="123450")

    assert response.status_code == 303
    assert response.headers["Location"] == f"/sag/betaling/{attempt.public_id}"
    assert len(fake.creates()) == 1
    assert db.scalar(select(func.count()).select_from(Payment)) == 1
    assert attempts(db, case)[0].status == "paid"


def test_success_page_confirms_the_payment_through_the_ledger(stripe, db, fake):
    case = make_case(db)
    client = stripe.test_client()
    open_case(client, stripe, case)
    pay(client, "card")
    (attempt,) = attempts(db, case)
    fake.complete(attempt.provider_session_id)

    page = client.get(f"/sag/betaling/{attempt.public_id}?session_id={attempt.provider_session_id}")

    assert page.status_code == 200
    assert "Tak — betalingen er modtaget" in page.text
    assert f"1.234,50{NBSP}kr." in page.text and "Der er ikke mere at betale" in page.text
    payment = db.scalars(select(Payment)).one()
    assert (payment.amount, payment.method, payment.provider) == (123450, "card", "stripe")
    assert payment.provider_reference == "pi_" + attempt.provider_session_id.removeprefix("cs_")
    db.refresh(case)
    assert (case.status, case.outstanding) == ("paid", 0) and case.closed_at is not None
    types = [m.type for m in db.scalars(select(OutboxMessage).order_by(OutboxMessage.id))]
    assert types == ["link.engaged", "payment.succeeded", "case.paid"]  # link.engaged: the debtor pressed Fortsæt
    # Reading again changes nothing.
    client.get(f"/sag/betaling/{attempt.public_id}")
    assert db.scalar(select(func.count()).select_from(Payment)) == 1


def test_success_page_waits_while_stripe_has_not_confirmed(stripe, db, fake):
    case = make_case(db)
    client = stripe.test_client()
    open_case(client, stripe, case)
    pay(client, "card")
    (attempt,) = attempts(db, case)
    page = client.get(f"/sag/betaling/{attempt.public_id}")
    assert "Betalingen er ikke gennemført" in page.text and "Fortsæt til betalingen" in page.text
    fake.complete(attempt.provider_session_id, paid=False)
    page = client.get(f"/sag/betaling/{attempt.public_id}")
    assert "Vi venter på, at din betaling bliver bekræftet" in page.text
    assert attempts(db, case)[0].status == "pending"
    assert db.scalar(select(func.count()).select_from(Payment)) == 0


def test_success_url_session_id_of_another_attempt_is_not_trusted(stripe, db, fake):
    case, other = make_case(db), make_case(db, external_id="T-0002")
    client = stripe.test_client()
    open_case(client, stripe, other)
    pay(client, "card")
    (other_attempt,) = attempts(db, other)
    fake.complete(other_attempt.provider_session_id)
    open_case(client, stripe, case)
    pay(client, "card")
    (attempt,) = attempts(db, case)
    db.execute(
        PaymentAttempt.__table__.update()
        .values(provider_session_id=None, checkout_url=None)
        .where(PaymentAttempt.__table__.c.id == attempt.id)
    )
    db.commit()
    page = client.get(f"/sag/betaling/{attempt.public_id}?session_id={other_attempt.provider_session_id}")
    assert "Tak" not in page.text
    assert attempts(db, case)[0].status == "open"


def test_the_token_never_reaches_stripe(stripe, db, fake):
    case = make_case(db)
    token = token_for(stripe, case)
    client = stripe.test_client()
    open_case(client, stripe, case)
    page = client.get("/sag")
    response = pay(client, "card")
    assert page.headers["Referrer-Policy"] == "same-origin" and response.headers["Referrer-Policy"] == "same-origin"
    assert token not in response.headers["Location"]
    for request in fake.requests:
        assert token not in request.url and token not in str(request.params) and token not in str(request.headers)
        assert "Mette" not in str(request.params)  # no personal data for Stripe either


def test_pay_pages_may_lead_to_stripe_checkout_and_nowhere_else(stripe, app, db):
    case = make_case(db)
    client = stripe.test_client()
    open_case(client, stripe, case)
    csp = client.get("/sag").headers["Content-Security-Policy"]
    assert "form-action 'self' https://checkout.stripe.com;" in csp
    demo_csp = app.test_client().get("/tilgaengelighed").headers["Content-Security-Policy"]
    assert "form-action 'self';" in demo_csp


def test_the_demo_test_page_does_not_exist_with_stripe(stripe, db, fake):
    case = make_case(db)
    client = stripe.test_client()
    open_case(client, stripe, case)
    pay(client, "card")
    (attempt,) = attempts(db, case)
    assert client.get(f"/sag/betaling/{attempt.public_id}/demo").status_code == 404


def test_payment_started_is_on_the_timeline(stripe, db, fake):
    case = make_case(db)
    client = stripe.test_client()
    open_case(client, stripe, case)
    pay(client, "mobilepay")
    started = db.scalars(select(Event).where(Event.case_id == case.id, Event.type == "payment.started")).one()
    assert started.data["method"] == "mobilepay" and started.data["amount"] == 123450

"""The case page: what is owed and why, in Danish or English, light and quick."""

from __future__ import annotations

import gzip
import re
from datetime import date

from sqlalchemy import select

from portal.models import Creditor, Debtor, InvoiceLine, Payment
from portal.services.cases import NewFee, NewInvoice, NewLine
from tests.conftest import csrf_from, make_case, make_creditor, open_case

NBSP = "\xa0"


def _several(db, **kwargs):
    invoices = [
        NewInvoice(
            number="F-0934",
            issued_on=date(2026, 8, 14),
            due_on=date(2026, 8, 28),
            amount=41200,
            lines=(NewLine("Fjernvarme, august", 41200),),
        ),
        NewInvoice(
            number="F-1004",
            issued_on=date(2026, 10, 13),
            due_on=date(2026, 10, 27),
            amount=91800,
            lines=(NewLine("Fjernvarme, oktober", 87300), NewLine("Målerleje", 4500)),
        ),
    ]
    fees = [NewFee(kind="reminder_fee", amount=10000, description="Rykkergebyr")]
    return make_case(db, invoices=invoices, fees=fees, **kwargs)


def test_case_page_shows_everything_owed_in_danish(app, client, db):
    case = _several(db)
    open_case(client, app, case)
    page = client.get("/sag")
    assert page.status_code == 200
    text = page.text
    assert '<html lang="da">' in text
    assert f"1.430,00{NBSP}kr." in text  # 412 + 918 + 100
    assert "Forfaldt den 28. august 2026." in text
    assert "Faktura F-0934" in text and "Faktura F-1004" in text
    assert "Målerleje" in text and f"45,00{NBSP}kr." in text
    assert "Rykkergebyr" in text and f"100,00{NBSP}kr." in text
    assert "Udstedt 13. oktober 2026, forfald 27. oktober 2026" in text
    assert "Vi har endnu ikke modtaget nogen betalinger" in text
    assert "+71&lt;" in text and "+87654321&lt;" in text  # FI-kort payment line
    assert "70 11 22 33" in text and "kunde@testvarme.example" in text
    assert 'href="https://testvarme.example/privatliv"' in text
    assert 'href="/tilgaengelighed"' in text
    assert "Mette" not in text  # minimal personal data on a page reached by a link


def test_payments_so_far_are_listed(app, client, db):
    case = make_case(db)
    db.add(Payment(case_id=case.id, amount=23450, method="bank_transfer", provider="manual", provider_reference="x1"))
    case.outstanding = 100000
    db.commit()
    open_case(client, app, case)
    text = client.get("/sag").text
    assert f"234,50{NBSP}kr." in text
    assert f"1.000,00{NBSP}kr." in text


def test_paid_case_says_so_and_shows_no_payment_details(app, client, db):
    case = make_case(db)
    case.status, case.outstanding = "paid", 0
    db.commit()
    open_case(client, app, case)
    text = client.get("/sag").text
    assert "Betalt" in text and "Der er ikke mere at betale" in text
    assert "+71&lt;" not in text


def test_english_debtor_sees_english_by_default(app, client, db):
    case = make_case(db, locale="en")
    open_case(client, app, case)
    text = client.get("/sag").text
    assert '<html lang="en">' in text
    assert f"DKK{NBSP}1,234.50" in text
    assert "Your case with Testvarme A/S" in text


def test_language_switch_is_remembered(app, client, db):
    case = make_case(db)
    open_case(client, app, case)
    page = client.get("/sag")
    switched = client.post("/sprog", data={"csrf_token": csrf_from(page.text), "lang": "en", "next": "/sag"})
    assert switched.status_code == 303 and switched.headers["Location"] == "/sag"
    assert "Max-Age=31536000" in switched.headers["Set-Cookie"]
    assert '<html lang="en">' in client.get("/sag").text
    # Remembered on the next link too.
    assert '<html lang="en">' in client.get("/tilgaengelighed").text


def test_language_switch_never_redirects_off_site(app, client, db):
    page = client.get("/tilgaengelighed")
    for target in ("https://evil.example/", "//evil.example/", "/\\evil.example", "/\t/evil.example", "javascript:x"):
        response = client.post("/sprog", data={"csrf_token": csrf_from(page.text), "lang": "en", "next": target})
        assert response.headers["Location"] == "/tilgaengelighed"


def test_case_page_uses_at_most_four_queries(app, client, db, query_counter):
    case = _several(db)
    db.add(Payment(case_id=case.id, amount=100, method="card", provider="manual", provider_reference="q1"))
    db.commit()
    open_case(client, app, case)
    query_counter.clear()
    assert client.get("/sag").status_code == 200
    assert len(query_counter) <= 4, query_counter
    # Rendered once per case revision: later views at most check the case and its link (the stamp,
    # itself cached per process while the database can say it has not changed: tests/test_stampcache.py).
    query_counter.clear()
    assert client.get("/sag").status_code == 200
    assert len(query_counter) <= 1, query_counter


def test_cached_case_page_follows_every_change(app, client, db):
    case = make_case(db)
    open_case(client, app, case)
    assert f"1.234,50{NBSP}kr." in client.get("/sag").text
    db.add(Payment(case_id=case.id, amount=34500, method="bank_transfer", provider="manual", provider_reference="c1"))
    case.outstanding = 88950
    db.commit()
    text = client.get("/sag").text
    assert f"889,50{NBSP}kr." in text and f"345,00{NBSP}kr." in text
    line = db.scalars(select(InvoiceLine).where(InvoiceLine.description == "Fast afgift")).one()
    line.description = "Fast afgift 2026"
    db.commit()
    assert "Fast afgift 2026" in client.get("/sag").text
    debtor = db.get(Debtor, case.debtor_id)
    debtor.customer_number = "777888"
    db.commit()
    assert "Kundenummer 777888" in client.get("/sag").text
    creditor = db.get(Creditor, case.creditor_id)
    creditor.contact_phone = "+4533445566"
    db.commit()
    assert "33 44 55 66" in client.get("/sag").text


def test_cached_case_page_gets_fresh_csrf_token_and_nonce_per_session(app, db):
    case = make_case(db)
    pages = []
    for _ in range(2):
        client = app.test_client()
        open_case(client, app, case)
        pages.append(client.get("/sag"))
    tokens = [csrf_from(p.text) for p in pages]
    assert tokens[0] != tokens[1]
    for page in pages:
        nonce = re.search(r"'nonce-([^']+)'", page.headers["Content-Security-Policy"]).group(1)
        assert f'<style nonce="{nonce}">' in page.text
        assert "__betal_" not in page.text


def test_case_page_weighs_at_most_30_kb_compressed(app, client, db):
    creditor = make_creditor(
        db, logo=b"<svg xmlns='http://www.w3.org/2000/svg'/>" * 20, logo_content_type="image/svg+xml"
    )
    case = _several(db, creditor=creditor)
    open_case(client, app, case)
    page = client.get("/sag")
    assets = re.findall(r'(?:href|src)="(/(?:static|brand)/[^"]+)"', page.text)
    assert any(a.endswith(".css") for a in assets) and any("/logo" in a for a in assets)
    total = len(gzip.compress(page.data))
    for asset in assets:
        response = client.get(asset)
        assert response.status_code == 200, asset
        total += len(gzip.compress(response.data))
    assert total <= 30 * 1024, total


def test_page_has_no_script_and_no_third_party_resources(app, client, db):
    case = make_case(db)
    open_case(client, app, case)
    text = client.get("/sag").text
    assert "<script" not in text
    assert not re.findall(r'(?:src|href)="https?://(?!testvarme\.example/privatliv)', text)


def test_case_page_without_session_explains_how_to_open_it(client):
    page = client.get("/sag")
    assert page.status_code == 403
    assert "Åbn linket fra din besked" in page.text


def test_leaving_the_case_forgets_it_in_this_browser(app, client, db):
    case = make_case(db)
    open_case(client, app, case)
    page = client.get("/sag")
    response = client.post("/sag/afslut", data={"csrf_token": csrf_from(page.text)})
    assert response.status_code == 200
    assert "Du har lukket din sag" in response.text
    assert client.get("/sag").status_code == 403


def test_business_debtor_case_page(app, client, db):
    case = make_case(db, external_id="B-42")
    open_case(client, app, case)
    assert client.get("/sag").status_code == 200


def test_creditor_logo_is_served_with_its_own_locked_down_policy(app, client, db):
    creditor = make_creditor(
        db, logo=b"<svg xmlns='http://www.w3.org/2000/svg'></svg>", logo_content_type="image/svg+xml"
    )
    response = client.get(f"/brand/{creditor.public_id}/logo")
    assert response.status_code == 200
    assert response.mimetype == "image/svg+xml"
    assert "sandbox" in response.headers["Content-Security-Policy"]
    assert client.get("/brand/cre_unknown/logo").status_code == 404

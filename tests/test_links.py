"""The one-click link: signing, tampering, purposes, rotation, expiry, revocation and telemetry."""

from __future__ import annotations

from datetime import date, timedelta

import pytest
from sqlalchemy import func, select

from portal import create_app
from portal.config import TestConfig as PortalTestConfig
from portal.models import Case, Event, utcnow
from portal.services import links
from portal.services.cases import NewInvoice, NewLine
from tests.conftest import csrf_from, dispose, make_case, make_creditor, open_case, token_for


def _events(db, case, type_=None) -> list[Event]:
    db.expire_all()
    query = select(Event).where(Event.case_id == case.id).order_by(Event.id)
    if type_:
        query = query.where(Event.type == type_)
    return list(db.scalars(query))


def test_demo_sized_link_fits_in_an_sms(app, db):
    case = make_case(db)
    signer = links.make_signer(app.config["SECRET_KEY"])
    url = links.link_url("https://betal.kreditor.dk", signer, case)
    assert len(url) <= 80, url


def test_landing_page_is_neutral(app, client, db):
    case = make_case(db)
    page = client.get(f"/l/{token_for(app, case)}")
    assert page.status_code == 200
    assert "Fortsæt" in page.text
    assert "Testvarme A/S" in page.text  # the creditor's brand, for trust
    assert "Mette" not in page.text and "1.234" not in page.text
    assert "og:" not in page.text
    assert "<title>Din sag</title>" in page.text


def _alter_signature(token: str) -> str:
    """The token with its signature's first character changed: all six of its bits count (the last
    character's lowest bits are base64 padding, so changing only them may alter nothing)."""
    start = token.rindex(".") + 1
    return token[:start] + ("A" if token[start] != "A" else "B") + token[start + 1 :]


@pytest.mark.parametrize(
    "mangle",
    [
        _alter_signature,
        lambda t: t[:-5],  # cut short when copied
        lambda t: ("y" if t[0] == "x" else "x") + t[1:],  # link id altered (always a different first letter)
        lambda t: t.replace(".1.", ".2."),  # version altered
        lambda t: "garbage",
    ],
    ids=["signature", "truncated", "link-id", "version", "garbage"],
)
def test_tampered_token_shows_kind_danish_page_without_data(app, client, db, mangle):
    case = make_case(db)
    page = client.get(f"/l/{mangle(token_for(app, case))}")
    assert page.status_code == 404
    assert "Linket kan ikke åbnes" in page.text
    assert "nyt link" in page.text
    assert "Testvarme" not in page.text and "1.234" not in page.text
    assert _events(db, case, "link.fetched") == []


def test_token_signed_for_another_purpose_is_refused(app, client, db):
    case = make_case(db)
    other = links.make_signer(app.config["SECRET_KEY"], purpose="betal.receipt")
    response = client.get(f"/l/{links.make_token(other, case)}")
    assert response.status_code == 404


def test_token_signed_with_another_key_is_refused(app, client, db):
    case = make_case(db)
    foreign = links.make_signer("some-other-secret-key")
    assert client.get(f"/l/{links.make_token(foreign, case)}").status_code == 404


def test_rotated_key_keeps_old_links_working(app, database_url, db):
    case = make_case(db)
    old_token = token_for(app, case)
    rotated = create_app(
        PortalTestConfig(),
        {
            "DATABASE_URL": database_url,
            "SECRET_KEY": "the-new-key",
            "SECRET_KEY_FALLBACKS": [app.config["SECRET_KEY"]],
        },
    )
    try:
        assert rotated.test_client().get(f"/l/{old_token}").status_code == 200
        # New links are signed with the new key, and the old key alone cannot open them.
        new_token = links.make_token(links.make_signer("the-new-key"), case)
        assert new_token != old_token
        assert app.test_client().get(f"/l/{new_token}").status_code == 404
    finally:
        dispose(rotated)
    dropped = create_app(PortalTestConfig(), {"DATABASE_URL": database_url, "SECRET_KEY": "the-new-key"})
    try:
        assert dropped.test_client().get(f"/l/{old_token}").status_code == 404
    finally:
        dispose(dropped)


def test_revoked_link_shows_how_to_get_a_new_one(app, client, db):
    case = make_case(db)
    old = token_for(app, case)
    links.revoke(db, case, actor="staff")
    db.commit()
    page = client.get(f"/l/{old}")
    assert page.status_code == 410
    assert "erstattet af et nyere" in page.text
    assert "70 11 22 33" in page.text  # the creditor's phone, to ask for a new link
    assert "1.234" not in page.text and "Mette" not in page.text
    assert client.get(f"/l/{token_for(app, case)}").status_code == 200


def test_revoking_ends_an_open_debtor_session(app, client, db):
    case = make_case(db)
    open_case(client, app, case)
    assert client.get("/sag").status_code == 200
    links.revoke(db, case, actor="staff")
    db.commit()
    page = client.get("/sag")
    assert page.status_code == 410
    assert "1.234" not in page.text
    assert client.get("/sag").status_code == 403  # the session was ended


def test_closed_case_link_works_in_grace_period_then_expires(app, client, db):
    case = make_case(db)
    case.status, case.closed_at = "paid", utcnow() - timedelta(days=app.config["LINK_GRACE_DAYS"] - 1)
    db.commit()
    assert client.get(f"/l/{token_for(app, case)}").status_code == 200
    case.closed_at = utcnow() - timedelta(days=app.config["LINK_GRACE_DAYS"] + 1)
    db.commit()
    page = client.get(f"/l/{token_for(app, case)}")
    assert page.status_code == 410
    assert "udløbet" in page.text
    assert "1.234" not in page.text


def test_head_writes_nothing(app, client, db):
    case = make_case(db)
    before = _events(db, case)
    response = client.head(f"/l/{token_for(app, case)}")
    assert response.status_code == 200
    assert _events(db, case) == before
    db.refresh(case)
    assert case.link_fetched_version == 0


def test_first_get_records_fetch_telemetry_and_repeats_write_nothing(app, client, db):
    case = make_case(db)
    path = f"/l/{token_for(app, case)}"
    client.get(path, headers={"User-Agent": "Mozilla/5.0 (iPhone) Safari"})
    fetched = _events(db, case, "link.fetched")
    assert len(fetched) == 1
    assert fetched[0].data == {"link_version": 1, "maybe_scanner": False}
    snapshot = [(e.id, e.type) for e in _events(db, case)]
    db.refresh(case)
    updated_at = case.updated_at
    for _ in range(3):
        client.get(path)
    assert [(e.id, e.type) for e in _events(db, case)] == snapshot
    db.refresh(case)
    assert case.updated_at == updated_at
    assert _events(db, case, "link.engaged") == []


def test_mail_scanner_fetch_is_marked(app, client, db):
    case = make_case(db)
    client.get(f"/l/{token_for(app, case)}", headers={"User-Agent": "Microsoft Office/16.0 (SafeLinks)"})
    assert _events(db, case, "link.fetched")[0].data["maybe_scanner"] is True


def test_continue_answers_303_to_clean_url_and_records_engaged_once(app, client, db):
    case = make_case(db)
    path = f"/l/{token_for(app, case)}"
    csrf = csrf_from(client.get(path).text)
    first = client.post(path, data={"csrf_token": csrf})
    assert first.status_code == 303
    assert first.headers["Location"] == "/sag"
    # A double click: the same form posted again from the same page.
    page = client.get(path)
    second = client.post(path, data={"csrf_token": csrf_from(page.text)})
    assert second.status_code == 303
    assert len(_events(db, case, "link.engaged")) == 1


def test_continue_without_csrf_token_is_refused(app, client, db):
    case = make_case(db)
    path = f"/l/{token_for(app, case)}"
    client.get(path)
    response = client.post(path, data={})
    assert response.status_code == 400
    assert _events(db, case, "link.engaged") == []


def test_token_never_appears_after_continue(app, client, db):
    case = make_case(db)
    token = token_for(app, case)
    response = open_case(client, app, case)
    assert token not in response.headers["Location"]
    page = client.get("/sag")
    assert token not in page.text
    assert client.get(f"/l/{token}").headers["Referrer-Policy"] == "no-referrer"


def test_a_session_only_ever_shows_its_own_case(app, client, db):
    case_a = make_case(db, external_id="A-1")
    other_invoice = NewInvoice(
        number="B-777",
        issued_on=date(2026, 10, 1),
        due_on=date(2026, 10, 15),
        amount=55500,
        lines=(NewLine("Andet", 55500),),
    )
    case_b = make_case(db, external_id="B-1", invoices=[other_invoice])
    open_case(client, app, case_a)
    page = client.get("/sag")
    assert "F-1001" in page.text and "B-777" not in page.text and "555,00" not in page.text
    assert case_a.public_id not in page.text  # public ids stay server-side too
    # A forged session cookie naming another case is rejected by its signature.
    client.set_cookie("betal_session", "eyJjYXNlIjoiY2FzX3h4eCJ9.forged.signature")
    assert client.get("/sag").status_code == 403
    # Opening B's link replaces the session: one browser session, one case.
    open_case(client, app, case_b)
    page = client.get("/sag")
    assert "B-777" in page.text and "F-1001" not in page.text
    with client.session_transaction() as session:
        assert session["case"] == case_b.public_id


def test_postcode_is_required_when_the_creditor_wants_it(app, client, db):
    case = make_case(db, make_creditor(db, require_postcode=True))
    path = f"/l/{token_for(app, case)}"
    page = client.get(path)
    assert 'autocomplete="postal-code"' in page.text
    wrong = client.post(path, data={"csrf_token": csrf_from(page.text), "postcode": "9999"})
    assert wrong.status_code == 422
    assert "Postnummeret passer ikke" in wrong.text
    assert 'value="9999"' in wrong.text  # what the debtor typed is kept
    assert client.get("/sag").status_code == 403
    right = client.post(path, data={"csrf_token": csrf_from(wrong.text), "postcode": " 8000 "})
    assert right.status_code == 303
    assert client.get("/sag").status_code == 200


def test_postcode_attempts_are_rate_limited_per_link(database_url, db):
    app = create_app(PortalTestConfig(), {"DATABASE_URL": database_url, "RATELIMIT_ENABLED": True})
    try:
        case = make_case(db, make_creditor(db, require_postcode=True))
        client = app.test_client()
        path = f"/l/{token_for(app, case)}"
        statuses = []
        for _ in range(7):
            page = client.get(path)
            statuses.append(
                client.post(path, data={"csrf_token": csrf_from(page.text), "postcode": "1234"}).status_code
            )
        assert statuses[:5] == [422] * 5
        assert statuses[5:] == [429, 429]
        page = client.get(path)
        assert client.post(path, data={"csrf_token": csrf_from(page.text), "postcode": "8000"}).status_code == 429
    finally:
        dispose(app)


def test_link_endpoint_is_rate_limited(database_url, db):
    app = create_app(
        PortalTestConfig(), {"DATABASE_URL": database_url, "RATELIMIT_ENABLED": True, "LINK_RATE_LIMIT": "5 per minute"}
    )
    try:
        case = make_case(db)
        client = app.test_client()
        statuses = [client.get(f"/l/{token_for(app, case)}").status_code for _ in range(6)]
        assert statuses == [200] * 5 + [429]
        page = client.get(f"/l/{token_for(app, case)}")
        assert "For mange forsøg" in page.text
        assert 1 <= int(page.headers["Retry-After"]) <= 60
    finally:
        dispose(app)


def test_link_events_are_counted_in_the_database(app, client, db):
    case = make_case(db)
    open_case(client, app, case)
    count = db.scalar(select(func.count()).select_from(Event).where(Event.case_id == case.id))
    assert count == 3  # case.created, link.fetched, link.engaged
    db.expire_all()
    assert db.get(Case, case.id).link_engaged_version == 1


def test_concurrent_continue_from_two_tabs_records_engaged_once(app, db):
    import threading

    case = make_case(db)
    path = f"/l/{token_for(app, case)}"
    tabs = [app.test_client() for _ in range(4)]
    tokens = [csrf_from(tab.get(path).text) for tab in tabs]
    barrier = threading.Barrier(len(tabs))
    statuses = []

    def press(tab, csrf):
        barrier.wait()
        statuses.append(tab.post(path, data={"csrf_token": csrf}).status_code)

    threads = [threading.Thread(target=press, args=pair) for pair in zip(tabs, tokens, strict=True)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=30)
    assert statuses == [303] * len(tabs)
    assert len(_events(db, case, "link.engaged")) == 1

"""The per-process stamp cache: used when safe; never stale beyond a notification (PostgreSQL), never (SQLite)."""

from __future__ import annotations

import time

import pytest
from sqlalchemy import select, text

from portal import create_app
from portal.config import TestConfig as PortalTestConfig
from portal.models import Case
from portal.services import links
from tests.conftest import dispose, make_case, open_case
from tests.test_payments import decide, pay


def _wait_for(predicate, timeout: float = 5.0) -> bool:
    """Poll until predicate() is true or the timeout passes."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if predicate():
            return True
        time.sleep(0.01)
    return predicate()


def _listening(app) -> bool:
    """Whether the app's stamp cache has its listener connected."""
    cache = app.extensions["stamp_cache"]
    cache.generation()  # starts the listener in this process
    return cache.listening


@pytest.fixture
def cached_app(app):
    """The test app with its stamp cache able to tell changes (on PostgreSQL: its listener connected)."""
    assert _wait_for(lambda: _listening(app)), "listener did not connect"
    return app


@pytest.fixture
def pg_app(cached_app):
    """The same, on PostgreSQL only (for what only notifications do)."""
    if not cached_app.config["DATABASE_URL"].startswith("postgresql"):
        pytest.skip("about PostgreSQL's notifications (SQLite checks data_version on every lookup)")
    return cached_app


def _warm(client, query_counter) -> None:
    """View the case until a view is served with no SQL at all (stamp and page both cached)."""

    def served_from_cache() -> bool:
        query_counter.clear()
        assert client.get("/sag").status_code == 200
        return not query_counter

    assert _wait_for(served_from_cache), query_counter


def _write_elsewhere(app, sql: str, *, quietly: bool = False, **params) -> None:
    """Change the database as another process would; quietly = with triggers off, so no notification."""
    with app.extensions["db_engine"].connect() as other:
        if quietly:
            other.execute(text("SET LOCAL session_replication_role = replica"))
        other.execute(text(sql), params)
        other.commit()


def test_cached_view_makes_no_query(cached_app, client, db, query_counter):
    open_case(client, cached_app, make_case(db))
    _warm(client, query_counter)


def test_revocation_by_another_process_reaches_a_cached_stamp(cached_app, client, db, query_counter):
    case = make_case(db)
    open_case(client, cached_app, case)
    _warm(client, query_counter)
    _write_elsewhere(cached_app, 'UPDATE "case" SET link_version = link_version + 1 WHERE id = :id', id=case.id)
    assert _wait_for(lambda: client.get("/sag").status_code != 200, timeout=2)
    assert client.get("/sag").status_code == 403  # the revoked session was ended


def test_commit_in_this_process_drops_the_stamp_at_once(pg_app, client, db, query_counter):
    case = make_case(db)
    open_case(client, pg_app, case)
    _warm(client, query_counter)
    db.execute(text("SET LOCAL session_replication_role = replica"))  # no notification: only the commit tells
    links.revoke(db, case, actor="staff")
    db.commit()
    assert client.get("/sag").status_code == 410


def test_a_debtor_session_never_sees_an_older_revision_than_its_own_change(pg_app, client, db, query_counter):
    case = make_case(db)
    open_case(client, pg_app, case)
    _warm(client, query_counter)
    # A change made while the notification is suppressed (as if it were still on its way) …
    _write_elsewhere(
        pg_app, 'UPDATE "case" SET revision = revision + 1, outstanding = 100 WHERE id = :id', quietly=True, id=case.id
    )
    assert "1.234,50" in client.get("/sag").text  # … is not seen through the cache yet,
    with client.session_transaction() as session:  # but a debtor who made it says which revision they need
        session["rev"] = db.scalar(select(Case.revision).where(Case.id == case.id))
    assert "1,00" in client.get("/sag").text


def test_entries_expire_even_without_a_notification(database_url, db):
    if not database_url.startswith("postgresql"):
        pytest.skip("stamp caching is PostgreSQL-only")
    app = create_app(PortalTestConfig(), {"DATABASE_URL": database_url, "STAMP_CACHE_SECONDS": 0.3})
    try:
        assert _wait_for(lambda: _listening(app))
        client = app.test_client()
        case = make_case(db)
        open_case(client, app, case)
        assert client.get("/sag").status_code == 200
        _write_elsewhere(app, 'UPDATE "case" SET link_version = 9 WHERE id = :id', quietly=True, id=case.id)
        assert _wait_for(lambda: client.get("/sag").status_code == 410, timeout=2)
    finally:
        dispose(app)


def test_a_lost_listener_turns_the_cache_off_until_it_reconnects(pg_app, client, db, query_counter):
    case = make_case(db)
    open_case(client, pg_app, case)
    _warm(client, query_counter)
    _write_elsewhere(
        pg_app,
        "SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE query = 'LISTEN betal_stamp'",
    )
    query_counter.clear()
    assert _wait_for(lambda: not pg_app.extensions["stamp_cache"].listening, timeout=2)
    assert client.get("/sag").status_code == 200
    assert query_counter, "served from the cache while not listening"
    assert _wait_for(lambda: _listening(pg_app), timeout=5), "listener did not reconnect"
    _warm(client, query_counter)


def test_an_in_memory_database_has_no_stamp_cache():
    app = create_app(PortalTestConfig(), {"DATABASE_URL": "sqlite://"})
    assert "stamp_cache" not in app.extensions


def test_a_debtors_own_change_is_kept_in_their_session(app, client, db):
    case = make_case(db)
    open_case(client, app, case)
    approved = decide(client, pay(client, "card").headers["Location"], "approve")
    assert approved.status_code == 303
    with client.session_transaction() as session:
        assert session["rev"] == db.scalar(select(Case.revision).where(Case.id == case.id))
    assert "Betalt" in client.get("/sag").text

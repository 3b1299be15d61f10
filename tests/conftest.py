"""Fixtures and small builders shared by the whole suite.

Every test that uses `app` runs on SQLite and again on PostgreSQL when PORTAL_TEST_DATABASE_URL is
set (it is skipped with a reason otherwise). The schema is built once per database by the real
Alembic migrations; each test leaves empty tables behind.
"""

from __future__ import annotations

import os
import re
import threading
from collections.abc import Iterator
from datetime import date, timedelta

import pytest
from flask import Flask
from flask.testing import FlaskClient
from sqlalchemy import event, text
from werkzeug.serving import make_server

from portal import create_app
from portal.cli.db import upgrade
from portal.config import TestConfig as PortalTestConfig
from portal.db import make_engine
from portal.models import Base, Case, Creditor
from portal.services import links
from portal.services.cases import NewDebtor, NewFee, NewInvoice, NewLine, create_case
from tests.api_helpers import api_creditor, receiver, worker  # noqa: F401  (API and webhook fixtures)

POSTGRES_SKIP_REASON = (
    "PostgreSQL run skipped: set PORTAL_TEST_DATABASE_URL (e.g. postgresql://postgres@127.0.0.1:5432/test) "
    "to run the suite on PostgreSQL too"
)
CSRF_INPUT = re.compile(r'name="csrf_token" (?:type="hidden" )?value="([^"]+)"')


def _reset_postgres(url: str) -> None:
    """Drop everything in the test database so the migrations start from empty."""
    engine = make_engine(url)
    with engine.begin() as conn:
        conn.execute(text("DROP SCHEMA public CASCADE"))
        conn.execute(text("CREATE SCHEMA public"))
    engine.dispose()


@pytest.fixture(scope="session", params=["sqlite", "postgresql"])
def database_url(request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory) -> str:
    """A migrated database: a fresh SQLite file, or the PostgreSQL test database."""
    if request.param == "sqlite":
        url = f"sqlite:///{tmp_path_factory.mktemp('db') / 'portal-test.db'}"
    else:
        url = os.environ.get("PORTAL_TEST_DATABASE_URL")
        if not url:
            pytest.skip(POSTGRES_SKIP_REASON)
        _reset_postgres(url)
    upgrade(url)
    return url


@pytest.fixture
def app(database_url: str) -> Iterator[Flask]:
    """The portal configured for tests, on the current database; tables are emptied afterwards."""
    app = create_app(PortalTestConfig(), {"DATABASE_URL": database_url})
    yield app
    _empty_tables(app)
    dispose(app)


def dispose(app: Flask) -> None:
    """Close every pooled connection of an app (its read-write and its read-only engine)."""
    app.extensions["db_engine"].dispose()
    app.extensions["db_read_engine"].dispose()
    if "stamp_cache" in app.extensions:
        app.extensions["stamp_cache"].close()


def _empty_tables(app: Flask) -> None:
    """Delete every row the test wrote (the schema and alembic_version stay)."""
    engine = app.extensions["db_engine"]
    tables = list(reversed(Base.metadata.sorted_tables))
    with engine.begin() as conn:
        if engine.dialect.name == "postgresql":
            names = ", ".join(f'"{t.name}"' for t in tables)
            conn.execute(text(f"TRUNCATE {names} RESTART IDENTITY CASCADE"))
        else:
            for table in tables:
                conn.execute(table.delete())


@pytest.fixture
def client(app: Flask) -> FlaskClient:
    """A browser-like test client with cookies."""
    return app.test_client()


@pytest.fixture
def runner(app: Flask):
    """The CLI runner for `flask --app wsgi …` commands."""
    return app.test_cli_runner()


@pytest.fixture
def db(app: Flask):
    """A session for arranging and checking data outside any request."""
    session = app.extensions["db_sessionmaker"]()
    yield session
    session.close()


@pytest.fixture
def query_counter(app: Flask):
    """Counts SQL statements sent to the database while the test runs."""
    statements: list[str] = []

    def count(_conn, _cursor, statement, *_args) -> None:
        statements.append(statement)

    engines = {app.extensions["db_engine"], app.extensions["db_read_engine"]}
    for engine in engines:
        event.listen(engine, "before_cursor_execute", count)
    yield statements
    for engine in engines:
        event.remove(engine, "before_cursor_execute", count)


@pytest.fixture
def live_server(app: Flask) -> Iterator[str]:
    """The app served over real HTTP on a free loopback port, for the browser tests."""
    server = make_server("127.0.0.1", 0, app, threaded=True)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{server.server_port}"
    server.shutdown()
    thread.join(timeout=5)


# --- builders -----------------------------------------------------------------------------------


def make_creditor(db, **overrides) -> Creditor:
    """A committed creditor with realistic Danish details."""
    values = dict(
        name="Testvarme A/S",
        cvr="12345678",
        contact_email="kunde@testvarme.example",
        contact_phone="+4570112233",
        privacy_url="https://testvarme.example/privatliv",
        brand_color="#0b6e4f",
        fi_creditor_number="87654321",
        address="Testvej 1, 8000 Aarhus C",
    )
    values.update(overrides)
    creditor = Creditor(**values)
    db.add(creditor)
    db.commit()
    return creditor


def make_case(
    db,
    creditor: Creditor | None = None,
    *,
    external_id: str = "T-0001",
    locale: str = "da",
    invoices: list[NewInvoice] | None = None,
    fees: list[NewFee] | None = None,
    postcode: str = "8000",
) -> Case:
    """A committed open case with one overdue invoice of 1.234,50 kr. unless told otherwise."""
    creditor = creditor or make_creditor(db)
    issued = date.today() - timedelta(days=30)
    invoices = invoices or [
        NewInvoice(
            number="F-1001",
            issued_on=issued,
            due_on=issued + timedelta(days=14),
            amount=123450,
            lines=(NewLine("Varme oktober", 100000), NewLine("Fast afgift", 23450)),
        ),
    ]
    case = create_case(
        db,
        creditor,
        external_id=external_id,
        invoices=invoices,
        fees=fees or [],
        debtor=NewDebtor(
            name="Mette Jensen",
            email="mette@example.dk",
            phone="22 33 44 55",
            street="Nørregade 1",
            postcode=postcode,
            city="Aarhus C",
            customer_number="100234",
            locale=locale,
        ),
    )
    db.commit()
    return case


def token_for(app: Flask, case: Case) -> str:
    """The current one-click token of a case."""
    return links.make_token(links.make_signer(app.config["SECRET_KEY"], app.config["SECRET_KEY_FALLBACKS"]), case)


def csrf_from(html: str) -> str:
    """The CSRF token of the first form on a page."""
    match = CSRF_INPUT.search(html)
    assert match, "page has no CSRF token"
    return match.group(1)


def open_case(client: FlaskClient, app: Flask, case: Case, **form) -> object:
    """Walk the link: GET the landing page, press Fortsæt; returns the POST's response."""
    path = f"/l/{token_for(app, case)}"
    page = client.get(path)
    assert page.status_code == 200, page.status_code
    return client.post(path, data={"csrf_token": csrf_from(page.text), **form})

"""Database engine and the per-request SQLAlchemy session."""

from __future__ import annotations

from pathlib import Path

from flask import Flask, current_app, g
from sqlalchemy import Connection, Engine, create_engine, event
from sqlalchemy.engine import make_url
from sqlalchemy.orm import Session, sessionmaker


def make_engine(url: str, *, autocommit: bool = False) -> Engine:
    """Create an engine; SQLite gets foreign keys, WAL and a busy timeout for several processes."""
    parsed = make_url(url)
    # An autocommit connection has no transaction to roll back when it returns to the pool.
    options = {"isolation_level": "AUTOCOMMIT", "pool_reset_on_return": None} if autocommit else {}
    if parsed.get_backend_name() == "postgresql" and parsed.drivername == "postgresql":
        parsed = parsed.set(drivername="postgresql+psycopg")
    if parsed.get_backend_name() != "sqlite":
        # Recycling instead of pre-pinging saves a round trip on every request; a connection broken
        # by a database restart fails one request and the pool then reconnects.
        return create_engine(parsed, pool_recycle=300, pool_size=10, max_overflow=10, **options)
    if parsed.database and parsed.database != ":memory:":
        Path(parsed.database).parent.mkdir(parents=True, exist_ok=True)
    engine = create_engine(parsed, connect_args={"timeout": 15}, **options)
    event.listen(engine, "connect", _sqlite_pragmas)
    return engine


def _sqlite_pragmas(dbapi_connection, _record) -> None:
    """Turn on foreign keys and WAL so readers never block the writer."""
    cursor = dbapi_connection.cursor()
    cursor.execute("PRAGMA foreign_keys=ON")
    cursor.execute("PRAGMA journal_mode=WAL")
    cursor.execute("PRAGMA synchronous=NORMAL")
    cursor.close()


def init_app(app: Flask) -> None:
    """Bind an engine and session factory to the app and close the session after each request."""
    url = app.config["DATABASE_URL"]
    engine = make_engine(url)
    app.extensions["db_engine"] = engine
    app.extensions["db_sessionmaker"] = sessionmaker(bind=engine, expire_on_commit=False)
    # Reads that need no transaction use their own autocommit pool: no BEGIN/ROLLBACK round trips
    # per page view. (An in-memory SQLite database exists once per connection, so it shares.)
    read_engine = engine if make_url(url).database in (None, "", ":memory:") else make_engine(url, autocommit=True)
    app.extensions["db_read_engine"] = read_engine
    app.teardown_appcontext(_close_session)


def get_engine() -> Engine:
    """Return the current app's engine."""
    return current_app.extensions["db_engine"]


def get_session() -> Session:
    """Return this request's session, opening it on first use."""
    if "db_session" not in g:
        g.db_session = current_app.extensions["db_sessionmaker"]()
    return g.db_session


def get_read_connection() -> Connection:
    """Return this request's read-only connection (autocommit: each query sees the latest commits)."""
    if "db_read_connection" not in g:
        g.db_read_connection = current_app.extensions["db_read_engine"].connect()
    return g.db_read_connection


def _close_session(_exc: BaseException | None) -> None:
    """Roll back whatever the edge did not commit and return the connections to the pool."""
    session = g.pop("db_session", None)
    if session is not None:
        session.close()
    connection = g.pop("db_read_connection", None)
    if connection is not None:
        connection.close()

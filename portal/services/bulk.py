"""Bulk work for intake and the worker: a multi-row INSERT, or COPY on PostgreSQL (far cheaper per row), and a
pause of the garbage collector while a batch makes its many short-lived objects."""

from __future__ import annotations

import gc
import threading
from collections.abc import Iterator, Sequence
from contextlib import contextmanager

import psycopg
from psycopg import sql
from psycopg.types.json import Json
from pydantic_core import to_json
from sqlalchemy import JSON, insert
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session


def insert_rows(session: Session, model, columns: Sequence[str], rows: list[tuple], *, ids: bool) -> list[int]:
    """Insert rows (tuples in the order of columns); return the new ids in the order of the rows when asked for."""
    if not rows:
        return []
    table = model.__table__
    if session.get_bind().dialect.name == "postgresql":
        return copy_rows(session, table, columns, rows, ids=ids)
    params = [dict(zip(columns, row, strict=True)) for row in rows]
    if not ids:
        session.execute(insert(table), params)
        return []
    statement = insert(table).returning(table.c.id, sort_by_parameter_order=True)
    return list(session.execute(statement, params).scalars())


def copy_rows(session: Session, table, columns: Sequence[str], rows: list[tuple], *, ids: bool) -> list[int]:
    """PostgreSQL: take ids from the table's sequence, then COPY the rows in (far cheaper than INSERTs)."""
    connection = session.connection().connection.driver_connection
    json_positions = [n for n, name in enumerate(columns) if isinstance(table.c[name].type, JSON)]
    new_ids: list[int] = []
    with connection.cursor() as cursor:
        if ids:
            cursor.execute(
                "SELECT nextval(pg_get_serial_sequence(%s, 'id')) FROM generate_series(1, %s)",
                (f'"{table.name}"', len(rows)),
            )
            new_ids = [row[0] for row in cursor.fetchall()]
        names = sql.SQL(", ").join(map(sql.Identifier, [*columns, *(["id"] if ids else [])]))
        statement = sql.SQL("COPY {} ({}) FROM STDIN").format(sql.Identifier(table.name), names)
        try:
            with cursor.copy(statement) as copy:
                for n, row in enumerate(rows):
                    if json_positions:
                        row = _with_json(row, json_positions)  # noqa: PLW2901 (the row as COPY takes it)
                    copy.write_row((*row, new_ids[n]) if ids else row)
        except psycopg.IntegrityError as error:
            # The same exception SQLAlchemy raises for an INSERT, so callers handle one kind of conflict.
            raise IntegrityError(statement.as_string(connection), None, error) from error
    return new_ids


def _with_json(row: tuple, positions: list[int]) -> list:
    """The row with its JSON values wrapped for psycopg (None stays NULL)."""
    values = list(row)
    for n in positions:
        if values[n] is not None:
            values[n] = Json(values[n], dumps=to_json)
    return values


class _Pause:
    """How many threads are doing bulk work, and whether the collector was running when the first began."""

    lock = threading.Lock()
    depth = 0
    resume = False


@contextmanager
def collector_paused() -> Iterator[None]:
    """Keep the cyclic garbage collector out of a batch (nesting, across threads too)."""
    # Its passes over a batch's many young objects cost more than they find: the objects are freed by reference
    # counting when the batch is done, and the next pass after the batch takes any cycle it left.
    with _Pause.lock:
        if _Pause.depth == 0:
            _Pause.resume = gc.isenabled()
            gc.disable()
        _Pause.depth += 1
    try:
        yield
    finally:
        with _Pause.lock:
            _Pause.depth -= 1
            if _Pause.depth == 0 and _Pause.resume:
                gc.enable()

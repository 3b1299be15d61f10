"""The creditor's read side of cases and timelines: one case in full, and cursor-paged lists."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from flask_babel import lazy_gettext as _l
from sqlalchemy import Select, select
from sqlalchemy.orm import Session, selectinload

from portal.models import Case, Event, Invoice
from portal.services.errors import InvalidInput, NotFound

MAX_PAGE = 100


@dataclass(frozen=True)
class Page:
    """One page of a list, oldest first, and the cursor to ask for the next."""

    items: Sequence[Any]
    has_more: bool
    next_cursor: str | None


def find_case(session: Session, creditor_id: int, case_public_id: str, *, full: bool = False) -> Case:
    """The creditor's case by its public id (with debtor, invoices, lines and fees when full); else NotFound."""
    statement = select(Case).where(Case.creditor_id == creditor_id, Case.public_id == case_public_id)
    if full:
        statement = statement.options(
            selectinload(Case.debtor),
            selectinload(Case.invoices).selectinload(Invoice.lines),
            selectinload(Case.fees),
        )
    case = session.scalars(statement).one_or_none()
    if case is None:
        raise NotFound()
    return case


def _after(session: Session, model, creditor_id: int, cursor: str | None) -> int:
    """The internal id a cursor (the public id of the last item seen) stands for; 0 without a cursor."""
    if not cursor:
        return 0
    found = session.scalar(select(model.id).where(model.creditor_id == creditor_id, model.public_id == cursor))
    if found is None:
        raise InvalidInput(field="cursor", message=_l("Unknown cursor."))
    return found


def paginate(session: Session, statement: Select, model, *, after: int, limit: int, key=None) -> Page:
    """Run a list query from just after an id, one more row than asked to know whether more follow."""
    rows = session.execute(statement.where(model.id > after).order_by(model.id).limit(limit + 1)).all()
    has_more = len(rows) > limit
    rows = rows[:limit]
    last = (key or (lambda row: row[0].public_id))(rows[-1]) if rows else None
    return Page(rows, has_more, last)


def list_cases(
    session: Session,
    creditor_id: int,
    *,
    external_id: str | None = None,
    status: str | None = None,
    cursor: str | None = None,
    limit: int = 50,
) -> Page:
    """The creditor's cases, oldest first, filtered by external id and status."""
    statement = select(Case).where(Case.creditor_id == creditor_id)
    if external_id is not None:
        statement = statement.where(Case.external_id == external_id)
    if status is not None:
        statement = statement.where(Case.status == status)
    after = _after(session, Case, creditor_id, cursor)
    page = paginate(session, statement, Case, after=after, limit=min(limit, MAX_PAGE))
    return Page([row[0] for row in page.items], page.has_more, page.next_cursor or cursor)


def list_events(
    session: Session,
    creditor_id: int,
    *,
    case_public_id: str | None = None,
    types: Sequence[str] = (),
    cursor: str | None = None,
    limit: int = 50,
) -> Page:
    """The creditor's timeline events after a cursor, oldest first, each with its case's public id."""
    statement = (
        select(Event, Case.public_id).outerjoin(Case, Case.id == Event.case_id).where(Event.creditor_id == creditor_id)
    )
    if case_public_id is not None:
        statement = statement.where(Event.case_id == find_case(session, creditor_id, case_public_id).id)
    if types:
        statement = statement.where(Event.type.in_(list(types)))
    after = _after(session, Event, creditor_id, cursor)
    page = paginate(session, statement, Event, after=after, limit=min(limit, MAX_PAGE))
    return Page([tuple(row) for row in page.items], page.has_more, page.next_cursor or cursor)

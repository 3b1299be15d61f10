"""Event views: the creditor's timeline since a cursor, and one case's."""

from __future__ import annotations

from flask import g

from portal.api import schemas, serialize
from portal.api.blueprint import bp
from portal.api.respond import parse_query, public_id, show
from portal.db import get_session
from portal.services import case_records


def _page(page) -> dict:
    """A page of (event, case public id) rows."""
    data = [serialize.event(event, case_id) for event, case_id in page.items]
    return {"data": data, "has_more": page.has_more, "next_cursor": page.next_cursor}


@bp.get("/events")
def list_events():
    """Every event of the creditor's cases after the cursor, oldest first."""
    query = parse_query(schemas.EventQuery)
    page = case_records.list_events(
        get_session(), g.creditor.id, types=query.type, cursor=query.cursor, limit=query.limit
    )
    return show(_page(page))


@bp.get("/cases/<case_id>/events")
def list_case_events(case_id: str):
    """One case's timeline after the cursor, oldest first."""
    query = parse_query(schemas.EventQuery)
    page = case_records.list_events(
        get_session(), g.creditor.id, case_public_id=public_id(case_id), types=query.type, cursor=query.cursor,
        limit=query.limit,
    )  # fmt: skip
    return show(_page(page))

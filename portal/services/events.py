"""The case timeline: one function records every event, so later side effects hook in one place."""

from __future__ import annotations

from typing import Any

from sqlalchemy.orm import Session

from portal.models import Case, Event, utcnow
from portal.models.base import public_id
from portal.services.case_view import Record

ACTOR_DEBTOR = "debtor"
ACTOR_SYSTEM = "system"


def record(
    session: Session, case: Case | Record, type_: str, *, actor: str, data: dict[str, Any] | None = None
) -> Event:
    """Append an event to the case's timeline (in the caller's transaction); its id and time are set at once."""
    event = Event(
        public_id=public_id("evt"),
        creditor_id=case.creditor_id,
        case_id=case.id,
        type=type_,
        actor=actor,
        data=data or {},
        created_at=utcnow(),
    )
    session.add(event)
    return event

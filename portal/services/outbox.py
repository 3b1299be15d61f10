"""The outbox: messages for the creditor's systems, queued in the same transaction as the change they report.

A webhook message carries the timeline event's public id (so the API's event list and the webhook
agree) and the body of DESIGN section 11: {"id", "type", "created_at", "data": {"case": {...}, ...}}.
The worker of the API issue claims due rows and delivers them; nothing here sends anything.
"""

from __future__ import annotations

from typing import Any

from sqlalchemy.orm import Session

from portal.models import Case, Event, OutboxMessage

WEBHOOK = "webhook"


def case_summary(case: Case) -> dict[str, Any]:
    """What a webhook says about the case: ids, status and amounts, no personal data."""
    return {
        "id": case.public_id,
        "external_id": case.external_id,
        "status": case.status,
        "outstanding": case.outstanding,
        "currency": case.currency,
    }


def enqueue(session: Session, case: Case, event: Event, data: dict[str, Any] | None = None) -> OutboxMessage:
    """Queue a webhook to the case's creditor about a timeline event (in the caller's transaction)."""
    payload = {
        "id": event.public_id,
        "type": event.type,
        "created_at": event.created_at.isoformat(),
        "data": {"case": case_summary(case), **(data or {})},
    }
    message = OutboxMessage(
        public_id=event.public_id,
        channel=WEBHOOK,
        creditor_id=case.creditor_id,
        case_id=case.id,
        type=event.type,
        payload=payload,
        available_at=event.created_at,
    )
    session.add(message)
    return message

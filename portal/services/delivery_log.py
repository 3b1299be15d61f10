"""The creditor's view of webhook deliveries: per endpoint, newest attempts included, cursor-paged."""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Sequence

from flask_babel import lazy_gettext as _l
from sqlalchemy import select
from sqlalchemy.orm import Session

from portal.models import OutboxMessage, WebhookAttempt, WebhookDelivery, WebhookEndpoint
from portal.services.case_records import MAX_PAGE, Page, paginate
from portal.services.errors import InvalidInput


def list_for_endpoint(session: Session, endpoint: WebhookEndpoint, *, cursor: str | None, limit: int) -> Page:
    """An endpoint's deliveries, oldest first, each as (delivery, message id, event type)."""
    after = 0
    if cursor:
        after = session.scalar(
            select(WebhookDelivery.id).where(
                WebhookDelivery.endpoint_id == endpoint.id, WebhookDelivery.public_id == cursor
            )
        )
        if after is None:
            raise InvalidInput(field="cursor", message=_l("Unknown cursor."))
    statement = (
        select(WebhookDelivery, OutboxMessage.public_id, OutboxMessage.type)
        .join(OutboxMessage, OutboxMessage.id == WebhookDelivery.outbox_id)
        .where(WebhookDelivery.endpoint_id == endpoint.id)
    )
    page = paginate(session, statement, WebhookDelivery, after=after, limit=min(limit, MAX_PAGE))
    return Page([tuple(row) for row in page.items], page.has_more, page.next_cursor or cursor)


def attempts_of(session: Session, delivery_ids: Sequence[int]) -> dict[int, list[WebhookAttempt]]:
    """Every attempt of the given deliveries, in order, by delivery id (one query)."""
    found: dict[int, list[WebhookAttempt]] = defaultdict(list)
    if delivery_ids:
        statement = (
            select(WebhookAttempt)
            .where(WebhookAttempt.delivery_id.in_(list(delivery_ids)))
            .order_by(WebhookAttempt.delivery_id, WebhookAttempt.number)
        )
        for attempt in session.scalars(statement):
            found[attempt.delivery_id].append(attempt)
    return found


def details(session: Session, delivery: WebhookDelivery) -> tuple[str, str, str, list[WebhookAttempt]]:
    """A delivery's endpoint public id, message id, event type and attempts."""
    row = session.execute(
        select(WebhookEndpoint.public_id, OutboxMessage.public_id, OutboxMessage.type)
        .join(OutboxMessage, OutboxMessage.id == delivery.outbox_id)
        .where(WebhookEndpoint.id == delivery.endpoint_id)
    ).one()
    return row[0], row[1], row[2], attempts_of(session, [delivery.id])[delivery.id]

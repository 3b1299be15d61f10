"""The creditor's webhook endpoints: register (SSRF-checked), list, delete, rotate the secret, send a test."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import timedelta

from flask_babel import lazy_gettext as _l
from sqlalchemy import func, select, update
from sqlalchemy.orm import Session

from portal.models import OutboxMessage, WebhookDelivery, WebhookEndpoint, utcnow
from portal.models.base import public_id
from portal.services import webhook_signing
from portal.services.errors import DomainError, InvalidInput, NotFound
from portal.services.netguard import Resolver, UnsafeUrl, check_url

# The creditor-facing event types (DESIGN section 7), plus the portal's test event.
EVENT_TYPES = (
    "case.created",
    "link.engaged",
    "payment.succeeded",
    "payment.failed",
    "case.paid",
    "payment_plan.requested",
    "payment_plan.approved",
    "payment_plan.rejected",
    "payment_plan.installment_paid",
    "payment_plan.defaulted",
    "payment_plan.completed",
    "dispute.opened",
    "dispute.resolved",
    "promise.created",
    "promise.broken",
    "already_paid.reported",
    "callback.requested",
    "contact.updated",
    "case.handover",
    "case.cancelled",
    "case.closed",
)
TEST_EVENT = "webhook.test"
ROTATION_OVERLAP = timedelta(hours=24)
MAX_ENDPOINTS = 16


class TooManyEndpoints(DomainError):
    """The creditor has as many endpoints as allowed."""

    reason = _l("Delete an endpoint before adding another.")


class EndpointDisabled(DomainError):
    """The endpoint no longer receives deliveries."""

    reason = _l("The endpoint is disabled.")


def subscribed(endpoint_events: Sequence[str], event_type: str) -> bool:
    """Whether an endpoint wants an event type ('*' wants them all; every endpoint gets its test event)."""
    return event_type == TEST_EVENT or "*" in endpoint_events or event_type in endpoint_events


def _check_events(wanted: Sequence[str]) -> list[str]:
    """The event types asked for, refusing unknown ones."""
    for n, name in enumerate(wanted):
        if name != "*" and name not in EVENT_TYPES:
            raise InvalidInput(field=f"events[{n}]", message=_l("Unknown event type."))
    return list(dict.fromkeys(wanted)) or ["*"]


def create(
    session: Session,
    creditor_id: int,
    *,
    url: str,
    events: Sequence[str],
    description: str = "",
    allow_loopback: bool,
    resolver: Resolver | None = None,
) -> WebhookEndpoint:
    """Register an endpoint after the SSRF check; its secret is readable on the returned row this once."""
    try:
        check_url(url, allow_loopback=allow_loopback, resolver=resolver)
    except UnsafeUrl as error:
        raise InvalidInput(field="url", message=error.reason) from error
    count = session.scalar(
        select(func.count()).where(WebhookEndpoint.creditor_id == creditor_id, WebhookEndpoint.status != "deleted")
    )
    if count >= MAX_ENDPOINTS:
        raise TooManyEndpoints()
    endpoint = WebhookEndpoint(
        creditor_id=creditor_id,
        url=url,
        events=_check_events(events),
        description=description,
        secret=webhook_signing.new_secret(),
    )
    session.add(endpoint)
    session.flush()
    return endpoint


def find(session: Session, creditor_id: int, endpoint_public_id: str) -> WebhookEndpoint:
    """The creditor's endpoint (not deleted) by public id; else NotFound."""
    endpoint = session.scalars(
        select(WebhookEndpoint).where(
            WebhookEndpoint.creditor_id == creditor_id,
            WebhookEndpoint.public_id == endpoint_public_id,
            WebhookEndpoint.status != "deleted",
        )
    ).one_or_none()
    if endpoint is None:
        raise NotFound()
    return endpoint


def list_for(session: Session, creditor_id: int) -> list[WebhookEndpoint]:
    """The creditor's endpoints, oldest first (at most MAX_ENDPOINTS, so no paging)."""
    return list(
        session.scalars(
            select(WebhookEndpoint)
            .where(WebhookEndpoint.creditor_id == creditor_id, WebhookEndpoint.status != "deleted")
            .order_by(WebhookEndpoint.id)
        )
    )


def stop(session: Session, endpoint: WebhookEndpoint, *, status: str, reason: str | None = None) -> None:
    """Disable or delete an endpoint and cancel what it still had waiting."""
    endpoint.status, endpoint.disabled_reason = status, reason
    session.execute(
        update(WebhookDelivery)
        .where(WebhookDelivery.endpoint_id == endpoint.id, WebhookDelivery.status == "pending")
        .values(status="cancelled", next_attempt_at=None)
    )


def rotate_secret(session: Session, endpoint: WebhookEndpoint) -> WebhookEndpoint:
    """A new secret; the old one keeps signing alongside it for 24 hours."""
    endpoint.previous_secret = endpoint.secret
    endpoint.previous_secret_expires_at = utcnow() + ROTATION_OVERLAP
    endpoint.secret = webhook_signing.new_secret()
    return endpoint


def live_secrets(endpoint, now=None) -> list[str]:
    """The secrets that sign right now: the current one, and the previous one during its overlap."""
    expires = endpoint.previous_secret_expires_at
    if endpoint.previous_secret and expires is not None and expires > (now or utcnow()):
        return [endpoint.secret, endpoint.previous_secret]
    return [endpoint.secret]


def send_test(session: Session, endpoint: WebhookEndpoint) -> WebhookDelivery:
    """Queue a webhook.test message to this endpoint only; the worker delivers it like any other."""
    if endpoint.status != "active":
        raise EndpointDisabled()
    now = utcnow()
    message_id = public_id("evt")
    payload = {"id": message_id, "type": TEST_EVENT, "created_at": now.isoformat(), "data": {}}
    message = OutboxMessage(
        public_id=message_id,
        channel="webhook",
        creditor_id=endpoint.creditor_id,
        type=TEST_EVENT,
        payload=payload,
        status="sent",
        sent_at=now,
        available_at=now,
        created_at=now,
    )
    session.add(message)
    session.flush()
    delivery = WebhookDelivery(creditor_id=endpoint.creditor_id, endpoint_id=endpoint.id, outbox_id=message.id)
    session.add(delivery)
    session.flush()
    return delivery

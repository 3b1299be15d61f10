"""Webhook deliveries: fan each outbox message out to the endpoints that want it, claim due deliveries,
record every attempt and schedule the next one.

A claim is a lease: the worker writes its token and a `locked_until` into the rows it takes (PostgreSQL
skips rows another worker is locking; SQLite's single writer makes the conditional UPDATE atomic), sends
outside any transaction, then records the results only for rows it still holds. A worker that dies
leaves its rows to become due again when the lease runs out; nothing is lost and no attempt is
recorded twice (an attempt's number is unique per delivery).
"""

from __future__ import annotations

import secrets
from collections import defaultdict
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta
from itertools import groupby

from sqlalchemy import bindparam, or_, select, update
from sqlalchemy.orm import Session

from portal.models import OutboxMessage, WebhookAttempt, WebhookDelivery, WebhookEndpoint, utcnow
from portal.models.base import public_id
from portal.services.bulk import insert_rows
from portal.services.errors import NotFound
from portal.services.webhook_endpoints import EndpointDisabled, live_secrets, subscribed

# The wait before each attempt: at once, then backing off to ten hours, about three days in all.
SCHEDULE = tuple(timedelta(seconds=s) for s in (0, 5, 300, 1800, 7200, 18000, 36000, 36000, 36000, 36000, 36000, 36000))
MAX_ATTEMPTS = len(SCHEDULE)
MAX_RETRY_AFTER = timedelta(hours=24)

_out, _delivery, _endpoint = OutboxMessage.__table__, WebhookDelivery.__table__, WebhookEndpoint.__table__
DELIVERY_COLUMNS = ("public_id", "creditor_id", "endpoint_id", "outbox_id", "status", "attempts", "next_attempt_at",
                    "created_at")  # fmt: skip
ATTEMPT_COLUMNS = ("delivery_id", "number", "started_at", "succeeded", "status_code", "latency_ms", "error",
                   "response_body")  # fmt: skip


@dataclass
class Job:
    """A claimed delivery with everything needed to send it."""

    delivery_id: int
    number: int
    endpoint_id: int
    url: str
    message_id: str
    body: dict
    secrets: list[str]


@dataclass(frozen=True)
class Outcome:
    """What one HTTP attempt gave."""

    started_at: datetime
    status_code: int | None
    latency_ms: int
    error: str | None = None
    response_body: str | None = None
    retry_after: timedelta | None = None

    @property
    def succeeded(self) -> bool:
        """2xx (in time) is success; everything else, redirects included, is a failure."""
        return self.error is None and self.status_code is not None and 200 <= self.status_code < 300


def next_delay(attempts_made: int) -> timedelta | None:
    """How long to wait before the next attempt, or None when the schedule is used up."""
    return SCHEDULE[attempts_made] if attempts_made < MAX_ATTEMPTS else None


def fan_out(session: Session, *, limit: int = 500, now: datetime | None = None) -> int:
    """Turn due webhook messages into one delivery per subscribed active endpoint; return messages taken."""
    now = now or utcnow()
    due = (
        select(_out.c.id)
        .where(_out.c.channel == "webhook", _out.c.status == "pending", _out.c.available_at <= now)
        .order_by(_out.c.id)
        .limit(limit)
        .with_for_update(skip_locked=True)
    )
    taken = session.execute(
        update(_out)
        .where(_out.c.id.in_(due), _out.c.status == "pending")
        .values(status="sent", sent_at=now)
        .returning(_out.c.id, _out.c.creditor_id, _out.c.type)
    ).all()
    if not taken:
        return 0
    endpoints = session.execute(
        select(_endpoint.c.id, _endpoint.c.creditor_id, _endpoint.c.events)
        .where(_endpoint.c.creditor_id.in_({row.creditor_id for row in taken}), _endpoint.c.status == "active")
        .order_by(_endpoint.c.creditor_id)
    ).all()
    by_creditor = {key: list(group) for key, group in groupby(endpoints, key=lambda e: e.creditor_id)}
    rows = [
        (public_id("whd"), message.creditor_id, endpoint.id, message.id, "pending", 0, now, now)
        for message in taken
        for endpoint in by_creditor.get(message.creditor_id, ())
        if subscribed(endpoint.events or [], message.type)
    ]
    insert_rows(session, WebhookDelivery, DELIVERY_COLUMNS, rows, ids=False)
    return len(taken)


def claim(session: Session, *, limit: int, lease: timedelta, now: datetime | None = None) -> tuple[str, list[Job]]:
    """Lease up to limit due deliveries to this caller (the caller commits at once); return token and jobs."""
    now, token = now or utcnow(), secrets.token_hex(16)
    open_endpoints = select(_endpoint.c.id).where(
        _endpoint.c.status == "active", or_(_endpoint.c.paused_until.is_(None), _endpoint.c.paused_until <= now)
    )
    due = (
        select(_delivery.c.id)
        .where(
            _delivery.c.status == "pending",
            _delivery.c.next_attempt_at <= now,
            or_(_delivery.c.locked_until.is_(None), _delivery.c.locked_until <= now),
            _delivery.c.endpoint_id.in_(open_endpoints),
        )
        .order_by(_delivery.c.next_attempt_at)
        .limit(limit)
        .with_for_update(skip_locked=True)
    )
    ids = session.execute(
        update(_delivery)
        .where(_delivery.c.id.in_(due))
        .values(claim_token=token, locked_until=now + lease)
        .returning(_delivery.c.id)
    ).scalars()
    return token, _jobs(session, list(ids), now)


def _jobs(session: Session, ids: list[int], now: datetime) -> list[Job]:
    """Load what sending the claimed deliveries needs: URL, secrets, message id and body."""
    if not ids:
        return []
    rows = session.execute(
        select(
            _delivery.c.id,
            _delivery.c.attempts,
            _endpoint.c.id.label("endpoint_id"),
            _endpoint.c.url,
            _endpoint.c.secret,
            _endpoint.c.previous_secret,
            _endpoint.c.previous_secret_expires_at,
            _out.c.public_id,
            _out.c.payload,
        )
        .join(_endpoint, _endpoint.c.id == _delivery.c.endpoint_id)
        .join(_out, _out.c.id == _delivery.c.outbox_id)
        .where(_delivery.c.id.in_(ids))
        .order_by(_delivery.c.id)
    ).all()
    return [
        Job(row.id, row.attempts + 1, row.endpoint_id, row.url, row.public_id, row.payload, live_secrets(row, now))
        for row in rows
    ]


def _still_held(session: Session, token: str, ids: Sequence[int]) -> set[int]:
    """The deliveries this claim still holds (a lease that ran out may have been taken over)."""
    statement = (
        select(_delivery.c.id)
        .where(_delivery.c.id.in_(list(ids)), _delivery.c.claim_token == token, _delivery.c.status == "pending")
        .with_for_update()
    )
    return set(session.execute(statement).scalars())


def _next_state(job: Job, outcome: Outcome, now: datetime) -> dict:
    """The delivery's new columns after an attempt."""
    state = dict(b_id=job.delivery_id, attempts=job.number, code=outcome.status_code, delivered=None, next=None)
    if outcome.succeeded:
        return state | dict(status="succeeded", delivered=now)
    delay = next_delay(job.number)
    if outcome.status_code == 410 or delay is None:
        return state | dict(status="failed")
    if outcome.retry_after is not None:
        delay = max(delay, outcome.retry_after)
    return state | dict(status="pending", next=now + delay)


def record(session: Session, token: str, results: Sequence[tuple[Job, Outcome]], *, now: datetime | None = None) -> int:
    """Log every attempt and move each delivery on (in the caller's transaction); return attempts recorded."""
    now = now or utcnow()
    held = _still_held(session, token, [job.delivery_id for job, _ in results])
    results = [(job, outcome) for job, outcome in results if job.delivery_id in held]
    if not results:
        return 0
    rows = [
        (job.delivery_id, job.number, o.started_at, o.succeeded, o.status_code, o.latency_ms, o.error, o.response_body)
        for job, o in results
    ]
    insert_rows(session, WebhookAttempt, ATTEMPT_COLUMNS, rows, ids=False)
    _move_on(session, [_next_state(job, outcome, now) for job, outcome in results])
    _endpoint_signals(session, results, now)
    return len(results)


def _move_on(session: Session, states: list[dict]) -> None:
    """Write the deliveries' new states: one UPDATE per status code for the delivered, one per row for the rest."""
    delivered: dict[tuple, list[int]] = defaultdict(list)
    for state in states:
        if state["status"] == "succeeded":
            delivered[(state["code"], state["attempts"], state["delivered"])].append(state["b_id"])
    for (code, attempts, at), ids in delivered.items():
        session.execute(
            update(_delivery)
            .where(_delivery.c.id.in_(ids))
            .values(status="succeeded", attempts=attempts, last_status_code=code, next_attempt_at=None,
                    delivered_at=at, claim_token=None, locked_until=None)
        )  # fmt: skip
    others = [state for state in states if state["status"] != "succeeded"]
    if others:
        session.execute(
            update(_delivery)
            .where(_delivery.c.id == bindparam("b_id"))
            .values(status=bindparam("status"), attempts=bindparam("attempts"), last_status_code=bindparam("code"),
                    next_attempt_at=bindparam("next"), delivered_at=bindparam("delivered"), claim_token=None,
                    locked_until=None),
            others,
        )  # fmt: skip


def _endpoint_signals(session: Session, results: Sequence[tuple[Job, Outcome]], now: datetime) -> None:
    """410 Gone disables an endpoint; 429 with Retry-After pauses it."""
    gone = {job.endpoint_id for job, o in results if o.status_code == 410}
    for endpoint_id in gone:
        session.execute(
            update(_endpoint).where(_endpoint.c.id == endpoint_id).values(status="disabled", disabled_reason="410 Gone")
        )
        session.execute(
            update(_delivery)
            .where(_delivery.c.endpoint_id == endpoint_id, _delivery.c.status == "pending")
            .values(status="cancelled", next_attempt_at=None)
        )
    paused = {}
    for job, o in results:
        if o.status_code == 429 and o.retry_after is not None:
            paused[job.endpoint_id] = max(paused.get(job.endpoint_id, now), now + o.retry_after)
    for endpoint_id, until in paused.items():
        session.execute(update(_endpoint).where(_endpoint.c.id == endpoint_id).values(paused_until=until))


def find(session: Session, creditor_id: int, delivery_public_id: str) -> WebhookDelivery:
    """The creditor's delivery by public id; else NotFound."""
    delivery = session.scalars(
        select(WebhookDelivery).where(
            WebhookDelivery.creditor_id == creditor_id, WebhookDelivery.public_id == delivery_public_id
        )
    ).one_or_none()
    if delivery is None:
        raise NotFound()
    return delivery


def retry(session: Session, delivery: WebhookDelivery) -> WebhookDelivery:
    """Send a delivery (again) as soon as a worker is free: a replay of a delivered one, or one more try."""
    endpoint = session.get(WebhookEndpoint, delivery.endpoint_id)
    if endpoint is None or endpoint.status != "active":
        raise EndpointDisabled()
    delivery.status, delivery.next_attempt_at = "pending", utcnow()
    return delivery

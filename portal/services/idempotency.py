"""Idempotency-Key: a POST repeated with the same key gets the first answer instead of doing the work again.

A request claims its key in a short transaction of its own before the work starts (so a concurrent
repeat sees it in flight); the answer is stored in the same transaction as the work itself, so a
crash can never leave work done without its answer, or an answer without its work. Keys live 24 hours.
"""

from __future__ import annotations

import hashlib
import secrets
from dataclasses import dataclass
from datetime import timedelta

from sqlalchemy import delete, select, update
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from portal.models import IdempotencyRecord, utcnow
from portal.services.errors import DomainError

KEEP = timedelta(hours=24)
# How long a request may hold its key; a crashed request's key is free again after this.
HOLD = timedelta(seconds=120)
MAX_KEY_LENGTH = 255


class KeyInFlight(DomainError):
    """Another request with the same key has not finished yet."""


class KeyReused(DomainError):
    """The key was used before with a different request."""


@dataclass(frozen=True)
class Claim:
    """A key this request holds while it works."""

    record_id: int
    token: str


@dataclass(frozen=True)
class StoredResponse:
    """The answer a finished request with the same key gave."""

    status: int
    body: bytes


def fingerprint(method: str, path: str, body: bytes) -> str:
    """What makes two requests 'the same': method, path and the exact body."""
    digest = hashlib.sha256()
    for part in (method.encode(), path.encode("utf-8", "surrogateescape"), body):
        digest.update(len(part).to_bytes(8, "big"))
        digest.update(part)
    return digest.hexdigest()


def begin(session: Session, creditor_id: int, key: str, print_: str) -> Claim | StoredResponse:
    """Claim the key (committing at once), or return the stored answer; raise KeyInFlight or KeyReused."""
    now = utcnow()
    session.execute(
        delete(IdempotencyRecord).where(
            IdempotencyRecord.creditor_id == creditor_id,
            IdempotencyRecord.key == key,
            IdempotencyRecord.expires_at <= now,
        )
    )
    token = secrets.token_hex(16)
    record = IdempotencyRecord(
        creditor_id=creditor_id,
        key=key,
        fingerprint=print_,
        lock_token=token,
        locked_until=now + HOLD,
        created_at=now,
        expires_at=now + KEEP,
    )
    session.add(record)
    try:
        session.commit()
        return Claim(record.id, token)
    except IntegrityError:
        session.rollback()
    return _existing(session, creditor_id, key, print_)


def _existing(session: Session, creditor_id: int, key: str, print_: str) -> Claim | StoredResponse:
    """Decide for a key that is already taken."""
    record = session.scalars(
        select(IdempotencyRecord).where(IdempotencyRecord.creditor_id == creditor_id, IdempotencyRecord.key == key)
    ).one_or_none()
    if record is None:  # it expired and was removed in between: let the client try again
        raise KeyInFlight()
    if record.fingerprint != print_:
        raise KeyReused()
    if record.status == "done":
        return StoredResponse(record.response_status or 200, record.response_body or b"")
    return _take_over(session, record)


def _take_over(session: Session, record: IdempotencyRecord) -> Claim:
    """Take a key whose holder's time ran out (it crashed), or raise KeyInFlight."""
    now, token = utcnow(), secrets.token_hex(16)
    taken = session.execute(
        update(IdempotencyRecord)
        .where(
            IdempotencyRecord.id == record.id,
            IdempotencyRecord.status == "in_flight",
            IdempotencyRecord.locked_until < now,
        )
        .values(lock_token=token, locked_until=now + HOLD)
    ).rowcount
    session.commit()
    if not taken:
        raise KeyInFlight()
    return Claim(record.id, token)


def complete(session: Session, claim: Claim, *, status: int, body: bytes) -> None:
    """Store the answer in the caller's transaction (the one that does the work); KeyInFlight if the hold was lost."""
    stored = session.execute(
        update(IdempotencyRecord)
        .where(IdempotencyRecord.id == claim.record_id, IdempotencyRecord.lock_token == claim.token)
        .values(status="done", response_status=status, response_body=body, lock_token=None, locked_until=None)
    ).rowcount
    if not stored:
        raise KeyInFlight()


def release(session: Session, claim: Claim) -> None:
    """Free a key whose request did not commit, so the client may try again (the caller commits)."""
    session.execute(
        delete(IdempotencyRecord).where(
            IdempotencyRecord.id == claim.record_id,
            IdempotencyRecord.lock_token == claim.token,
            IdempotencyRecord.status == "in_flight",
        )
    )


def purge(session: Session, *, limit: int = 1000) -> int:
    """Delete keys older than 24 hours; return how many went."""
    expired = select(IdempotencyRecord.id).where(IdempotencyRecord.expires_at <= utcnow()).limit(limit)
    return session.execute(delete(IdempotencyRecord).where(IdempotencyRecord.id.in_(expired))).rowcount

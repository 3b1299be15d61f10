"""API keys: random, shown once, kept only as a SHA-256 hash, revocable.

A key has 238 bits of randomness, so a fast hash is enough: nobody can guess their way back from it,
and looking a key up by its hash costs one indexed query per request.
"""

from __future__ import annotations

import hashlib

from sqlalchemy import select
from sqlalchemy.orm import Session

from portal.models import ApiKey, Creditor, utcnow
from portal.models.base import random_id
from portal.services.errors import NotFound

KEY_PREFIX = "betal_sk_"
KEY_RANDOM_LENGTH = 40
SHOWN_PREFIX_LENGTH = len(KEY_PREFIX) + 4


def hash_key(key: str) -> str:
    """The stored form of a key."""
    return hashlib.sha256(key.encode("utf-8", "surrogatepass")).hexdigest()


def issue(session: Session, creditor: Creditor, *, name: str = "") -> tuple[ApiKey, str]:
    """Create a key for the creditor; return the row and the key itself, which is never stored."""
    key = KEY_PREFIX + random_id(KEY_RANDOM_LENGTH)
    row = ApiKey(creditor_id=creditor.id, name=name, prefix=key[:SHOWN_PREFIX_LENGTH], key_hash=hash_key(key))
    session.add(row)
    session.flush()
    return row, key


def authenticate(session: Session, key: str) -> Creditor | None:
    """The creditor a live key belongs to, or None for an unknown or revoked key."""
    if not key.startswith(KEY_PREFIX) or len(key) != len(KEY_PREFIX) + KEY_RANDOM_LENGTH:
        return None
    statement = (
        select(Creditor)
        .join(ApiKey, ApiKey.creditor_id == Creditor.id)
        .where(ApiKey.key_hash == hash_key(key), ApiKey.revoked_at.is_(None))
    )
    return session.scalars(statement).one_or_none()


def looks_like_key(value: str) -> bool:
    """Whether a string is shaped like one of our keys (to refuse keys sent where they leak)."""
    return KEY_PREFIX in value


def revoke(session: Session, key_public_id: str) -> ApiKey:
    """Revoke a key at once; later requests with it are refused."""
    row = session.scalars(select(ApiKey).where(ApiKey.public_id == key_public_id)).one_or_none()
    if row is None:
        raise NotFound()
    row.revoked_at = row.revoked_at or utcnow()
    return row

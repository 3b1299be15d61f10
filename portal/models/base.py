"""Declarative base with a constraint naming convention, UTC timestamps and opaque public ids."""

from __future__ import annotations

import secrets
import string
from datetime import UTC, datetime

from sqlalchemy import BigInteger, DateTime, Integer, MetaData, TypeDecorator
from sqlalchemy.orm import DeclarativeBase

NAMING_CONVENTION = {
    "ix": "ix_%(table_name)s_%(column_0_N_name)s",
    "uq": "uq_%(table_name)s_%(column_0_N_name)s",
    "ck": "ck_%(table_name)s_%(constraint_name)s",
    "fk": "fk_%(table_name)s_%(column_0_name)s_%(referred_table_name)s",
    "pk": "pk_%(table_name)s",
}
ALPHABET = string.ascii_letters + string.digits

# SQLite only autoincrements INTEGER PRIMARY KEY; PostgreSQL gets a 64-bit identity.
BigIntPK = BigInteger().with_variant(Integer(), "sqlite")


def utcnow() -> datetime:
    """Return the current time as an aware UTC datetime."""
    return datetime.now(UTC)


# Random bytes below 248 (4 × 62) map to base62 characters without bias; bytes.translate maps them and
# drops the rest in C, so bulk intake can afford several ids per row.
_BASE62 = bytes(ALPHABET.encode()[b % 62] for b in range(248)) + bytes(8)
_UNBIASED_TAIL = bytes(range(248, 256))


def random_id(length: int) -> str:
    """Return a random base62 string of the given length."""
    text = b""
    while len(text) < length:
        text += secrets.token_bytes(length + 8).translate(_BASE62, _UNBIASED_TAIL)
    return text[:length].decode()


def public_id(prefix: str) -> str:
    """Return an opaque public id such as cas_7Hq2…, never a sequential number."""
    return f"{prefix}_{random_id(20)}"


class UTCDateTime(TypeDecorator):
    """A timestamp stored in UTC and always read back as an aware UTC datetime (SQLite too)."""

    impl = DateTime(timezone=True)
    cache_ok = True

    def process_bind_param(self, value, dialect):
        """Refuse naive datetimes and normalise to UTC."""
        if value is None:
            return None
        if value.tzinfo is None:
            raise ValueError("naive datetime; use portal.models.base.utcnow()")
        return value.astimezone(UTC)

    def process_result_value(self, value, dialect):
        """Attach UTC to what SQLite returns without a zone."""
        if value is None:
            return None
        return value.replace(tzinfo=UTC) if value.tzinfo is None else value.astimezone(UTC)


class Base(DeclarativeBase):
    """Base of every model; the naming convention keeps migrations predictable."""

    metadata = MetaData(naming_convention=NAMING_CONVENTION)

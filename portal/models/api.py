"""What the creditor API keeps: hashed API keys and the stored answers of idempotent requests."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import ForeignKey, Integer, LargeBinary, String, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from portal.models.base import Base, BigIntPK, UTCDateTime, public_id, utcnow


class ApiKey(Base):
    """A creditor's API key: only its SHA-256 hash is kept; the key itself is shown once."""

    __tablename__ = "api_key"

    id: Mapped[int] = mapped_column(BigIntPK, primary_key=True)
    public_id: Mapped[str] = mapped_column(String(32), unique=True, default=lambda: public_id("key"))
    creditor_id: Mapped[int] = mapped_column(ForeignKey("creditor.id"), index=True)
    name: Mapped[str] = mapped_column(String(100), default="")
    # The first characters of the key, so an operator can tell keys apart without seeing one.
    prefix: Mapped[str] = mapped_column(String(20))
    key_hash: Mapped[str] = mapped_column(String(64), unique=True)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    revoked_at: Mapped[datetime | None] = mapped_column(UTCDateTime)


class IdempotencyRecord(Base):
    """One Idempotency-Key of one creditor: in flight until the request commits, then its stored response."""

    __tablename__ = "idempotency_record"
    __table_args__ = (UniqueConstraint("creditor_id", "key"),)

    id: Mapped[int] = mapped_column(BigIntPK, primary_key=True)
    creditor_id: Mapped[int] = mapped_column(ForeignKey("creditor.id"))
    key: Mapped[str] = mapped_column(String(255))
    # SHA-256 of method, path and body: the same key with another request is refused.
    fingerprint: Mapped[str] = mapped_column(String(64))
    status: Mapped[str] = mapped_column(String(20), default="in_flight")
    # Who holds an in-flight record, and until when (a crashed request's hold runs out).
    lock_token: Mapped[str | None] = mapped_column(String(32))
    locked_until: Mapped[datetime | None] = mapped_column(UTCDateTime)
    response_status: Mapped[int | None] = mapped_column(Integer)
    response_body: Mapped[bytes | None] = mapped_column(LargeBinary)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    expires_at: Mapped[datetime] = mapped_column(UTCDateTime, index=True)

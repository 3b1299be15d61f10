"""The outbox: messages to the outside world (creditor webhooks, later SMS and e-mail), written in the
same transaction as the change they report and delivered later by the worker."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import JSON, ForeignKey, Index, Integer, String, Text
from sqlalchemy.orm import Mapped, mapped_column

from portal.models.base import Base, BigIntPK, UTCDateTime, utcnow

OUTBOX_STATUSES = ("pending", "sent", "failed", "cancelled")


class OutboxMessage(Base):
    """One message to deliver; a worker claims due rows (status pending, available_at passed, not locked)."""

    __tablename__ = "outbox"
    __table_args__ = (Index("ix_outbox_status_available_at", "status", "available_at"),)

    id: Mapped[int] = mapped_column(BigIntPK, primary_key=True)
    # The message's id towards the receiver (webhook-id, body "id"): the timeline event's public id.
    public_id: Mapped[str] = mapped_column(String(32), unique=True)
    channel: Mapped[str] = mapped_column(String(20), default="webhook")
    creditor_id: Mapped[int] = mapped_column(ForeignKey("creditor.id"), index=True)
    case_id: Mapped[int | None] = mapped_column(ForeignKey("case.id"), index=True)
    type: Mapped[str] = mapped_column(String(60))
    payload: Mapped[dict[str, Any]] = mapped_column(JSON)
    status: Mapped[str] = mapped_column(String(20), default="pending")
    attempts: Mapped[int] = mapped_column(Integer, default=0)
    available_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    locked_until: Mapped[datetime | None] = mapped_column(UTCDateTime)
    # The worker that leased the row (SMS and e-mail): only it records the outcome.
    claim_token: Mapped[str | None] = mapped_column(String(32))
    last_error: Mapped[str | None] = mapped_column(Text)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    sent_at: Mapped[datetime | None] = mapped_column(UTCDateTime)

"""The append-only event table: every case's timeline, with who did what and when."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import JSON, ForeignKey, Index, String
from sqlalchemy.orm import Mapped, mapped_column

from portal.models.base import Base, BigIntPK, UTCDateTime, public_id, utcnow


class Event(Base):
    """One thing that happened to a case; rows are only ever inserted."""

    __tablename__ = "event"
    __table_args__ = (
        Index("ix_event_case_id_id", "case_id", "id"),
        Index("ix_event_creditor_id_id", "creditor_id", "id"),
    )

    id: Mapped[int] = mapped_column(BigIntPK, primary_key=True)
    public_id: Mapped[str] = mapped_column(String(32), unique=True, default=lambda: public_id("evt"))
    creditor_id: Mapped[int] = mapped_column(ForeignKey("creditor.id"))
    case_id: Mapped[int | None] = mapped_column(ForeignKey("case.id"))
    type: Mapped[str] = mapped_column(String(60))
    actor: Mapped[str] = mapped_column(String(60))
    data: Mapped[dict[str, Any]] = mapped_column(JSON, default=dict)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)

"""Payments recorded against a case, whatever channel they came through."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import ForeignKey, Integer, String, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from portal.models.base import Base, BigIntPK, UTCDateTime, public_id, utcnow


class Payment(Base):
    """A confirmed payment; unique on the provider's reference so it is never counted twice."""

    __tablename__ = "payment"
    __table_args__ = (UniqueConstraint("provider", "provider_reference"),)

    id: Mapped[int] = mapped_column(BigIntPK, primary_key=True)
    public_id: Mapped[str] = mapped_column(String(32), unique=True, default=lambda: public_id("pay"))
    case_id: Mapped[int] = mapped_column(ForeignKey("case.id"), index=True)
    amount: Mapped[int] = mapped_column(Integer)
    currency: Mapped[str] = mapped_column(String(3), default="DKK")
    method: Mapped[str] = mapped_column(String(30))
    provider: Mapped[str] = mapped_column(String(30))
    provider_reference: Mapped[str] = mapped_column(String(255))
    paid_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)

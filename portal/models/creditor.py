"""The creditor: the company owed money, and the tenant boundary for all data."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import JSON, Boolean, Integer, LargeBinary, String
from sqlalchemy.orm import Mapped, mapped_column

from portal.models.base import Base, BigIntPK, UTCDateTime, public_id, utcnow

DEFAULT_BRAND_COLOR = "#1d4f91"


class Creditor(Base):
    """A creditor with its brand, contact details and policy settings."""

    __tablename__ = "creditor"

    id: Mapped[int] = mapped_column(BigIntPK, primary_key=True)
    public_id: Mapped[str] = mapped_column(String(32), unique=True, default=lambda: public_id("cre"))
    name: Mapped[str] = mapped_column(String(200))
    cvr: Mapped[str | None] = mapped_column(String(8))
    contact_email: Mapped[str | None] = mapped_column(String(254))
    contact_phone: Mapped[str | None] = mapped_column(String(20))
    contact_hours: Mapped[str | None] = mapped_column(String(200))
    website_url: Mapped[str | None] = mapped_column(String(500))
    privacy_url: Mapped[str | None] = mapped_column(String(500))
    address: Mapped[str | None] = mapped_column(String(300))
    brand_color: Mapped[str] = mapped_column(String(7), default=DEFAULT_BRAND_COLOR)
    logo: Mapped[bytes | None] = mapped_column(LargeBinary)
    logo_content_type: Mapped[str | None] = mapped_column(String(50))
    locale: Mapped[str] = mapped_column(String(5), default="da")
    fi_creditor_number: Mapped[str | None] = mapped_column(String(8))
    bank_account: Mapped[str | None] = mapped_column(String(30))
    require_postcode: Mapped[bool] = mapped_column(Boolean, default=False)
    policy: Mapped[dict[str, Any]] = mapped_column(JSON, default=dict)
    # A Stripe connected account the creditor is paid through (Connect); None pays the platform account.
    stripe_account: Mapped[str | None] = mapped_column(String(64))
    revision: Mapped[int] = mapped_column(Integer, default=1)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)

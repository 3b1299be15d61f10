"""A case (sag): one debtor's open claims at one creditor behind one link, with invoices and fees."""

from __future__ import annotations

from datetime import date, datetime
from typing import Any

from sqlalchemy import JSON, Date, ForeignKey, Integer, String, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column, relationship

from portal.models.base import Base, BigIntPK, UTCDateTime, public_id, random_id, utcnow
from portal.models.creditor import Creditor
from portal.models.debtor import Debtor

CASE_STATUSES = ("open", "paid", "closed", "cancelled")
CLOSED_STATUSES = ("paid", "closed", "cancelled")
LINK_ID_LENGTH = 10


def new_link_id() -> str:
    """Return a short random link id; the signature, not the id, makes the link unforgeable."""
    return random_id(LINK_ID_LENGTH)


class Case(Base):
    """One debtor's claims at one creditor; the link id and version make up its one-click link."""

    __tablename__ = "case"
    __table_args__ = (UniqueConstraint("creditor_id", "external_id"),)

    id: Mapped[int] = mapped_column(BigIntPK, primary_key=True)
    public_id: Mapped[str] = mapped_column(String(32), unique=True, default=lambda: public_id("cas"))
    creditor_id: Mapped[int] = mapped_column(ForeignKey("creditor.id"), index=True)
    debtor_id: Mapped[int] = mapped_column(ForeignKey("debtor.id"), index=True)
    external_id: Mapped[str] = mapped_column(String(100))
    status: Mapped[str] = mapped_column(String(20), default="open")
    currency: Mapped[str] = mapped_column(String(3), default="DKK")
    outstanding: Mapped[int] = mapped_column(Integer, default=0)
    # Overrides of the creditor's policy for this case only (the creditor API may set them).
    policy: Mapped[dict[str, Any] | None] = mapped_column(JSON)
    link_id: Mapped[str] = mapped_column(String(16), unique=True, default=new_link_id)
    link_version: Mapped[int] = mapped_column(Integer, default=1)
    link_fetched_version: Mapped[int] = mapped_column(Integer, default=0)
    link_engaged_version: Mapped[int] = mapped_column(Integer, default=0)
    # Bumped on every change to what the debtor sees (portal.services.revisions), so renderings can be reused.
    revision: Mapped[int] = mapped_column(Integer, default=1)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow, onupdate=utcnow)
    closed_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    # Why reminder nudges are paused (portal.services.nudges) and until when; None = not paused / no end.
    nudges_paused_reason: Mapped[str | None] = mapped_column(String(20))
    nudges_paused_until: Mapped[datetime | None] = mapped_column(UTCDateTime)

    creditor: Mapped[Creditor] = relationship(lazy="raise")
    debtor: Mapped[Debtor] = relationship(lazy="raise")
    invoices: Mapped[list[Invoice]] = relationship(
        back_populates="case", lazy="raise", order_by="Invoice.due_on, Invoice.id"
    )
    fees: Mapped[list[Fee]] = relationship(lazy="raise", order_by="Fee.id")


class Invoice(Base):
    """One claim inside a case; its lines add up to its amount."""

    __tablename__ = "invoice"
    __table_args__ = (UniqueConstraint("case_id", "number"),)

    id: Mapped[int] = mapped_column(BigIntPK, primary_key=True)
    case_id: Mapped[int] = mapped_column(ForeignKey("case.id", ondelete="CASCADE"), index=True)
    number: Mapped[str] = mapped_column(String(64))
    issued_on: Mapped[date] = mapped_column(Date)
    due_on: Mapped[date] = mapped_column(Date)
    amount: Mapped[int] = mapped_column(Integer)

    case: Mapped[Case] = relationship(back_populates="invoices", lazy="raise")
    lines: Mapped[list[InvoiceLine]] = relationship(lazy="raise", order_by="InvoiceLine.position")


class InvoiceLine(Base):
    """A line of an invoice: what the money is for."""

    __tablename__ = "invoice_line"

    id: Mapped[int] = mapped_column(BigIntPK, primary_key=True)
    invoice_id: Mapped[int] = mapped_column(ForeignKey("invoice.id", ondelete="CASCADE"), index=True)
    position: Mapped[int] = mapped_column(Integer, default=0)
    description: Mapped[str] = mapped_column(String(300))
    amount: Mapped[int] = mapped_column(Integer)


class Fee(Base):
    """A fee the creditor supplied (e.g. rykkergebyr); the portal never invents one."""

    __tablename__ = "fee"

    id: Mapped[int] = mapped_column(BigIntPK, primary_key=True)
    case_id: Mapped[int] = mapped_column(ForeignKey("case.id", ondelete="CASCADE"), index=True)
    kind: Mapped[str] = mapped_column(String(40))
    amount: Mapped[int] = mapped_column(Integer)
    description: Mapped[str] = mapped_column(String(300))
    charged_on: Mapped[date | None] = mapped_column(Date)

"""The debtor's answers other than paying: a dispute (with evidence files), a promise to pay, an "already
paid" report and a call-back request. Each row belongs to one case; the newest of each kind is what the
debtor and the creditor see."""

from __future__ import annotations

from datetime import date, datetime

from sqlalchemy import Date, ForeignKey, Index, Integer, String, Text, text
from sqlalchemy.orm import Mapped, mapped_column

from portal.models.base import Base, BigIntPK, UTCDateTime, public_id, utcnow

DISPUTE_REASONS = ("already_paid", "wrong_amount", "product_or_service", "not_my_debt", "other")
DISPUTE_OUTCOMES = ("accepted", "rejected", "adjusted")
PROMISE_STATUSES = ("active", "kept", "broken")
PAYMENT_CHANNELS = ("bank_transfer", "fi_card", "betalingsservice", "other")
CALLBACK_WINDOWS = ("morning", "midday", "afternoon", "any")
DISPUTE_TEXT_MAX = 2000
_OPEN = text("status = 'open'")
_ACTIVE = text("status = 'active'")


class Dispute(Base):
    """An indsigelse: the debtor contests the claim; open until the creditor resolves it."""

    __tablename__ = "dispute"
    # At most one open dispute per case: a second would only repeat the first.
    __table_args__ = (
        Index("ix_dispute_one_open_per_case", "case_id", unique=True, sqlite_where=_OPEN, postgresql_where=_OPEN),
    )

    id: Mapped[int] = mapped_column(BigIntPK, primary_key=True)
    public_id: Mapped[str] = mapped_column(String(32), unique=True, default=lambda: public_id("dsp"))
    case_id: Mapped[int] = mapped_column(ForeignKey("case.id"), index=True)
    reason: Mapped[str] = mapped_column(String(30))
    text: Mapped[str] = mapped_column(Text, default="")
    status: Mapped[str] = mapped_column(String(20), default="open")
    outcome: Mapped[str | None] = mapped_column(String(20))
    resolution_message: Mapped[str | None] = mapped_column(Text)
    resolved_by: Mapped[str | None] = mapped_column(String(60))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    resolved_at: Mapped[datetime | None] = mapped_column(UTCDateTime)


class DisputeFile(Base):
    """An evidence file of a dispute, stored outside static/ under a random name (never the debtor's)."""

    __tablename__ = "dispute_file"

    id: Mapped[int] = mapped_column(BigIntPK, primary_key=True)
    public_id: Mapped[str] = mapped_column(String(32), unique=True, default=lambda: public_id("dfl"))
    dispute_id: Mapped[int] = mapped_column(ForeignKey("dispute.id"), index=True)
    case_id: Mapped[int] = mapped_column(ForeignKey("case.id"), index=True)
    stored_name: Mapped[str] = mapped_column(String(64), unique=True)
    filename: Mapped[str] = mapped_column(String(120))  # the debtor's name for it, sanitised, for display only
    content_type: Mapped[str] = mapped_column(String(40))
    size: Mapped[int] = mapped_column(Integer)
    sha256: Mapped[str] = mapped_column(String(64))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)


class Promise(Base):
    """ "I will pay on …": active until the case is paid (kept) or the date plus grace passes unpaid (broken)."""

    __tablename__ = "promise"
    __table_args__ = (
        Index("ix_promise_one_active_per_case", "case_id", unique=True, sqlite_where=_ACTIVE, postgresql_where=_ACTIVE),
        Index("ix_promise_status_deadline_at", "status", "deadline_at"),
    )

    id: Mapped[int] = mapped_column(BigIntPK, primary_key=True)
    public_id: Mapped[str] = mapped_column(String(32), unique=True, default=lambda: public_id("prm"))
    case_id: Mapped[int] = mapped_column(ForeignKey("case.id"), index=True)
    promised_on: Mapped[date] = mapped_column(Date)
    # The end of the promised day plus the policy's grace days, Copenhagen time (stored in UTC).
    deadline_at: Mapped[datetime] = mapped_column(UTCDateTime)
    status: Mapped[str] = mapped_column(String(20), default="active")
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    settled_at: Mapped[datetime | None] = mapped_column(UTCDateTime)


class PaidReport(Base):
    """ "Jeg har allerede betalt": when, how much and how the debtor says they paid outside the portal."""

    __tablename__ = "paid_report"

    id: Mapped[int] = mapped_column(BigIntPK, primary_key=True)
    public_id: Mapped[str] = mapped_column(String(32), unique=True, default=lambda: public_id("apr"))
    case_id: Mapped[int] = mapped_column(ForeignKey("case.id"), index=True)
    paid_on: Mapped[date] = mapped_column(Date)
    amount: Mapped[int] = mapped_column(Integer)
    channel: Mapped[str] = mapped_column(String(20))
    reference: Mapped[str | None] = mapped_column(String(100))
    paused_until: Mapped[datetime] = mapped_column(UTCDateTime)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)


class CallbackRequest(Base):
    """ "Ring mig op": the number to call (E.164) and the part of the day that suits the debtor."""

    __tablename__ = "callback_request"

    id: Mapped[int] = mapped_column(BigIntPK, primary_key=True)
    public_id: Mapped[str] = mapped_column(String(32), unique=True, default=lambda: public_id("cbr"))
    case_id: Mapped[int] = mapped_column(ForeignKey("case.id"), index=True)
    phone: Mapped[str] = mapped_column(String(20))
    window: Mapped[str] = mapped_column(String(20))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)

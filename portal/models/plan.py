"""A payment plan (afdragsordning): the instalments a debtor asked for, and how far they are paid."""

from __future__ import annotations

from datetime import date, datetime
from typing import Any

from sqlalchemy import JSON, Date, ForeignKey, Index, Integer, String, text
from sqlalchemy.orm import Mapped, mapped_column

from portal.models.base import Base, BigIntPK, UTCDateTime, public_id, utcnow

PLAN_STATUSES = ("requested", "approved", "rejected", "defaulted", "completed", "cancelled")
CURRENT_PLAN_STATUSES = ("requested", "approved")
_CURRENT = text("status IN ('requested', 'approved')")


class PaymentPlan(Base):
    """One plan request and, once approved, the agreement.

    The schedule is the agreed list of instalments ({"number", "due_on", "amount"}), fixed when the
    plan is made; `paid` is the money allocated to it, instalment by instalment in order, so an
    instalment's state is read from the two and never stored twice. `next_due_on` is the due date of
    the first instalment not fully paid (None once all are). At most one plan per case is requested
    or approved at a time (a partial unique index).
    """

    __tablename__ = "payment_plan"
    __table_args__ = (
        Index("ix_payment_plan_one_current_per_case", "case_id", unique=True, sqlite_where=_CURRENT,
              postgresql_where=_CURRENT),
        Index("ix_payment_plan_status_grace_ends_on", "status", "grace_ends_on"),
    )  # fmt: skip

    id: Mapped[int] = mapped_column(BigIntPK, primary_key=True)
    public_id: Mapped[str] = mapped_column(String(32), unique=True, default=lambda: public_id("pln"))
    case_id: Mapped[int] = mapped_column(ForeignKey("case.id"), index=True)
    status: Mapped[str] = mapped_column(String(20), default="requested")
    currency: Mapped[str] = mapped_column(String(3))
    total: Mapped[int] = mapped_column(Integer)
    installment_count: Mapped[int] = mapped_column(Integer)
    schedule: Mapped[list[dict[str, Any]]] = mapped_column(JSON)
    paid: Mapped[int] = mapped_column(Integer, default=0)
    next_due_on: Mapped[date | None] = mapped_column(Date)
    # The last day the next instalment may be paid before the plan defaults (its due date + grace days).
    grace_ends_on: Mapped[date | None] = mapped_column(Date)
    # A term fixed when the plan is made: the days of grace for a late instalment.
    grace_days: Mapped[int] = mapped_column(Integer)
    locale: Mapped[str] = mapped_column(String(5))
    creditor_message: Mapped[str | None] = mapped_column(String(1000))
    # Who decided: "system" (approved at once within the policy), "api", or a staff actor.
    decided_by: Mapped[str | None] = mapped_column(String(40))
    requested_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    decided_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    ended_at: Mapped[datetime | None] = mapped_column(UTCDateTime)

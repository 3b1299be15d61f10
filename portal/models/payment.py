"""Payments recorded against a case, and the attempts a debtor makes to pay through a provider."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import ForeignKey, Index, Integer, String, UniqueConstraint, text
from sqlalchemy.orm import Mapped, mapped_column

from portal.models.base import Base, BigIntPK, UTCDateTime, public_id, random_id, utcnow

PAYMENT_METHODS = ("mobilepay", "card")
# An attempt is open until the provider's session is paid, fails, expires or is replaced by a newer one.
ATTEMPT_STATUSES = ("open", "pending", "paid", "failed", "expired", "cancelled")
UNSETTLED_ATTEMPT_STATUSES = ("open", "pending")
_UNSETTLED = text("status IN ('open', 'pending')")


def new_idempotency_key() -> str:
    """A random key the provider uses to create an attempt's checkout session at most once."""
    return f"betal_{random_id(32)}"


class PaymentAttempt(Base):
    """One press of a pay button: an amount, a method and the provider's checkout session for it.

    At most one attempt per case is open or pending at a time (a partial unique index), so two tabs
    can never both hold a payable checkout session for the same case.
    """

    __tablename__ = "payment_attempt"
    __table_args__ = (
        UniqueConstraint("provider", "provider_session_id"),
        Index(
            "ix_payment_attempt_one_unsettled_per_case",
            "case_id",
            unique=True,
            sqlite_where=_UNSETTLED,
            postgresql_where=_UNSETTLED,
        ),
    )

    id: Mapped[int] = mapped_column(BigIntPK, primary_key=True)
    public_id: Mapped[str] = mapped_column(String(32), unique=True, default=lambda: public_id("pat"))
    case_id: Mapped[int] = mapped_column(ForeignKey("case.id"), index=True)
    amount: Mapped[int] = mapped_column(Integer)
    currency: Mapped[str] = mapped_column(String(3))
    method: Mapped[str] = mapped_column(String(20))
    locale: Mapped[str] = mapped_column(String(5))
    provider: Mapped[str] = mapped_column(String(20))
    # A Stripe connected account the session was created on, so later calls go to the same account.
    provider_account: Mapped[str | None] = mapped_column(String(64))
    provider_session_id: Mapped[str | None] = mapped_column(String(255))
    checkout_url: Mapped[str | None] = mapped_column(String(2000))
    idempotency_key: Mapped[str] = mapped_column(String(64), unique=True, default=new_idempotency_key)
    status: Mapped[str] = mapped_column(String(20), default="open")
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    expires_at: Mapped[datetime] = mapped_column(UTCDateTime)
    settled_at: Mapped[datetime | None] = mapped_column(UTCDateTime)


class Payment(Base):
    """A confirmed payment; unique on the provider's reference so it is never counted twice."""

    __tablename__ = "payment"
    __table_args__ = (UniqueConstraint("provider", "provider_reference"),)

    id: Mapped[int] = mapped_column(BigIntPK, primary_key=True)
    public_id: Mapped[str] = mapped_column(String(32), unique=True, default=lambda: public_id("pay"))
    case_id: Mapped[int] = mapped_column(ForeignKey("case.id"), index=True)
    attempt_id: Mapped[int | None] = mapped_column(ForeignKey("payment_attempt.id"), index=True)
    amount: Mapped[int] = mapped_column(Integer)
    currency: Mapped[str] = mapped_column(String(3), default="DKK")
    method: Mapped[str] = mapped_column(String(30))
    provider: Mapped[str] = mapped_column(String(30))
    provider_reference: Mapped[str] = mapped_column(String(255))
    # The part of the amount that was more than the case still owed (flagged, never dropped).
    overpaid: Mapped[int] = mapped_column(Integer, default=0, server_default="0")
    # How much the provider has refunded of this payment so far (a running total).
    refunded: Mapped[int] = mapped_column(Integer, default=0, server_default="0")
    # What the case still owed right after this payment, for the receipt.
    balance_after: Mapped[int | None] = mapped_column(Integer)
    disputed_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    paid_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)


class ProviderEvent(Base):
    """A provider event (e.g. a Stripe webhook) already applied; the unique id makes redelivery harmless."""

    __tablename__ = "provider_event"
    __table_args__ = (UniqueConstraint("provider", "event_id"),)

    id: Mapped[int] = mapped_column(BigIntPK, primary_key=True)
    provider: Mapped[str] = mapped_column(String(20))
    event_id: Mapped[str] = mapped_column(String(255))
    type: Mapped[str] = mapped_column(String(80))
    received_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)

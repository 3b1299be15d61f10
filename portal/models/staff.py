"""Customer-service staff: accounts with a second factor, their recovery codes, and the audit trail."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import JSON, ForeignKey, Index, Integer, String, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from portal.models.base import Base, BigIntPK, UTCDateTime, public_id, random_id, utcnow
from portal.models.case import Case, Invoice
from portal.models.debtor import Debtor

STAFF_ROLES = ("agent", "admin")


def new_session_stamp() -> str:
    """A random stamp; changing it ends every session of the user."""
    return random_id(24)


class StaffUser(Base):
    """A staff account: operator staff (no creditor) see every creditor, a creditor's staff only its cases."""

    __tablename__ = "staff_user"

    id: Mapped[int] = mapped_column(BigIntPK, primary_key=True)
    public_id: Mapped[str] = mapped_column(String(32), unique=True, default=lambda: public_id("stf"))
    email: Mapped[str] = mapped_column(String(254), unique=True)
    role: Mapped[str] = mapped_column(String(10), default="agent")
    creditor_id: Mapped[int | None] = mapped_column(ForeignKey("creditor.id"), index=True)
    password_hash: Mapped[str] = mapped_column(String(200))
    # Base32 TOTP secret; confirmed once the user has typed a first code from the authenticator app.
    totp_secret: Mapped[str | None] = mapped_column(String(64))
    totp_confirmed_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    # The last accepted TOTP time step: a code is accepted once, never again (replay).
    totp_last_step: Mapped[int] = mapped_column(Integer, default=0)
    failed_logins: Mapped[int] = mapped_column(Integer, default=0)
    locked_until: Mapped[datetime | None] = mapped_column(UTCDateTime)
    # Copied into the session at login and compared on every request; logout replaces it.
    session_stamp: Mapped[str] = mapped_column(String(32), default=new_session_stamp)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    last_login_at: Mapped[datetime | None] = mapped_column(UTCDateTime)


class StaffRecoveryCode(Base):
    """A single-use recovery code, stored as a hash; used when the authenticator app is lost."""

    __tablename__ = "staff_recovery_code"
    __table_args__ = (UniqueConstraint("staff_user_id", "code_hash"),)

    id: Mapped[int] = mapped_column(BigIntPK, primary_key=True)
    staff_user_id: Mapped[int] = mapped_column(ForeignKey("staff_user.id", ondelete="CASCADE"))
    code_hash: Mapped[str] = mapped_column(String(64))
    used_at: Mapped[datetime | None] = mapped_column(UTCDateTime)


class StaffAudit(Base):
    """Who looked at or changed what, when and from where; rows are only ever inserted."""

    __tablename__ = "staff_audit"
    __table_args__ = (
        Index("ix_staff_audit_debtor_id_id", "debtor_id", "id"),
        Index("ix_staff_audit_case_id_id", "case_id", "id"),
    )

    id: Mapped[int] = mapped_column(BigIntPK, primary_key=True)
    staff_user_id: Mapped[int | None] = mapped_column(ForeignKey("staff_user.id"), index=True)
    # Kept as text too, so the trail still names the person if the account is ever removed.
    staff_email: Mapped[str] = mapped_column(String(254))
    action: Mapped[str] = mapped_column(String(60))
    creditor_id: Mapped[int | None] = mapped_column(ForeignKey("creditor.id"))
    case_id: Mapped[int | None] = mapped_column(ForeignKey("case.id"))
    debtor_id: Mapped[int | None] = mapped_column(ForeignKey("debtor.id"))
    ip: Mapped[str | None] = mapped_column(String(45))
    data: Mapped[dict[str, Any]] = mapped_column(JSON, default=dict)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)


# Indexes for the staff search on other nouns' tables. The name index is a trigram GIN index on
# PostgreSQL, so a name search with ILIKE '%…%' does not read every debtor (a plain B-tree on SQLite).
Index("ix_debtor_phone", Debtor.phone)
Index("ix_debtor_email", Debtor.email)
Index("ix_case_external_id", Case.external_id)
Index("ix_invoice_number", Invoice.number)
Index("ix_debtor_name", Debtor.name, postgresql_using="gin", postgresql_ops={"name": "gin_trgm_ops"})

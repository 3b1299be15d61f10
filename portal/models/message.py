"""Reminder flows and their messages: a creditor's flow and template overrides, each case's place in its
flow, and one row per SMS or e-mail queued (the unique case + step makes sending a step idempotent)."""

from __future__ import annotations

from datetime import date, datetime
from typing import Any

from sqlalchemy import JSON, Date, ForeignKey, Index, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from portal.models.base import Base, BigIntPK, UTCDateTime, public_id, utcnow

MESSAGE_CHANNELS = ("sms", "email")
MESSAGE_STATUSES = ("queued", "sent", "failed", "skipped", "cancelled")


class MessageFlow(Base):
    """A creditor's own flow (without a row the default flow applies)."""

    __tablename__ = "message_flow"

    id: Mapped[int] = mapped_column(BigIntPK, primary_key=True)
    creditor_id: Mapped[int] = mapped_column(ForeignKey("creditor.id"), unique=True)
    # [{"day": 1, "channel": "sms", "template": "reminder_1", "template_b": "reminder_1b"}, …]
    steps: Mapped[list[dict[str, Any]]] = mapped_column(JSON)
    quiet_start: Mapped[str | None] = mapped_column(String(5))  # "21:00"; None: the portal's setting
    quiet_end: Mapped[str | None] = mapped_column(String(5))
    sms_sender: Mapped[str | None] = mapped_column(String(11))
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow, onupdate=utcnow)


class MessageTemplate(Base):
    """A creditor's override of a shipped template for one channel, language and name."""

    __tablename__ = "message_template"
    __table_args__ = (UniqueConstraint("creditor_id", "channel", "locale", "name"),)

    id: Mapped[int] = mapped_column(BigIntPK, primary_key=True)
    creditor_id: Mapped[int] = mapped_column(ForeignKey("creditor.id"), index=True)
    channel: Mapped[str] = mapped_column(String(10))
    locale: Mapped[str] = mapped_column(String(5))
    name: Mapped[str] = mapped_column(String(40))
    subject: Mapped[str | None] = mapped_column(String(200))
    text: Mapped[str] = mapped_column(Text)
    html: Mapped[str | None] = mapped_column(Text)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow, onupdate=utcnow)


class CaseFlow(Base):
    """Where a case stands in its creditor's flow: when to look at it next, and which channels are stopped."""

    __tablename__ = "case_flow"
    __table_args__ = (Index("ix_case_flow_state_next_at", "state", "next_at"),)

    id: Mapped[int] = mapped_column(BigIntPK, primary_key=True)
    case_id: Mapped[int] = mapped_column(ForeignKey("case.id", ondelete="CASCADE"), unique=True)
    creditor_id: Mapped[int] = mapped_column(ForeignKey("creditor.id"), index=True)
    state: Mapped[str] = mapped_column(String(10), default="active")  # active | done
    next_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    # The pause the last look waited on (plan, dispute …): a resumed case is woken without waiting for next_at.
    waiting_on: Mapped[str | None] = mapped_column(String(20), index=True)
    # Why a channel stopped for this case (invalid number, hard bounce, unsubscribed); None = open.
    sms_stopped: Mapped[str | None] = mapped_column(String(40))
    email_stopped: Mapped[str | None] = mapped_column(String(40))


class Message(Base):
    """One SMS, e-mail or hand-over of a case; the text is rendered when it is sent, never stored."""

    __tablename__ = "message"
    __table_args__ = (
        UniqueConstraint("case_id", "step"),
        Index("ix_message_case_id_local_day", "case_id", "local_day"),
    )

    id: Mapped[int] = mapped_column(BigIntPK, primary_key=True)
    public_id: Mapped[str] = mapped_column(String(32), unique=True, default=lambda: public_id("msg"))
    creditor_id: Mapped[int] = mapped_column(ForeignKey("creditor.id"), index=True)
    case_id: Mapped[int] = mapped_column(ForeignKey("case.id", ondelete="CASCADE"))
    kind: Mapped[str] = mapped_column(String(10), default="flow")  # flow | link (sent on request)
    step: Mapped[str | None] = mapped_column(String(20))  # "day1"; None for a link sent on request
    channel: Mapped[str] = mapped_column(String(10))  # sms | email | handover
    template: Mapped[str | None] = mapped_column(String(40))
    variant: Mapped[str | None] = mapped_column(String(1))
    locale: Mapped[str] = mapped_column(String(5), default="da")
    status: Mapped[str] = mapped_column(String(10), default="queued")
    reason: Mapped[str | None] = mapped_column(String(60))
    provider_ref: Mapped[str | None] = mapped_column(String(100), index=True)
    local_day: Mapped[date] = mapped_column(Date)  # the Copenhagen day it was queued (one per day)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    sent_at: Mapped[datetime | None] = mapped_column(UTCDateTime)

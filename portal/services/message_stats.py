"""Which wording works better: per flow step, template and variant, how many cases got it, opened the link
afterwards, and are paid. For the staff dashboard (and anyone comparing the two variants of a step)."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import case, exists, func, select
from sqlalchemy.orm import Session

from portal.models import Case, Event, Message


@dataclass(frozen=True)
class VariantResult:
    """One step's wording and what followed it."""

    step: str
    channel: str
    template: str
    variant: str | None
    sent: int
    engaged: int  # the link was opened with Fortsæt after this message
    paid: int


def variant_results(
    session: Session, creditor_id: int, *, since: datetime | None = None, until: datetime | None = None
) -> list[VariantResult]:
    """Flow messages sent by the creditor (in a period), grouped by step, template and variant."""
    engaged = exists(
        select(Event.id).where(
            Event.case_id == Message.case_id, Event.type == "link.engaged", Event.created_at >= Message.sent_at
        )
    )
    query = (
        select(
            Message.step,
            Message.channel,
            Message.template,
            Message.variant,
            func.count(Message.id),
            func.sum(case((engaged, 1), else_=0)),
            func.sum(case((Case.status == "paid", 1), else_=0)),
        )
        .join(Case, Case.id == Message.case_id)
        .where(Message.creditor_id == creditor_id, Message.kind == "flow", Message.status == "sent")
        .where(Message.channel.in_(("sms", "email")))
        .group_by(Message.step, Message.channel, Message.template, Message.variant)
        .order_by(Message.step, Message.variant)
    )
    if since is not None:
        query = query.where(Message.sent_at >= since)
    if until is not None:
        query = query.where(Message.sent_at < until)
    return [VariantResult(*row[:4], int(row[4]), int(row[5] or 0), int(row[6] or 0)) for row in session.execute(query)]

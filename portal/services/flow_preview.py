"""What a case's flow will do: every step with its time in Copenhagen, channel, template, variant and state."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, time

from sqlalchemy import select
from sqlalchemy.orm import Session

from portal.models import Case, CaseFlow, Debtor, Message
from portal.services import flows, messages, nudges
from portal.services.flows import HANDOVER


@dataclass(frozen=True)
class PlannedStep:
    """One step of a case's flow as things stand."""

    key: str
    at: datetime | None  # UTC; None when the case has no due date
    channel: str
    template: str | None
    variant: str | None
    state: str  # sent, queued, skipped (why), failed, cancelled, missed, due, upcoming, blocked (why)


def _state(step, done: dict[str, Message], at: datetime | None, case: Case, due, blocked, stop, now) -> str:
    """The words for one step's state."""
    if step.key in done:
        message = done[step.key]
        return f"{message.status} ({message.reason})" if message.reason else message.status
    if at is None or flows.missed(case, due, step):
        return "missed (before the case arrived)"
    if blocked:
        return f"blocked: {blocked}"
    if stop:
        return f"channel stopped: {stop}"
    return "due" if at <= now else "upcoming"


def preview(session: Session, case: Case, *, now: datetime, quiet: tuple[time, time]) -> list[PlannedStep]:
    """Every step of the case's flow with what has happened or would happen."""
    flow = flows.load(session, case.creditor_id, quiet=quiet)
    due = flows.due_date(session, case.id)
    done = {
        m.step: m for m in session.scalars(select(Message).where(Message.case_id == case.id, Message.step.is_not(None)))
    }
    state = session.scalars(select(CaseFlow).where(CaseFlow.case_id == case.id)).one_or_none()
    debtor = session.get(Debtor, case.debtor_id)
    blocked = nudges.blocked_reason(case, now)
    planned = []
    for step in flow.steps:
        at = flows.step_time(due, step, flow) if due else None
        variant, template = flows.variant(case.public_id, step) if step.channel != HANDOVER else (None, None)
        stop = None
        if step.channel != HANDOVER:
            stop = messages.stopped(state, step.channel) or (
                None if messages.address(debtor, step.channel) else "no address"
            )
        message = done.get(step.key)
        if message is not None and message.template:
            template, variant = message.template, message.variant
        planned.append(PlannedStep(step.key, at, step.channel, template, variant,
                                   _state(step, done, at, case, due, blocked, stop, now)))  # fmt: skip
    return planned

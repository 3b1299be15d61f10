"""Running the flows: enrol open cases, take the ones whose next look is due, and move each a step on.

Every case has a flow state row with the time of its next look (`next_at`), so a worker pass reads only
the cases with something to do. A look asks `nudges.blocked_reason` first (paid, cancelled, plan,
dispute, promise, already paid, staff): a paused case is looked at again when its pause ends, and a
case whose pause was ended early (`nudges.resume`) is woken by the next enrolment sweep (every
PORTAL_FLOW_ENROL_SECONDS, at most an hour in any case). Then quiet hours (SMS only) and one
message per case per Copenhagen day; a step that must wait is looked at again when it may go.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, time, timedelta

from sqlalchemy import exists, insert, or_, select, update
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from portal.models import CLOSED_STATUSES, Case, CaseFlow, Debtor, Message, utcnow
from portal.services import flows, messages, nudges
from portal.services.flows import HANDOVER, Flow, Step

RECHECK = timedelta(hours=1)  # a paused case without an end is looked at again this often
LEASE = timedelta(minutes=5)  # a worker that dies mid-look leaves its cases for this long


@dataclass(frozen=True)
class Look:
    """What one look at a case did: an outcome word and when to look again (None: the flow is over)."""

    outcome: str
    next_at: datetime | None


def enrol(session: Session, *, limit: int, now: datetime) -> int:
    """Give open cases without a flow state one, to be looked at now; return how many."""
    missing = (
        select(Case.id, Case.creditor_id)
        .where(Case.status == "open", ~exists(select(CaseFlow.id).where(CaseFlow.case_id == Case.id)))
        .order_by(Case.id)
        .limit(limit)
    )
    rows = [{"case_id": r.id, "creditor_id": r.creditor_id, "state": "active", "next_at": now}
            for r in session.execute(missing)]  # fmt: skip
    if rows:
        try:
            with session.begin_nested():
                session.execute(insert(CaseFlow), rows)
        except IntegrityError:  # another worker enrolled some of them first; the next pass takes the rest
            return 0
    return len(rows)


def wake(session: Session, *, now: datetime) -> int:
    """Look at once at the cases whose pause ended (a broken promise, a rejected dispute, staff resumed)."""
    resumed = select(Case.id).where(
        or_(Case.nudges_paused_reason.is_(None), Case.nudges_paused_until <= now), Case.status == "open"
    )
    statement = (
        update(CaseFlow)
        .where(CaseFlow.waiting_on.is_not(None), CaseFlow.state == "active", CaseFlow.case_id.in_(resumed))
        .values(next_at=now, waiting_on=None)
    )
    return session.execute(statement.execution_options(synchronize_session=False)).rowcount


def claim(session: Session, *, limit: int, now: datetime) -> list[int]:
    """Take up to `limit` cases whose next look is due (moved a lease ahead, so no other worker takes them)."""
    due = (
        select(CaseFlow.id)
        .where(CaseFlow.state == "active", CaseFlow.next_at <= now)
        .order_by(CaseFlow.next_at)
        .limit(limit)
        .with_for_update(skip_locked=True)
    )
    statement = (
        update(CaseFlow)
        .where(CaseFlow.id.in_(due), CaseFlow.next_at <= now)
        .values(next_at=now + LEASE)
        .returning(CaseFlow.case_id)
    )
    return list(session.execute(statement.execution_options(synchronize_session=False)).scalars())


def _steps_done(session: Session, case_id: int) -> set[str]:
    """Keys of the case's steps already sent, queued, skipped or handed over."""
    query = select(Message.step).where(Message.case_id == case_id, Message.step.is_not(None))
    return set(session.scalars(query))


def look(session: Session, case: Case, flow: Flow, *, now: datetime) -> Look:
    """Move one case on in its flow at `now`: queue the due step, or say why not and when to look again."""
    if case.status in CLOSED_STATUSES:
        return Look(case.status, None)
    if blocked := nudges.blocked_reason(case, now):
        return Look(blocked, case.nudges_paused_until or now + RECHECK)
    due = flows.due_date(session, case.id)
    done = _steps_done(session, case.id)
    pending = [s for s in flow.steps if s.key not in done and due and not flows.missed(case, due, s)]
    ready = [s for s in pending if flows.step_time(due, s, flow) <= now]
    if not ready:
        return Look("waiting", flows.step_time(due, pending[0], flow)) if pending else Look("finished", None)
    step, today = ready[-1], flows.local(now).date()
    for superseded in ready[:-1]:
        messages.record_step(session, case, step=superseded.key, channel=superseded.channel, status="skipped",
                             reason="superseded", day=today, now=now)  # fmt: skip
    if step.channel == HANDOVER:
        messages.handover(session, case, step=step.key, day_number=step.day, local_day=today, now=now)
        return Look("handover", _after(due, pending, step, flow, now))
    return _send(session, case, flow, step, due=due, pending=pending, now=now)


def _after(due, pending: list[Step], step: Step, flow: Flow, now: datetime) -> datetime | None:
    """When to look again after a step: the next step's time (not before tomorrow), or None when none is left."""
    later = pending[pending.index(step) + 1 :]
    return max(flows.step_time(due, later[0], flow), flows.next_day(now, flow)) if later else None


def _send(session: Session, case: Case, flow: Flow, step: Step, *, due, pending, now: datetime) -> Look:
    """Queue a message step unless the channel, quiet hours or one-a-day rule says otherwise."""
    debtor = session.get(Debtor, case.debtor_id)
    state = session.scalars(select(CaseFlow).where(CaseFlow.case_id == case.id)).one_or_none()
    today = flows.local(now).date()
    reason = messages.stopped(state, step.channel) or (None if messages.address(debtor, step.channel) else "no_address")
    if reason:
        messages.record_step(session, case, step=step.key, channel=step.channel, status="skipped", reason=reason,
                             day=today, now=now)  # fmt: skip
        return Look("skipped", _after(due, pending, step, flow, now) or None)
    if messages.sent_on(session, case.id, today):
        return Look("one_per_day", flows.next_day(now, flow))
    if step.channel == messages.SMS and flows.in_quiet_hours(now, flow):
        return Look("quiet_hours", flows.quiet_hours_end(now, flow))
    variant, template = flows.variant(case.public_id, step)
    messages.queue(session, case, channel=step.channel, template=template, locale=debtor.locale, day=today,
                   now=now, step=step.key, variant=variant)  # fmt: skip
    return Look("queued", _after(due, pending, step, flow, now))


def advance(session: Session, case_id: int, *, now: datetime, quiet: tuple[time, time], flows_by_creditor=None) -> Look:
    """Look at one case and store when to look again (in the caller's transaction)."""
    case = session.get(Case, case_id)
    cache = flows_by_creditor if flows_by_creditor is not None else {}
    if case.creditor_id not in cache:
        cache[case.creditor_id] = flows.load(session, case.creditor_id, quiet=quiet)
    result = look(session, case, cache[case.creditor_id], now=now)
    state = messages.state_for(session, case)
    state.state, state.next_at = ("active", result.next_at) if result.next_at else ("done", state.next_at)
    state.waiting_on = result.outcome if result.outcome in nudges.PAUSE_REASONS else None
    return result


def run(session: Session, *, now: datetime | None = None, quiet: tuple[time, time], limit: int = 200,
        enrol_cases: bool = True) -> int:  # fmt: skip
    """One pass: enrol new open cases, then look at every due one (each in its own savepoint).

    Returns how many looks queued a message or handed a case over: work for the next tasks (a look that
    only decided to wait is not, so `worker run --once` ends when nothing more can go out).
    """
    now = now or utcnow()
    if enrol_cases:  # both scan more than the due rows: the worker runs them now and then
        enrol(session, limit=limit, now=now)
        wake(session, now=now)
    cache: dict = {}
    acted = 0
    for case_id in claim(session, limit=limit, now=now):
        try:
            with session.begin_nested():
                look_ = advance(session, case_id, now=now, quiet=quiet, flows_by_creditor=cache)
        except IntegrityError:  # another look queued this step first: nothing to do twice
            continue
        acted += look_.outcome in ("queued", "handover")
    return acted

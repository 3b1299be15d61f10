"""The outcome dashboard: per creditor and period, the funnel from case to paid, and the headline share.

The cohort is the cases created in the period. A step counts a case once, however often it happened.
The headline is the share of the cohort resolved or answered (any debtor action, or paid) before the
formal reminder: the earliest due date plus the creditor's `formal_reminder_day` (default 12) days.
"""

from __future__ import annotations

import csv
import io
import statistics
from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta

from flask_babel import lazy_gettext as _l
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from portal.i18n import COPENHAGEN
from portal.models import Case, Creditor, Event, Invoice, StaffUser
from portal.services import message_stats
from portal.services.staff_cases import scoped

DEFAULT_FORMAL_REMINDER_DAY = 12
ACTION_TYPES = (
    "payment.started",
    "payment_plan.requested",
    "dispute.opened",
    "promise.created",
    "already_paid.reported",
    "callback.requested",
)
# (key, label, event types that put a case in the step)
STEPS = (
    ("messages_sent", _l("Message sent"), ("message.sent",)),
    ("fetched", _l("Link fetched"), ("link.fetched",)),
    ("engaged", _l("Link opened"), ("link.engaged",)),
    ("action", _l("Action chosen"), ACTION_TYPES),
    ("paid", _l("Paid in full"), ("case.paid",)),
    ("plan", _l("Payment plan"), ("payment_plan.requested",)),
    ("dispute", _l("Dispute"), ("dispute.opened",)),
    ("promise", _l("Promise to pay"), ("promise.created",)),
)
_TYPES = {type_ for _key, _label, types in STEPS for type_ in types}


@dataclass(frozen=True)
class Step:
    """One bar of the funnel."""

    key: str
    label: str
    count: int
    share: float  # of the cohort, 0..1


@dataclass(frozen=True)
class Outcome:
    """The funnel and headline figures for one creditor (or all) and one period."""

    start: date
    end: date
    cases: int
    steps: list[Step]
    answered_before_reminder: int
    median_days_to_pay: float | None

    @property
    def headline_share(self) -> float:
        """The share of cases resolved or answered before the formal reminder."""
        return self.answered_before_reminder / self.cases if self.cases else 0.0


def _utc_bounds(start: date, end: date) -> tuple[datetime, datetime]:
    """The period's first and last instant in Copenhagen, both days included."""
    return (
        datetime.combine(start, time.min, COPENHAGEN),
        datetime.combine(end + timedelta(days=1), time.min, COPENHAGEN),
    )


def _cohort(session: Session, staff: StaffUser, creditor_id: int | None, start: date, end: date) -> list:
    """The cases created in the period: id, created time, earliest due date, reminder day."""
    first_due = select(Invoice.case_id, func.min(Invoice.due_on).label("due")).group_by(Invoice.case_id).subquery()
    low, high = _utc_bounds(start, end)
    statement = (
        select(Case.id, Case.created_at, first_due.c.due, Creditor.policy)
        .join(Creditor, Creditor.id == Case.creditor_id)
        .outerjoin(first_due, first_due.c.case_id == Case.id)
        .where(Case.created_at >= low, Case.created_at < high)
    )
    if creditor_id is not None:
        statement = statement.where(Case.creditor_id == creditor_id)
    return session.execute(scoped(statement, staff, Case.creditor_id)).all()


def _first_events(session: Session, case_ids: list[int]) -> dict[int, dict[str, datetime]]:
    """For each case, the first time each funnel event type happened."""
    found: dict[int, dict[str, datetime]] = {}
    for chunk in range(0, len(case_ids), 5000):
        rows = session.execute(
            select(Event.case_id, Event.type, func.min(Event.created_at))
            .where(Event.case_id.in_(case_ids[chunk : chunk + 5000]), Event.type.in_(_TYPES))
            .group_by(Event.case_id, Event.type)
        )
        for case_id, type_, at in rows:
            # SQLite returns the aggregate as text; the column type does not apply to it.
            moment = datetime.fromisoformat(at) if isinstance(at, str) else at
            found.setdefault(case_id, {})[type_] = moment if moment.tzinfo else moment.replace(tzinfo=UTC)
    return found


def _answered_before_reminder(row, seen: dict[str, datetime]) -> bool:
    """Whether the case was paid or answered before its formal reminder day began."""
    answers = [seen[type_] for type_ in (*ACTION_TYPES, "case.paid") if type_ in seen]
    if not answers or row.due is None:
        return False
    day = int((row.policy or {}).get("formal_reminder_day") or DEFAULT_FORMAL_REMINDER_DAY)
    reminder = datetime.combine(row.due + timedelta(days=day), time.min, COPENHAGEN)
    return min(answers) < reminder


def variants(session: Session, creditor_id: int, *, start: date, end: date) -> list[message_stats.VariantResult]:
    """Which reminder wording the creditor's cases got in the period, and what followed each."""
    low, high = _utc_bounds(start, end)
    return message_stats.variant_results(session, creditor_id, since=low, until=high)


def outcome(session: Session, staff: StaffUser, *, creditor_id: int | None, start: date, end: date) -> Outcome:
    """The funnel, the headline share and the median time to pay for the cohort."""
    cohort = _cohort(session, staff, creditor_id, start, end)
    seen = _first_events(session, [row.id for row in cohort])
    total = len(cohort)
    steps = []
    for key, label, types in STEPS:
        count = sum(1 for row in cohort if any(type_ in seen.get(row.id, {}) for type_ in types))
        steps.append(Step(key=key, label=str(label), count=count, share=count / total if total else 0.0))
    days_to_pay = [
        (seen[row.id]["case.paid"] - row.created_at).total_seconds() / 86400
        for row in cohort
        if "case.paid" in seen.get(row.id, {})
    ]
    return Outcome(
        start=start,
        end=end,
        cases=total,
        steps=steps,
        answered_before_reminder=sum(1 for row in cohort if _answered_before_reminder(row, seen.get(row.id, {}))),
        median_days_to_pay=round(statistics.median(days_to_pay), 1) if days_to_pay else None,
    )


def to_csv(result: Outcome) -> str:
    """The dashboard's figures as CSV, one row per figure."""
    buffer = io.StringIO()
    writer = csv.writer(buffer)
    writer.writerow(("figure", "value", "start", "end"))
    writer.writerow(("cases", result.cases, result.start, result.end))
    for step in result.steps:
        writer.writerow((step.key, step.count, result.start, result.end))
    writer.writerow(("answered_before_reminder", result.answered_before_reminder, result.start, result.end))
    writer.writerow(("headline_share", f"{result.headline_share:.4f}", result.start, result.end))
    writer.writerow(("median_days_to_pay", result.median_days_to_pay or "", result.start, result.end))
    return buffer.getvalue()


def creditors_in_scope(session: Session, staff: StaffUser) -> list[tuple[str, str, int]]:
    """The creditors the staff user may pick on the dashboard: (public id, name, id)."""
    statement = scoped(select(Creditor.public_id, Creditor.name, Creditor.id), staff, Creditor.id)
    return [tuple(row) for row in session.execute(statement.order_by(Creditor.name))]

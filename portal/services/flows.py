"""Reminder flows: a creditor's steps relative to the due date, quiet hours, variants, and the plan of a case.

A step is due on its day after the case's earliest due date, at the end of the quiet hours (08:00
Copenhagen by default). Steps whose day was over before the case reached the portal are not sent.
When several steps are due at once (the case was paused) only the latest goes; the others are
skipped. The hand-over step sends nothing: it emits case.handover so the creditor's rykker takes over.
"""

from __future__ import annotations

import hashlib
import re
from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta
from zoneinfo import ZoneInfo

from flask_babel import lazy_gettext as _l
from sqlalchemy import func, select, update
from sqlalchemy.orm import Session

from portal.models import Case, CaseFlow, Creditor, Invoice, MessageFlow
from portal.services import message_templates
from portal.services.errors import InvalidInput

COPENHAGEN = ZoneInfo("Europe/Copenhagen")
HANDOVER = "handover"
STEP_CHANNELS = ("sms", "email", HANDOVER)
MAX_DAY = 60
DEFAULT_QUIET = (time(21, 0), time(8, 0))
_CLOCK = re.compile(r"^([01][0-9]|2[0-3]):([0-5][0-9])$")


@dataclass(frozen=True)
class Step:
    """One step: on `day` after the due date, send `template` (or `template_b` to half the cases) by `channel`."""

    day: int
    channel: str
    template: str | None = None
    template_b: str | None = None

    @property
    def key(self) -> str:
        """The step's identity within a case (one message per case and key, ever)."""
        return f"day{self.day}"

    def as_dict(self) -> dict:
        """The step as the API and the database hold it."""
        return {"day": self.day, "channel": self.channel, "template": self.template, "template_b": self.template_b}


DEFAULT_STEPS = (
    Step(1, "sms", "reminder_1", "reminder_1b"),
    Step(4, "email", "reminder"),
    Step(8, "sms", "reminder_2"),
    Step(12, HANDOVER),
)


@dataclass(frozen=True)
class Flow:
    """A creditor's flow with its quiet hours (for SMS) and SMS sender name."""

    steps: tuple[Step, ...]
    quiet_start: time
    quiet_end: time
    sms_sender: str | None = None
    is_default: bool = True


def parse_clock(value: str | None) -> time | None:
    """'21:00' → time(21, 0); None stays None."""
    if value is None:
        return None
    match = _CLOCK.match(value)
    if match is None:
        raise ValueError(f"not a HH:MM time: {value!r}")
    return time(int(match[1]), int(match[2]))


def parse_quiet_hours(value: str) -> tuple[time, time]:
    """'21:00-08:00' → (21:00, 08:00): the portal's setting PORTAL_SMS_QUIET_HOURS."""
    start, _, end = value.partition("-")
    return parse_clock(start.strip()), parse_clock(end.strip())


def load(session: Session, creditor_id: int, *, quiet: tuple[time, time] = DEFAULT_QUIET) -> Flow:
    """The creditor's flow, or the default one; quiet hours from the flow, else the portal's setting."""
    row = session.scalars(select(MessageFlow).where(MessageFlow.creditor_id == creditor_id)).one_or_none()
    if row is None:
        return Flow(DEFAULT_STEPS, *quiet)
    steps = tuple(Step(**step) for step in row.steps)
    start, end = parse_clock(row.quiet_start) or quiet[0], parse_clock(row.quiet_end) or quiet[1]
    return Flow(steps, start, end, row.sms_sender, is_default=False)


def _check_steps(session: Session, creditor_id: int, steps: list[Step]) -> None:
    """Refuse steps that could never run as written."""
    days = [step.day for step in steps]
    if len(set(days)) != len(days):
        raise InvalidInput(field="steps", message=_l("Two steps fall on the same day; one message a day is sent."))
    for n, step in enumerate(steps):
        if step.channel == HANDOVER:
            if step.day != max(days):
                raise InvalidInput(field=f"steps[{n}].day", message=_l("The hand-over must be the last step."))
            continue
        for name in filter(None, (step.template, step.template_b)):
            if not message_templates.exists(session, creditor_id, step.channel, name):
                raise InvalidInput(field=f"steps[{n}].template", message=_l("No such template for this channel."))
        if not step.template:
            raise InvalidInput(field=f"steps[{n}].template", message=_l("A message step needs a template."))


def save(session: Session, creditor: Creditor, *, steps: list[Step], quiet_start: str | None = None,
         quiet_end: str | None = None, sms_sender: str | None = None) -> MessageFlow:  # fmt: skip
    """Store the creditor's flow and have every active case looked at again under it."""
    steps = sorted(steps, key=lambda step: step.day)
    _check_steps(session, creditor.id, steps)
    row = session.scalars(select(MessageFlow).where(MessageFlow.creditor_id == creditor.id)).one_or_none()
    if row is None:
        row = MessageFlow(creditor_id=creditor.id)
        session.add(row)
    row.steps = [step.as_dict() for step in steps]
    row.quiet_start, row.quiet_end, row.sms_sender = quiet_start, quiet_end, sms_sender
    session.execute(
        update(CaseFlow)
        .where(CaseFlow.creditor_id == creditor.id, CaseFlow.state == "active")
        .values(next_at=datetime.now(UTC))
    )
    session.flush()
    return row


def variant(case_public_id: str, step: Step) -> tuple[str | None, str | None]:
    """The variant ("a"/"b") and template a case gets for a step: a stable hash of the case splits them."""
    if step.template_b is None:
        return (None, step.template)
    digest = hashlib.sha256(f"{case_public_id}:{step.key}".encode()).digest()
    return ("b", step.template_b) if digest[0] & 1 else ("a", step.template)


def due_date(session: Session, case_id: int) -> date | None:
    """The case's earliest invoice due date (the flow's day 0)."""
    return session.scalar(select(func.min(Invoice.due_on)).where(Invoice.case_id == case_id))


def local(moment: datetime) -> datetime:
    """A UTC time in Copenhagen."""
    return moment.astimezone(COPENHAGEN)


def at_local(day: date, clock: time) -> datetime:
    """A Copenhagen day and clock time, in UTC."""
    return datetime.combine(day, clock, tzinfo=COPENHAGEN).astimezone(UTC)


def step_time(due: date, step: Step, flow: Flow) -> datetime:
    """When a step is due: its day after the due date, when the quiet hours end."""
    return at_local(due + timedelta(days=step.day), flow.quiet_end)


def in_quiet_hours(now: datetime, flow: Flow) -> bool:
    """Whether `now` falls in the quiet hours (which may span midnight)."""
    clock = local(now).time()
    start, end = flow.quiet_start, flow.quiet_end
    return (start <= clock or clock < end) if start > end else (start <= clock < end)


def quiet_hours_end(now: datetime, flow: Flow) -> datetime:
    """The first moment after `now` outside the quiet hours."""
    today = local(now).date()
    end_today = at_local(today, flow.quiet_end)
    return end_today if end_today > now else at_local(today + timedelta(days=1), flow.quiet_end)


def next_day(now: datetime, flow: Flow) -> datetime:
    """The end of the quiet hours on the next Copenhagen day (when a second message of the day may go)."""
    return at_local(local(now).date() + timedelta(days=1), flow.quiet_end)


def missed(case: Case, due: date, step: Step) -> bool:
    """Whether the step's day was over before the case reached the portal."""
    return due + timedelta(days=step.day) < local(case.created_at).date()

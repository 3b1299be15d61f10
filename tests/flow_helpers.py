"""Builders for the reminder-flow tests: a case due on a fixed day, Copenhagen clock times, fake providers."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, datetime, time, timedelta

from sqlalchemy import select

from portal.models import Case, Event, Message
from portal.providers.messages import SendFailed
from portal.services import flow_runner, flows, message_tasks
from portal.services.cases import NewInvoice, NewLine
from tests.conftest import make_case

DUE = date(2026, 12, 1)  # a Tuesday; day 12 is Sunday 13 December
QUIET = flows.parse_quiet_hours("21:00-08:00")


def at(day: int, hour: int, minute: int = 0) -> datetime:
    """Copenhagen clock time on `day` days after the due date, in UTC."""
    return flows.at_local(DUE + timedelta(days=day), time(hour, minute))


def flow_case(db, creditor=None, *, created_day: int = 0, external_id: str = "T-0001", **kwargs) -> Case:
    """An open case due on DUE that reached the portal on `created_day` (default the due date)."""
    invoice = NewInvoice("F-1001", DUE - timedelta(days=14), DUE, 123450, (NewLine("Varme", 123450),))
    case = make_case(db, creditor, invoices=[invoice], external_id=external_id, **kwargs)
    case.created_at = at(created_day, 7)
    db.commit()
    return case


def tick(db, now: datetime) -> int:
    """One flow pass at `now`, committed."""
    looked = flow_runner.run(db, now=now, quiet=QUIET, limit=100)
    db.commit()
    return looked


def steps(db, case: Case) -> list[tuple]:
    """(step, channel, status) of every message of the case, in order."""
    db.expire_all()
    query = select(Message.step, Message.channel, Message.status).where(Message.case_id == case.id)
    return [tuple(row) for row in db.execute(query.order_by(Message.id))]


def events_of(db, case: Case, type_: str) -> list[Event]:
    """The case's timeline events of one type."""
    db.expire_all()
    return list(db.scalars(select(Event).where(Event.case_id == case.id, Event.type == type_).order_by(Event.id)))


@dataclass
class FakeProvider:
    """Records what it is asked to send; raises the queued failures first."""

    name: str = "fake"
    sent: list = field(default_factory=list)
    failures: list[SendFailed] = field(default_factory=list)

    def send(self, payload) -> str:
        """Record or fail."""
        if self.failures:
            raise self.failures.pop(0)
        self.sent.append(payload)
        return f"ref-{len(self.sent)}"


@dataclass
class FakeProviders:
    """An SMS and an e-mail fake."""

    sms: FakeProvider = field(default_factory=FakeProvider)
    email: FakeProvider = field(default_factory=FakeProvider)


def deliver(app, now: datetime, providers) -> int:
    """Send what is due at `now` through the given providers."""
    return message_tasks.deliver(app, app.extensions["db_sessionmaker"], limit=50, now=now, providers=providers)

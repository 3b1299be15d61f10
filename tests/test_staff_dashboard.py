"""The outcome dashboard: every figure checked against cases and events built for the purpose."""

from __future__ import annotations

import csv
import io
import re
from datetime import date, timedelta

import pytest

from portal.i18n import today
from portal.models import Event
from portal.services import dashboard, flows
from portal.services.cases import NewInvoice, NewLine
from tests.conftest import make_case, make_creditor
from tests.flow_helpers import FakeProviders, at, deliver, flow_case, tick
from tests.staff_helpers import english_client, login, make_staff


def _case(db, creditor, external_id: str, *, due: date, events: dict[str, float], created_days_ago: float = 0):
    """A case due on `due`, created `created_days_ago` days ago, with events `days` after its creation."""
    invoice = NewInvoice(number="F-1", issued_on=due - timedelta(days=14), due_on=due, amount=1000,
                         lines=(NewLine("Varme", 1000),))  # fmt: skip
    case = make_case(db, creditor, external_id=external_id, invoices=[invoice])
    case.created_at -= timedelta(days=created_days_ago)
    for type_, days in events.items():
        db.add(Event(creditor_id=creditor.id, case_id=case.id, type=type_, actor="test",
                     data={}, created_at=case.created_at + timedelta(days=days)))  # fmt: skip
    db.commit()
    return case


@pytest.fixture
def known(db):
    """Three cases at Alfa and one at Beta in the period, and one old Alfa case outside it."""
    alfa, beta = make_creditor(db, name="Alfa"), make_creditor(db, name="Beta")
    now = today()
    paid = {"link.fetched": 0.1, "link.engaged": 0.2, "payment.started": 0.3, "case.paid": 2}
    _case(db, alfa, "A-1", due=now, events=paid)
    late = {"link.fetched": 0.1, "link.engaged": 0.2, "dispute.opened": 0.3}
    _case(db, alfa, "A-2", due=now - timedelta(days=20), events=late)  # answered after its reminder day
    _case(db, alfa, "A-3", due=now, events={"message.sent": 0, "link.fetched": 0.5})
    _case(db, beta, "B-1", due=now, events={"promise.created": 1, "case.paid": 4})
    _case(db, alfa, "A-old", due=now, events={"case.paid": 1}, created_days_ago=60)
    return alfa, beta


def _figures(result) -> dict:
    return {"cases": result.cases, **{step.key: step.count for step in result.steps},
            "before_reminder": result.answered_before_reminder, "median_days": result.median_days_to_pay}  # fmt: skip


def test_funnel_for_one_creditor_counts_each_step(db, known):
    alfa, _beta = known
    operator = make_staff(db, "op@betal.example", role="admin")
    result = dashboard.outcome(db, operator, creditor_id=alfa.id, start=today() - timedelta(days=29), end=today())
    assert _figures(result) == {
        "cases": 3, "messages_sent": 1, "fetched": 3, "engaged": 2, "action": 2, "paid": 1, "plan": 0,
        "dispute": 1, "promise": 0, "before_reminder": 1, "median_days": 2.0,
    }  # fmt: skip
    assert result.headline_share == pytest.approx(1 / 3)


def test_funnel_for_every_creditor_and_for_a_creditors_own_staff(db, known):
    _alfa, beta = known
    operator = make_staff(db, "op@betal.example", role="admin")
    period = {"start": today() - timedelta(days=29), "end": today()}
    everything = _figures(dashboard.outcome(db, operator, creditor_id=None, **period))
    assert everything == {
        "cases": 4, "messages_sent": 1, "fetched": 3, "engaged": 2, "action": 3, "paid": 2, "plan": 0,
        "dispute": 1, "promise": 1, "before_reminder": 2, "median_days": 3.0,
    }  # fmt: skip
    beta_staff = make_staff(db, "beta@betal.example", creditor=beta)
    own = _figures(dashboard.outcome(db, beta_staff, creditor_id=None, **period))
    assert own["cases"] == 1 and own["promise"] == 1 and own["before_reminder"] == 1 and own["median_days"] == 4.0


def test_a_later_formal_reminder_day_counts_a_late_answer(db, known):
    alfa, _beta = known
    alfa.policy = {"formal_reminder_day": 30}
    db.commit()
    operator = make_staff(db, "op@betal.example", role="admin")
    result = dashboard.outcome(db, operator, creditor_id=alfa.id, start=today() - timedelta(days=29), end=today())
    assert result.answered_before_reminder == 2


def test_dashboard_page_and_csv_show_the_same_figures(app, db, known):
    alfa, _beta = known
    client = english_client(app)
    login(client, make_staff(db, "op@betal.example", role="admin"))
    page = client.get("/staff/dashboard", query_string={"creditor": alfa.public_id})
    assert page.status_code == 200 and "<svg" in page.text and "33 %" in page.text
    response = client.get("/staff/dashboard.csv", query_string={"creditor": alfa.public_id})
    rows = {row["figure"]: row["value"] for row in csv.DictReader(io.StringIO(response.text))}
    assert rows["cases"] == "3" and rows["paid"] == "1" and rows["headline_share"] == "0.3333"
    assert rows["median_days_to_pay"] == "2.0"


def test_the_dashboard_compares_the_reminder_wording_of_the_chosen_creditor(app, db):
    creditor = make_creditor(db, name="Alfa")
    cases = [flow_case(db, creditor, external_id=f"R-{n}") for n in range(12)]
    tick(db, at(1, 9))
    deliver(app, at(1, 9), FakeProviders())
    by_variant = {c.id: flows.variant(c.public_id, flows.DEFAULT_STEPS[0])[0] for c in cases}
    sent = {v: sum(1 for x in by_variant.values() if x == v) for v in ("a", "b")}
    client = english_client(app)
    login(client, make_staff(db))
    period = {"start": at(1, 0).date().isoformat(), "end": at(2, 0).date().isoformat()}
    everyone = client.get("/staff/dashboard", query_string=period).text
    assert "Choose a creditor to compare the wording of its reminders." in everyone
    public_id = creditor.public_id
    page = client.get("/staff/dashboard", query_string={**period, "creditor": public_id}).text
    rows = re.findall(r"<td>(reminder_1b?)(?: \(variant (\w)\))?</td>\s*<td class=\"num\">(\d+)</td>", page)
    expected = {("reminder_1", "a"): sent["a"], ("reminder_1b", "b"): sent["b"]}
    # a wording no case happened to get has no row
    assert {(template, variant): int(count) for template, variant, count in rows} == {
        key: count for key, count in expected.items() if count
    }
    later = {"start": at(3, 0).date().isoformat(), "end": at(4, 0).date().isoformat(), "creditor": public_id}
    assert "No reminders were sent in the period." in client.get("/staff/dashboard", query_string=later).text

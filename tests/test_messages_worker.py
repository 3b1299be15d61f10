"""The worker runs the flows: `worker run --once` queues due steps, sends them through the console provider,
and the hand-over reaches the creditor's webhook endpoint."""

from __future__ import annotations

import email
import email.policy
import json
from datetime import timedelta

from portal.models import Case, utcnow
from portal.services import flows
from portal.services.cases import NewInvoice, NewLine
from tests.api_helpers import api_headers
from tests.conftest import make_case
from tests.flow_helpers import events_of


def overdue_case(db, creditor=None, *, days: int, external_id: str = "W-1") -> Case:
    """A case whose earliest invoice fell due `days` Copenhagen days ago and that has been here since."""
    today = flows.local(utcnow()).date()
    invoice = NewInvoice("F-9", today - timedelta(days=days + 14), today - timedelta(days=days), 5000,
                         (NewLine("Vand", 5000),))  # fmt: skip
    case = make_case(db, creditor, invoices=[invoice], external_id=external_id)
    case.created_at = utcnow() - timedelta(days=days)
    db.commit()
    return case


def test_worker_run_once_sends_the_due_step_through_the_console_provider(app, db, runner, tmp_path):
    app.config.update(MESSAGES_DIR=str(tmp_path))
    app.extensions.pop("messaging", None)
    case = overdue_case(db, days=5)  # day 4's e-mail is due (day 1's SMS is superseded)
    result = runner.invoke(args=["worker", "run", "--once"])
    assert result.exit_code == 0, result.output
    [eml] = list(tmp_path.glob("*.eml"))
    message = email.message_from_bytes(eml.read_bytes(), policy=email.policy.default)
    assert message["To"] == "mette@example.dk" and "/l/" in message.get_body(("plain",)).get_content()
    assert [e.data["step"] for e in events_of(db, case, "message.sent")] == ["day4"]
    runner.invoke(args=["worker", "run", "--once"])
    assert len(list(tmp_path.glob("*.eml"))) == 1 and len(events_of(db, case, "message.sent")) == 1


def test_the_hand_over_reaches_the_creditors_webhook(app, db, client, api_creditor, receiver, worker):
    creditor, key = api_creditor
    client.post("/api/v1/webhook-endpoints", json={"url": receiver.url()}, headers=api_headers(key))
    case = overdue_case(db, creditor, days=13)
    worker.run_once()
    bodies = [json.loads(r.body) for r in receiver.at("/hook")]
    [handover] = [b for b in bodies if b["type"] == "case.handover"]
    assert handover["data"]["case"]["id"] == case.public_id and handover["data"]["handover"]["day"] == 12
    worker.run_once()
    assert len([r for r in receiver.at("/hook") if b'"case.handover"' in r.body]) == 1


def test_the_staff_case_file_shows_sent_messages_as_events_not_as_webhooks(app, db):
    from tests.flow_helpers import FakeProviders, at, deliver, flow_case, tick
    from tests.staff_helpers import english_client, login, make_staff

    case = flow_case(db)
    tick(db, at(1, 9))
    deliver(app, at(1, 9), FakeProviders())
    client = english_client(app)
    login(client, make_staff(db))
    page = client.get(f"/staff/cases/{case.public_id}").text
    assert "Message sent" in page
    assert "message.sms" not in page

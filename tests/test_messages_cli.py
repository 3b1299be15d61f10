"""Operator commands: `flows preview CASE_ID` and `messages send-test --to …`, through the CLI runner."""

from __future__ import annotations

import email
import email.policy
import json

import pytest

from portal.services import nudges
from tests.flow_helpers import at, flow_case, tick
from tests.smtp_server import SmtpServer
from tests.test_messages_sms import Gateway


def test_flows_preview_prints_every_step_with_copenhagen_times_and_state(runner, db):
    case = flow_case(db)
    tick(db, at(1, 9))
    result = runner.invoke(args=["flows", "preview", case.public_id])
    assert result.exit_code == 0, result.output
    lines = result.output.splitlines()
    assert "not blocked" in lines[0]
    day1, day4, day8, day12 = lines[1:]
    assert day1.split()[:6] == ["day1", "2026-12-02", "08:00", "sms", day1.split()[4], day1.split()[5]]
    assert day1.split()[4] in ("reminder_1", "reminder_1b") and day1.rstrip().endswith("queued")
    assert day4.split()[1:5] == ["2026-12-05", "08:00", "email", "reminder"]
    assert day12.split()[3] == "handover" and day12.rstrip().endswith(("upcoming", "due"))
    assert day8.split()[4] == "reminder_2"


def test_flows_preview_says_why_a_case_is_blocked(runner, db):
    case = flow_case(db)
    nudges.pause(case, reason="dispute")
    db.commit()
    result = runner.invoke(args=["flows", "preview", case.public_id])
    assert "blocked: dispute" in result.output.splitlines()[0]
    assert all(line.endswith("blocked: dispute") for line in result.output.splitlines()[1:])


def test_flows_preview_refuses_an_unknown_case(runner):
    result = runner.invoke(args=["flows", "preview", "cas_nope"])
    assert result.exit_code == 2 and "no case has this id" in result.output


def test_send_test_email_goes_through_smtp(app, runner, tmp_path):
    server = SmtpServer(tmp_path)
    try:
        app.config["SMTP_URL"] = server.url()
        app.extensions.pop("messaging", None)
        result = runner.invoke(args=["messages", "send-test", "--to", "ops@example.dk", "--locale", "en"])
        assert result.exit_code == 0, result.output
        assert "through the smtp provider to ops@example.dk" in result.output
        [(_, rcpt, raw)] = server.mailbox.messages
        message = email.message_from_bytes(raw, policy=email.policy.default)
        assert rcpt == ["ops@example.dk"] and message["Subject"] == "[Test] Your link to the case with Betal"
        assert "http://localhost/l/test-message" in message.get_body(("plain",)).get_content()
    finally:
        server.stop()
        app.extensions.pop("messaging", None)


def test_send_test_sms_through_the_gateway_and_a_refusal_exits_1(app, runner):
    gateway = Gateway()
    try:
        app.config.update(SMS_URL=gateway.url(), WEBHOOKS_ALLOW_LOOPBACK=True)
        app.extensions.pop("messaging", None)
        result = runner.invoke(args=["messages", "send-test", "--to", "22 33 44 55"])
        assert result.exit_code == 0, result.output
        assert gateway.phone[0]["to"] == "+4522334455" and "Her er dit link" in gateway.phone[0]["text"]
        gateway.plan = ["400"]
        result = runner.invoke(args=["messages", "send-test", "--to", "+4522334455", "--channel", "sms"])
        assert result.exit_code == 1 and "permanent failure" in result.output
    finally:
        gateway.close()
        app.extensions.pop("messaging", None)


def test_send_test_writes_to_the_console_provider_by_default(app, runner, tmp_path):
    app.config.update(MESSAGES_DIR=str(tmp_path), SMS_URL=None)
    app.extensions.pop("messaging", None)
    result = runner.invoke(args=["messages", "send-test", "--to", "+4522334455"])
    assert result.exit_code == 0 and "console provider" in result.output
    assert json.loads((tmp_path / "sms.jsonl").read_text())["to"] == "+4522334455"


@pytest.mark.parametrize("to", ["not a number", "nobody@"])
def test_send_test_refuses_a_bad_address(runner, to):
    assert runner.invoke(args=["messages", "send-test", "--to", to]).exit_code == 2

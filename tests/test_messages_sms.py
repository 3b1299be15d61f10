"""SMS through a local HTTP server playing the gateway: the documented request, a gateway that fails, times out
and recovers (every message arrives exactly once), permanent refusals, signed delivery receipts."""

from __future__ import annotations

import json
import threading
import time
from datetime import timedelta
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import pytest
from sqlalchemy import select

from portal.models import CaseFlow, Creditor, Message
from portal.providers.sms_http import GatewayUrlRefused, HttpSmsProvider
from portal.services import gsm, message_receipts
from tests.conftest import make_creditor
from tests.flow_helpers import at, deliver, events_of, flow_case, steps, tick

API_KEY = "gw_key_123"
SECRET = "receipt-secret-for-tests"


class Gateway:
    """A threaded HTTP server that accepts SMS like a gateway: answers as told, sends each Idempotency-Key once."""

    def __init__(self) -> None:
        self.requests: list[dict] = []
        self.phone: list[dict] = []  # what reached handsets: one per Idempotency-Key
        self.plan: list[str] = []  # per request: "500", "timeout", "400" or (default) "ok"
        self.lock = threading.Lock()
        gateway = self

        class Handler(BaseHTTPRequestHandler):
            def do_POST(self):  # noqa: N802 (http.server's name)
                body = json.loads(self.rfile.read(int(self.headers["Content-Length"])))
                with gateway.lock:
                    gateway.requests.append({"headers": dict(self.headers), "body": body})
                    action = gateway.plan.pop(0) if gateway.plan else "ok"
                if action == "timeout":
                    time.sleep(0.6)  # longer than the client waits; the message is accepted all the same
                if action in ("500", "400"):
                    return self._answer(int(action), {"error": "invalid number" if action == "400" else "down"})
                with gateway.lock:
                    key = self.headers["Idempotency-Key"]
                    if key not in {m["key"] for m in gateway.phone}:
                        gateway.phone.append({"key": key, **body})
                return self._answer(200, {"id": f"gw-{key}"})

            def _answer(self, status: int, data: dict) -> None:
                payload = json.dumps(data).encode()
                try:
                    self.send_response(status)
                    self.send_header("Content-Type", "application/json")
                    self.send_header("Content-Length", str(len(payload)))
                    self.end_headers()
                    self.wfile.write(payload)
                except OSError:  # the client gave up waiting
                    pass

            def log_message(self, *args):
                """Quiet."""

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.thread = threading.Thread(target=self.server.serve_forever, daemon=True)
        self.thread.start()

    def url(self) -> str:
        """PORTAL_SMS_URL for this gateway."""
        return f"http://{API_KEY}@127.0.0.1:{self.server.server_port}/v1/messages"

    def close(self) -> None:
        """Stop serving."""
        self.server.shutdown()
        self.server.server_close()


@pytest.fixture
def gateway(app):
    """A running gateway the app sends SMS to (loopback allowed, as in development)."""
    server = Gateway()
    app.config.update(SMS_URL=server.url(), WEBHOOKS_ALLOW_LOOPBACK=True, SMS_TIMEOUT=0.3,
                      SMS_CALLBACK_SECRET=SECRET)  # fmt: skip
    app.extensions.pop("messaging", None)
    yield server
    server.close()
    app.extensions.pop("messaging", None)


def test_the_sms_is_the_documented_request_with_the_creditors_sender_and_one_segment(app, db, gateway):
    case = flow_case(db)
    tick(db, at(1, 9))
    deliver(app, at(1, 9), None)
    [request] = gateway.requests
    assert request["headers"]["Authorization"] == f"Bearer {API_KEY}"
    body = request["body"]
    message = db.scalars(select(Message).where(Message.case_id == case.id)).one()
    assert request["headers"]["Idempotency-Key"] == body["reference"] == message.public_id
    assert body["to"] == "+4522334455" and body["from"] == "TestvarmeAS"
    assert body["callback_url"] == "http://localhost/webhooks/sms/http"
    assert "http://localhost/l/" in body["text"] and gsm.segments(body["text"]) == 1
    assert "Mette" not in body["text"] and "1.234" not in body["text"]
    assert message.provider_ref == f"gw-{message.public_id}"


def test_a_gateway_that_fails_times_out_and_recovers_delivers_every_message_exactly_once(app, db, gateway):
    creditor = make_creditor(db)
    cases = [flow_case(db, creditor, external_id=f"G-{n}") for n in range(4)]
    tick(db, at(1, 9))
    gateway.plan = ["500", "timeout", "500", "ok", "timeout"]
    now = at(1, 9)
    for _ in range(8):
        deliver(app, now, None)
        now += timedelta(minutes=15)
    assert len(gateway.requests) > len(cases)
    assert sorted(m["reference"] for m in gateway.phone) == sorted(
        db.scalars(select(Message.public_id).where(Message.channel == "sms"))
    )
    assert len(gateway.phone) == len(cases)
    for case in cases:
        assert steps(db, case) == [("day1", "sms", "sent")]
        assert len(events_of(db, case, "message.sent")) == 1


def test_an_invalid_number_stops_sms_for_the_case_and_the_next_sms_step_is_skipped(app, db, gateway):
    case = flow_case(db)
    tick(db, at(1, 9))
    gateway.plan = ["400"]
    deliver(app, at(1, 9), None)
    [failed] = events_of(db, case, "message.failed")
    assert failed.data["reason"] == "permanent_failure" and failed.data["channel_stopped"] is True
    assert db.scalars(select(CaseFlow.sms_stopped).where(CaseFlow.case_id == case.id)).one() == "permanent_failure"
    tick(db, at(8, 9))
    assert steps(db, case) == [("day1", "sms", "failed"), ("day4", "email", "skipped"), ("day8", "sms", "skipped")]
    deliver(app, at(8, 9), None)
    assert len(gateway.requests) == 1


def _receipt(client, data, secret: str = SECRET, timestamp: int | None = None):
    """POST a signed receipt."""
    body = json.dumps(data).encode()
    header = message_receipts.sign(secret, body, timestamp)
    return client.post("/webhooks/sms/http", data=body, headers={"Betal-Signature": header},
                       content_type="application/json")  # fmt: skip


def test_an_undeliverable_receipt_records_the_failure_and_stops_sms(app, client, db, gateway):
    case = flow_case(db)
    tick(db, at(1, 9))
    deliver(app, at(1, 9), None)
    reference = gateway.phone[0]["reference"]
    assert _receipt(client, {"reference": reference, "status": "undeliverable"}, secret="wrong").status_code == 401
    old = int(time.time()) - 3600
    assert _receipt(client, {"reference": reference, "status": "undeliverable"}, timestamp=old).status_code == 401
    assert events_of(db, case, "message.failed") == []
    response = _receipt(client, {"reference": f"gw-{reference}", "status": "undeliverable"})
    assert response.status_code == 200 and response.json["outcomes"] == ["failed"]
    [failed] = events_of(db, case, "message.failed")
    assert failed.data["reason"] == "receipt:undeliverable"
    assert db.scalars(select(CaseFlow.sms_stopped).where(CaseFlow.case_id == case.id)).one() == "receipt:undeliverable"
    assert _receipt(client, {"reference": reference, "status": "failed"}).json["outcomes"] == ["ignored"]


def test_a_delivered_receipt_is_noted_once(app, client, db, gateway):
    case = flow_case(db)
    tick(db, at(1, 9))
    deliver(app, at(1, 9), None)
    reference = gateway.phone[0]["reference"]
    for _ in range(2):
        assert _receipt(client, [{"reference": reference, "status": "delivered"}]).status_code == 200
    assert len(events_of(db, case, "message.delivered")) == 1


def test_receipts_are_refused_without_a_configured_secret(app, client):
    app.config["SMS_CALLBACK_SECRET"] = None
    assert client.post("/webhooks/sms/http", json={}).status_code == 404


def test_plain_http_to_a_gateway_is_refused_unless_loopback_is_allowed():
    with pytest.raises(GatewayUrlRefused):
        HttpSmsProvider("http://key@127.0.0.1:9/v1/messages")
    with pytest.raises(GatewayUrlRefused):
        HttpSmsProvider("http://key@sms.example/v1/messages", allow_loopback=True)
    assert HttpSmsProvider("https://key@sms.example/v1/messages").endpoint == "https://sms.example/v1/messages"


def test_the_console_provider_writes_the_sms_with_its_link_for_a_developer(app, db, tmp_path):
    app.config.update(MESSAGES_DIR=str(tmp_path), SMS_URL=None)
    app.extensions.pop("messaging", None)
    creditor = make_creditor(db)
    db.get(Creditor, creditor.id).name = "Æblegård Varme ApS"
    db.commit()
    flow_case(db, creditor)
    tick(db, at(1, 9))
    deliver(app, at(1, 9), None)
    [line] = (tmp_path / "sms.jsonl").read_text(encoding="utf-8").splitlines()
    record = json.loads(line)
    assert record["from"] == "AeblegaardV" and "http://localhost/l/" in record["text"]


def test_a_template_that_cannot_be_rendered_fails_the_message_without_stopping_the_worker(app, db):
    from portal.models import MessageTemplate
    from tests.flow_helpers import FakeProviders

    case = flow_case(db)
    db.add(MessageTemplate(creditor_id=case.creditor_id, channel="sms", locale="da", name="reminder_1",
                           text="{{ nope }} {{ link }}"))  # fmt: skip
    db.add(MessageTemplate(creditor_id=case.creditor_id, channel="sms", locale="da", name="reminder_1b",
                           text="{{ nope }} {{ link }}"))  # fmt: skip
    db.commit()
    tick(db, at(1, 9))
    providers = FakeProviders()
    deliver(app, at(1, 9), providers)
    assert providers.sms.sent == [] and steps(db, case) == [("day1", "sms", "failed")]
    assert events_of(db, case, "message.failed")[0].data["reason"] == "no_template"


def test_a_provider_that_breaks_unexpectedly_is_tried_again_later(app, db):
    from tests.flow_helpers import FakeProviders

    case = flow_case(db)
    tick(db, at(1, 9))
    providers = FakeProviders()
    providers.sms.failures = [RuntimeError("bug")]  # not a SendFailed
    deliver(app, at(1, 9), providers)
    assert steps(db, case) == [("day1", "sms", "queued")]
    deliver(app, at(1, 10), providers)
    assert steps(db, case) == [("day1", "sms", "sent")] and len(providers.sms.sent) == 1

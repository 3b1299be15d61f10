"""E-mail against a real SMTP server (aiosmtpd, STARTTLS, AUTH): the message is parsed back, headers, both
parts, the link and the language; a server that is down delays, a hard bounce stops e-mail for the case."""

from __future__ import annotations

import email
import email.policy
import re
from datetime import timedelta

import pytest
from sqlalchemy import select

from portal.models import Case, CaseFlow, OutboxMessage
from portal.providers.email_smtp import SmtpEmailProvider
from portal.providers.messages import Email, PermanentFailure, TemporaryFailure
from portal.services import links, messages
from tests.flow_helpers import at, deliver, events_of, flow_case, steps, tick
from tests.smtp_server import SmtpServer, free_port

LINK = re.compile(r"https?://[^\s\"<>]+/l/[A-Za-z0-9._-]+")


@pytest.fixture
def smtp(tmp_path):
    """A running SMTP server."""
    server = SmtpServer(tmp_path)
    yield server
    server.stop()


@pytest.fixture
def mail_app(app, smtp):
    """The app sending e-mail through the test server."""
    app.config.update(SMTP_URL=smtp.url(), MAIL_FROM="paamindelse@betal.example")
    app.extensions.pop("messaging", None)
    return app


def parsed(raw: bytes) -> email.message.EmailMessage:
    """A received message, parsed."""
    return email.message_from_bytes(raw, policy=email.policy.default)


def email_case(db, locale: str = "da"):
    """A case whose day-4 e-mail is queued (the day-1 SMS is skipped: no phone)."""
    from portal.models import Debtor

    case = flow_case(db, locale=locale)
    db.get(Debtor, case.debtor_id).phone = None
    db.commit()
    tick(db, at(4, 9))
    return case


def test_the_reminder_email_arrives_with_both_parts_headers_and_a_working_link(mail_app, db, smtp):
    case = email_case(db)
    assert deliver(mail_app, at(4, 9), None) == 1
    [(mail_from, rcpt, raw)] = smtp.mailbox.messages
    assert smtp.mailbox.logins == ["betal"]
    assert mail_from == "paamindelse@betal.example" and rcpt == ["mette@example.dk"]
    message = parsed(raw)
    assert message["Subject"] == "En venlig påmindelse fra Testvarme A/S"
    assert message["From"].addresses[0].display_name == "Testvarme A/S"
    assert message["Reply-To"] == "kunde@testvarme.example"
    assert message["Content-Language"] == "da"
    assert message.get_content_type() == "multipart/alternative"
    text = message.get_body(("plain",)).get_content()
    html = message.get_body(("html",)).get_content()
    assert "Hej Mette" in text and "Åbn din sag her" in text
    assert '<html lang="da">' in html and "Åbn din sag" in html
    [link] = set(LINK.findall(text))
    assert link in html
    token = link.rsplit("/l/", 1)[1]
    signer = links.make_signer(mail_app.config["SECRET_KEY"])
    assert links.resolve_token(db, signer, token, grace_days=30).id == case.id
    assert "1.234" not in text + html and "123450" not in text + html  # no amounts
    assert message["List-Unsubscribe"].startswith("<http://localhost/webhooks/email/unsubscribe/")
    assert message["List-Unsubscribe-Post"] == "List-Unsubscribe=One-Click"
    [sent] = events_of(db, case, "message.sent")
    assert sent.data["channel"] == "email" and sent.data["step"] == "day4"


def test_an_english_debtor_gets_english(mail_app, db, smtp):
    email_case(db, locale="en")
    deliver(mail_app, at(4, 9), None)
    message = parsed(smtp.mailbox.messages[0][2])
    assert message["Subject"] == "A friendly reminder from Testvarme A/S"
    assert message["Content-Language"] == "en"
    assert "Hello Mette" in message.get_body(("plain",)).get_content()
    assert '<html lang="en">' in message.get_body(("html",)).get_content()


def test_the_unsubscribe_link_stops_email_nudges_for_the_case(mail_app, client, db, smtp):
    case = email_case(db)
    deliver(mail_app, at(4, 9), None)
    url = parsed(smtp.mailbox.messages[0][2])["List-Unsubscribe"].strip("<>")
    path = url.removeprefix("http://localhost")
    assert "Stop påmindelser på e-mail" in client.get(path).text
    assert db.scalars(select(CaseFlow.email_stopped).where(CaseFlow.case_id == case.id)).one() is None
    response = client.post(path, data="List-Unsubscribe=One-Click")
    assert response.status_code == 200 and "Du får ikke flere påmindelser på e-mail" in response.text
    assert db.scalars(select(CaseFlow.email_stopped).where(CaseFlow.case_id == case.id)).one() == "unsubscribed"
    assert client.post(url.removeprefix("http://localhost")[:-3] + "xyz").status_code == 404
    with pytest.raises(messages.ChannelStopped):
        messages.send_link(db, db.get(Case, case.id), channel="email", actor="staff:1")


def test_a_server_that_is_down_delays_the_email_and_it_arrives_once_later(app, db, smtp):
    case = email_case(db)
    app.config.update(SMTP_URL=f"smtp://127.0.0.1:{free_port()}")
    app.extensions.pop("messaging", None)
    deliver(app, at(4, 9), None)
    row = db.scalars(select(OutboxMessage).where(OutboxMessage.channel == "email")).one()
    assert (row.status, row.attempts) == ("pending", 1) and "unavailable" in row.last_error
    assert row.available_at > at(4, 9)
    app.config.update(SMTP_URL=smtp.url())
    app.extensions.pop("messaging", None)
    deliver(app, at(4, 9) + timedelta(seconds=10), None)
    assert smtp.mailbox.messages == []  # not due again before the backoff
    deliver(app, at(4, 10), None)
    deliver(app, at(4, 11), None)
    assert len(smtp.mailbox.messages) == 1
    assert steps(db, case)[-1] == ("day4", "email", "sent")


def test_a_hard_bounce_records_message_failed_and_stops_email_for_the_case(mail_app, db, smtp):
    smtp.mailbox.refuse.add("mette@example.dk")
    case = email_case(db)
    deliver(mail_app, at(4, 9), None)
    assert smtp.mailbox.messages == []
    [failed] = events_of(db, case, "message.failed")
    assert failed.data["channel"] == "email" and failed.data["channel_stopped"] is True
    assert "mette" not in str(failed.data)
    assert db.scalars(select(CaseFlow.email_stopped).where(CaseFlow.case_id == case.id)).one() == "permanent_failure"


def test_wrong_credentials_are_a_temporary_failure_not_a_bounce(smtp):
    # aiosmtpd answers a wrong password slowly; a short timeout ends the wait the same way: try again later.
    provider = SmtpEmailProvider(smtp.url(password="wrong"), timeout=2)  # noqa: S106 (a test password)
    mail = Email(to="a@example.dk", from_address="x@betal.example", from_name="X", subject="s", text="t",
                 html="<p>t</p>", message_id="msg_1")  # fmt: skip
    with pytest.raises(TemporaryFailure):
        provider.send(mail)
    smtp.mailbox.refuse.add("a@example.dk")
    with pytest.raises(PermanentFailure):
        SmtpEmailProvider(smtp.url()).send(mail)


def test_the_staff_link_email_goes_through_the_outbox_even_while_nudges_are_paused(mail_app, db, smtp):
    from portal.services import nudges

    case = flow_case(db)
    nudges.pause(case, reason="plan")
    message = messages.send_link(db, case, channel="email", actor="staff:7", now=at(2, 13))
    db.commit()
    assert db.scalars(select(OutboxMessage.payload).where(OutboxMessage.public_id == message.public_id)).one() == {
        "message": message.public_id
    }
    deliver(mail_app, at(2, 13), None)
    received = parsed(smtp.mailbox.messages[0][2])
    assert received["Subject"] == "Dit link til sagen hos Testvarme A/S"
    assert received["List-Unsubscribe"] is None
    assert LINK.search(received.get_body(("plain",)).get_content())
    [requested] = events_of(db, case, "message.requested")
    assert requested.actor == "staff:7"
    assert events_of(db, case, "message.sent")[0].data["kind"] == "link"


# aiosmtpd cannot tell that the whole connection is TLS here, so it warns about AUTH without STARTTLS.
@pytest.mark.filterwarnings("ignore:Requiring AUTH while not requiring TLS")
def test_smtps_with_tls_from_the_first_byte_works_too(tmp_path):
    server = SmtpServer(tmp_path, implicit_tls=True)
    try:
        mail = Email(to="a@example.dk", from_address="x@betal.example", from_name="Kystvarme", subject="Hej",
                     text="Tekst", html="<p>Tekst</p>", message_id="msg_tls", language="da")  # fmt: skip
        assert SmtpEmailProvider(server.url()).send(mail) == "<msg_tls@betal.example>"
        [(_, rcpt, raw)] = server.mailbox.messages
        assert rcpt == ["a@example.dk"] and server.mailbox.logins == ["betal"]
        assert parsed(raw)["From"].addresses[0].display_name == "Kystvarme"
    finally:
        server.stop()


def test_a_server_certificate_that_is_not_trusted_is_refused(tmp_path, smtp):
    url = smtp.url().split("&cafile=")[0]
    mail = Email(to="a@example.dk", from_address="x@betal.example", from_name="X", subject="s", text="t",
                 html="<p>t</p>", message_id="msg_2")  # fmt: skip
    with pytest.raises(TemporaryFailure, match="SSL"):
        SmtpEmailProvider(url, timeout=5).send(mail)
    assert smtp.mailbox.messages == []

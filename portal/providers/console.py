"""The embedded messaging providers: SMS and e-mail written to the log and to files under instance/messages/.

A developer sees each message with its link without any account; production refuses them unless
PORTAL_ALLOW_CONSOLE_MESSAGES is set. The files hold one-click links: they are for development only.
"""

from __future__ import annotations

import json
import logging
import threading
from pathlib import Path

from portal.models import utcnow
from portal.providers.email_smtp import build_message
from portal.providers.messages import Email, Sms

log = logging.getLogger("portal.messages")
_lock = threading.Lock()


class ConsoleSmsProvider:
    """Appends each SMS as a JSON line to sms.jsonl and logs it."""

    name = "console"

    def __init__(self, directory: Path) -> None:
        self.directory = directory

    def send(self, sms: Sms) -> str:
        """Write the SMS down; the reference is its id."""
        self.directory.mkdir(parents=True, exist_ok=True)
        record = {"at": utcnow().isoformat(), "to": sms.to, "from": sms.sender, "text": sms.text,
                  "reference": sms.reference}  # fmt: skip
        with _lock, (self.directory / "sms.jsonl").open("a", encoding="utf-8") as file:
            file.write(json.dumps(record, ensure_ascii=False) + "\n")
        log.info("SMS to %s from %s: %s", sms.to, sms.sender, sms.text)
        return sms.reference


class ConsoleEmailProvider:
    """Writes each e-mail as an .eml file and logs where it is."""

    name = "console"

    def __init__(self, directory: Path) -> None:
        self.directory = directory

    def send(self, email: Email) -> str:
        """Write the message as <message id>.eml."""
        self.directory.mkdir(parents=True, exist_ok=True)
        message = build_message(email)
        path = self.directory / f"{email.message_id}.eml"
        path.write_bytes(bytes(message))
        log.info("E-mail to %s (%s) written to %s:\n%s", email.to, email.subject, path, email.text)
        return message["Message-ID"]

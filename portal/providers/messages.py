"""The messaging provider interface: one SMS or e-mail, and how a failed send is told apart.

A temporary failure (gateway 5xx or timeout, SMTP 4xx or no connection) means "try again later";
a permanent one (invalid number, hard bounce) means this address will never work, so the channel
stops for the case.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Protocol


class SendFailed(Exception):
    """A message could not be handed over."""

    permanent = False

    def __init__(self, reason: str) -> None:
        super().__init__(reason)
        self.reason = reason


class TemporaryFailure(SendFailed):
    """Try again later: the provider is down, slow or busy."""


class PermanentFailure(SendFailed):
    """Never try this address again (invalid number, unknown mailbox)."""

    permanent = True


@dataclass(frozen=True)
class Sms:
    """One SMS: to an E.164 number, from the creditor's sender name."""

    to: str
    sender: str
    text: str
    reference: str  # the message's public id: the gateway's idempotency key and the receipt's reference
    callback_url: str | None = None


@dataclass(frozen=True)
class Email:
    """One e-mail with a plain-text and an HTML part."""

    to: str
    from_address: str
    from_name: str
    subject: str
    text: str
    html: str
    message_id: str  # the message's public id; the Message-ID header is built from it
    language: str = "da"
    reply_to: str | None = None
    unsubscribe_url: str | None = None


class SmsProvider(Protocol):
    """Sends one SMS; returns the provider's id for it."""

    name: str

    def send(self, sms: Sms) -> str:
        """Hand the SMS over; raise TemporaryFailure or PermanentFailure when it cannot be."""
        ...


class EmailProvider(Protocol):
    """Sends one e-mail; returns its Message-ID."""

    name: str

    def send(self, email: Email) -> str:
        """Hand the e-mail over; raise TemporaryFailure or PermanentFailure when it cannot be."""
        ...

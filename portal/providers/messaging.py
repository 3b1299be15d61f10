"""Which SMS and e-mail providers the configuration names: the HTTP gateway and SMTP, or the console ones."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from flask import Flask

from portal.providers.console import ConsoleEmailProvider, ConsoleSmsProvider
from portal.providers.email_smtp import SmtpEmailProvider
from portal.providers.messages import EmailProvider, SmsProvider
from portal.providers.sms_http import HttpSmsProvider


@dataclass
class Messaging:
    """The app's two messaging providers."""

    sms: SmsProvider
    email: EmailProvider


def build(config) -> Messaging:
    """Build the providers from the settings (PORTAL_SMS_URL, PORTAL_SMTP_URL; unset: console)."""
    directory = Path(config["MESSAGES_DIR"])
    if config.get("SMS_URL"):
        sms: SmsProvider = HttpSmsProvider(
            config["SMS_URL"], timeout=config["SMS_TIMEOUT"], allow_loopback=config["WEBHOOKS_ALLOW_LOOPBACK"]
        )
    else:
        sms = ConsoleSmsProvider(directory)
    email: EmailProvider = (
        SmtpEmailProvider(config["SMTP_URL"]) if config.get("SMTP_URL") else ConsoleEmailProvider(directory)
    )
    return Messaging(sms=sms, email=email)


def for_app(app: Flask) -> Messaging:
    """The app's providers, built on first use (no I/O happens when building them)."""
    if "messaging" not in app.extensions:
        app.extensions["messaging"] = build(app.config)
    return app.extensions["messaging"]

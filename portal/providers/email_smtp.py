"""E-mail over SMTP: STARTTLS or implicit TLS, AUTH, and a multipart/alternative message (text + HTML).

PORTAL_SMTP_URL is `smtp://user:password@host:587?starttls=1` (STARTTLS), `smtps://user:password@host:465`
(TLS from the first byte) or `smtp://host:25` (a local relay). `cafile=/path/ca.pem` trusts a private CA.
A 5xx for the recipient or the message is a hard bounce (the e-mail channel stops for the case); a 4xx,
a refused or broken connection is tried again later.
"""

from __future__ import annotations

import smtplib
import ssl
from email.message import EmailMessage
from email.utils import format_datetime, formataddr, localtime
from urllib.parse import parse_qs, unquote, urlsplit

from portal.providers.messages import Email, PermanentFailure, TemporaryFailure

TRUE = {"1", "true", "yes", "on"}


def build_message(email: Email) -> EmailMessage:
    """The MIME message: headers, a plain-text part and an HTML alternative."""
    domain = email.from_address.rpartition("@")[2] or "betal.invalid"
    message = EmailMessage()
    message["Subject"] = email.subject
    message["From"] = formataddr((email.from_name, email.from_address))
    message["To"] = email.to
    if email.reply_to:
        message["Reply-To"] = email.reply_to
    message["Date"] = format_datetime(localtime())
    message["Message-ID"] = f"<{email.message_id}@{domain}>"
    message["Auto-Submitted"] = "auto-generated"
    if email.unsubscribe_url:
        message["List-Unsubscribe"] = f"<{email.unsubscribe_url}>"
        message["List-Unsubscribe-Post"] = "List-Unsubscribe=One-Click"
    message.set_content(email.text, cte="quoted-printable")
    message.add_alternative(email.html, subtype="html", cte="quoted-printable")
    message["Content-Language"] = email.language  # after the parts: set_content drops Content-* headers
    return message


class SmtpEmailProvider:
    """Sends through an SMTP server, one connection per message."""

    name = "smtp"

    def __init__(self, url: str, *, timeout: float = 20.0) -> None:
        parts = urlsplit(url)
        if parts.scheme not in ("smtp", "smtps"):
            raise ValueError("PORTAL_SMTP_URL must start with smtp:// or smtps://")
        query = {k: v[-1] for k, v in parse_qs(parts.query).items()}
        self.implicit_tls = parts.scheme == "smtps"
        self.starttls = not self.implicit_tls and query.get("starttls", "").lower() in TRUE
        self.host = parts.hostname or "localhost"
        self.port = parts.port or (465 if self.implicit_tls else 587 if self.starttls else 25)
        self.username, self.password = unquote(parts.username or ""), unquote(parts.password or "")
        self.context = ssl.create_default_context(cafile=query.get("cafile"))
        self.timeout = timeout

    def _connect(self) -> smtplib.SMTP:
        """An open, secured and authenticated connection."""
        if self.implicit_tls:
            smtp = smtplib.SMTP_SSL(self.host, self.port, timeout=self.timeout, context=self.context)
        else:
            smtp = smtplib.SMTP(self.host, self.port, timeout=self.timeout)
        smtp.ehlo()
        if self.starttls:
            smtp.starttls(context=self.context)
            smtp.ehlo()
        if self.username:
            smtp.login(self.username, self.password)
        return smtp

    def send(self, email: Email) -> str:
        """Send one e-mail; return its Message-ID."""
        message = build_message(email)
        try:
            with self._connect() as smtp:
                smtp.send_message(message)
        except smtplib.SMTPRecipientsRefused as error:
            code, text = next(iter(error.recipients.values()))
            failure = PermanentFailure if code >= 500 else TemporaryFailure
            raise failure(f"recipient refused: {code} {text!r}") from error
        except smtplib.SMTPDataError as error:
            failure = PermanentFailure if error.smtp_code >= 500 else TemporaryFailure
            raise failure(f"message refused: {error.smtp_code} {error.smtp_error!r}") from error
        except (smtplib.SMTPException, OSError) as error:
            raise TemporaryFailure(f"SMTP server unavailable: {type(error).__name__}: {error}") from error
        return message["Message-ID"]

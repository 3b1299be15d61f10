"""`flask --app wsgi messages send-test --to …`: send one message through the configured SMS or e-mail provider."""

from __future__ import annotations

import click
from flask import current_app
from flask.cli import AppGroup
from flask_babel import force_locale

from portal.models import utcnow
from portal.providers import messaging
from portal.providers.messages import Email, SendFailed, Sms
from portal.services import message_templates
from portal.services.contact import normalise_email, normalise_phone
from portal.services.errors import InvalidInput

group = AppGroup("messages", help="SMS and e-mail.")


def _rendered(channel: str, locale: str):
    """The shipped link template rendered with a sample link (it opens nothing)."""
    link = f"{current_app.config['BASE_URL']}/l/test-message"
    source = message_templates.shipped(channel, locale, message_templates.LINK_NAME)
    values = message_templates.context(brand="Betal", link=link, greeting_name="Test")
    return message_templates.render(source, values)


@group.command("send-test")
@click.option("--to", "to", required=True, help="A phone number (SMS) or e-mail address.")
@click.option("--channel", type=click.Choice(["sms", "email"]), help="Default: e-mail when --to holds an @.")
@click.option("--locale", type=click.Choice(["da", "en"]), default="da", show_default=True)
def send_test(to: str, channel: str | None, locale: str) -> None:
    """Send the link template with a sample link, now, outside the outbox; exit 1 if the provider refuses."""
    channel = channel or ("email" if "@" in to else "sms")
    try:
        with force_locale("en"):  # no request to pick a language from
            address = normalise_email(to) if channel == "email" else normalise_phone(to)
    except InvalidInput as error:
        raise click.BadParameter(f"not a valid {'e-mail address' if channel == 'email' else 'phone number'}",
                                 param_hint="--to") from error  # fmt: skip
    providers, rendered = messaging.for_app(current_app), _rendered(channel, locale)
    reference = f"test_{int(utcnow().timestamp())}"
    if channel == "sms":
        provider, payload = providers.sms, Sms(to=address, sender="Betal", text=rendered.text, reference=reference)
    else:
        provider = providers.email
        payload = Email(to=address, from_address=current_app.config["MAIL_FROM"], from_name="Betal",
                        subject=f"[Test] {rendered.subject}", text=rendered.text, html=rendered.html,
                        message_id=reference, language=locale)  # fmt: skip
    try:
        ref = provider.send(payload)
    except SendFailed as failure:
        kind = "permanent" if failure.permanent else "temporary"
        click.echo(f"Not sent ({kind} failure): {failure.reason}", err=True)
        raise SystemExit(1) from failure
    click.echo(f"Sent by {channel} through the {provider.name} provider to {address}: {ref}")

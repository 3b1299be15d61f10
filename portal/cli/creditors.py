"""`flask --app wsgi creditors …`: create a creditor with an API key and webhook endpoint; issue and revoke keys."""

from __future__ import annotations

import json

import click
from flask import current_app
from flask.cli import AppGroup
from sqlalchemy import select

from portal.db import get_session
from portal.models import Creditor
from portal.services import api_keys, webhook_endpoints
from portal.services.errors import InvalidInput, NotFound

group = AppGroup("creditors", help="Creditors and their API keys.")


@group.command("create")
@click.option("--name", required=True, help="The creditor's name as debtors see it.")
@click.option("--webhook-url", help="An https URL to receive every webhook event.")
def create(name: str, webhook_url: str | None) -> None:
    """Create a creditor; print JSON with its id, an API key and the webhook secret (shown only now)."""
    session = get_session()
    creditor = Creditor(name=name)
    session.add(creditor)
    session.flush()
    _, key = api_keys.issue(session, creditor, name="created with the CLI")
    secret = None
    if webhook_url:
        try:
            endpoint = webhook_endpoints.create(
                session, creditor.id, url=webhook_url, events=["*"],
                allow_loopback=current_app.config["WEBHOOKS_ALLOW_LOOPBACK"],
            )  # fmt: skip
        except InvalidInput as error:
            raise click.BadParameter(str(error.message), param_hint="--webhook-url") from error
        secret = endpoint.secret
    session.commit()
    click.echo(json.dumps({"id": creditor.public_id, "api_key": key, "webhook_secret": secret}, indent=2))


@group.command("create-key")
@click.argument("creditor_id")
@click.option("--name", default="", help="What the key is for.")
def create_key(creditor_id: str, name: str) -> None:
    """Issue another API key for CREDITOR_ID and print it (shown only now)."""
    session = get_session()
    creditor = session.scalars(select(Creditor).where(Creditor.public_id == creditor_id)).one_or_none()
    if creditor is None:
        raise click.BadParameter("no such creditor", param_hint="CREDITOR_ID")
    row, key = api_keys.issue(session, creditor, name=name)
    session.commit()
    click.echo(json.dumps({"id": row.public_id, "api_key": key}, indent=2))


@group.command("revoke-key")
@click.argument("key_id")
def revoke_key(key_id: str) -> None:
    """Revoke the API key KEY_ID (key_…) at once."""
    session = get_session()
    try:
        api_keys.revoke(session, key_id)
    except NotFound as error:
        raise click.BadParameter("no such key", param_hint="KEY_ID") from error
    session.commit()
    click.echo(f"Revoked {key_id}.")

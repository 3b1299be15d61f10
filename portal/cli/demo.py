"""`flask --app wsgi demo seed`: demo creditors and cases for trying the portal (idempotent)."""

from __future__ import annotations

import json

import click
from flask import current_app
from flask.cli import AppGroup

from portal.db import get_session
from portal.services import demo, links

group = AppGroup("demo", help="Demo data for a local portal.")


@group.command("seed")
@click.option("--json", "as_json", is_flag=True, help="Print a JSON list of {scenario, case_id, url}.")
def seed(as_json: bool) -> None:
    """Create the demo creditors and cases once, and print one one-click link per case."""
    session = get_session()
    seeded = demo.seed(session)
    session.commit()
    signer = links.make_signer(current_app.config["SECRET_KEY"], current_app.config["SECRET_KEY_FALLBACKS"])
    rows = [
        {
            "scenario": scenario,
            "case_id": case.public_id,
            "url": links.link_url(current_app.config["BASE_URL"], signer, case),
        }
        for scenario, case in seeded
    ]
    if as_json:
        click.echo(json.dumps(rows, indent=2))
        return
    for row in rows:
        click.echo(f"{row['scenario']:<22} {row['url']}")

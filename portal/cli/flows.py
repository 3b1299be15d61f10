"""`flask --app wsgi flows preview CASE_ID`: what a case's reminder flow has sent and will send, and when."""

from __future__ import annotations

import click
from flask import current_app
from flask.cli import AppGroup
from sqlalchemy import select

from portal.db import get_session
from portal.models import Case, utcnow
from portal.services import flow_preview, flows, nudges

group = AppGroup("flows", help="Reminder flows.")


@group.command("preview")
@click.argument("case_id")
def preview(case_id: str) -> None:
    """Print each step of the case's flow: time (Copenhagen), channel, template, variant, and its state."""
    session = get_session()
    case = session.scalars(select(Case).where(Case.public_id == case_id)).one_or_none()
    if case is None:
        raise click.BadParameter("no case has this id", param_hint="CASE_ID")
    now = utcnow()
    quiet = flows.parse_quiet_hours(current_app.config["SMS_QUIET_HOURS"])
    blocked = nudges.blocked_reason(case, now)
    click.echo(f"Case {case.public_id} ({case.status}); nudges {'blocked: ' + blocked if blocked else 'not blocked'}")
    for step in flow_preview.preview(session, case, now=now, quiet=quiet):
        when = flows.local(step.at).strftime("%Y-%m-%d %H:%M") if step.at else "-"
        template = step.template or "-"
        variant = step.variant or "-"
        click.echo(f"{step.key:<6} {when:<16} {step.channel:<8} {template:<14} {variant:<2} {step.state}")

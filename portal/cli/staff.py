"""`flask --app wsgi staff …`: create customer-service accounts."""

from __future__ import annotations

import click
from flask.cli import AppGroup
from sqlalchemy import select

from portal.db import get_session
from portal.models import STAFF_ROLES, Creditor
from portal.services import staff_auth
from portal.services.errors import InvalidInput

group = AppGroup("staff", help="Customer-service staff accounts.")


@group.command("create")
@click.argument("email")
@click.option("--role", type=click.Choice(STAFF_ROLES), required=True, help="agent, or admin (also sees the audit).")
@click.option("--creditor", "creditor_id", help="The creditor's id (cre_…); without it the user sees every creditor.")
@click.password_option(help="Prompted for (twice) unless given; piped on stdin works too.")
def create(email: str, role: str, creditor_id: str | None, password: str) -> None:
    """Create a staff account; the authenticator app is enrolled with a QR code at the first login."""
    session = get_session()
    creditor = None
    if creditor_id:
        creditor = session.scalars(select(Creditor).where(Creditor.public_id == creditor_id)).one_or_none()
        if creditor is None:
            raise click.BadParameter("no creditor has this id", param_hint="--creditor")
    try:
        user = staff_auth.create_staff(session, email, password, role=role, creditor=creditor)
    except InvalidInput as error:
        raise click.BadParameter(str(error.message), param_hint=error.field) from error
    session.commit()
    scope = creditor.public_id if creditor else "every creditor"
    click.echo(f"Created {user.email} ({user.role}, {scope}).")
    click.echo("Two-factor enrolment (QR code for an authenticator app) happens at the first login at /staff/login.")

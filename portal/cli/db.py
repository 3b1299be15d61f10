"""`flask --app wsgi db …`: Alembic migrations against the configured database."""

from __future__ import annotations

import click
from alembic import command
from alembic.config import Config as AlembicConfig
from flask import current_app
from flask.cli import AppGroup

from portal.config import PROJECT_ROOT

group = AppGroup("db", help="Database migrations.")


def alembic_config(url: str | None = None) -> AlembicConfig:
    """An Alembic configuration for migrations/ pointed at the app's database."""
    config = AlembicConfig()
    config.set_main_option("script_location", str(PROJECT_ROOT / "migrations"))
    config.set_main_option("path_separator", "os")
    config.attributes["database_url"] = url or current_app.config["DATABASE_URL"]
    return config


def upgrade(url: str | None = None, revision: str = "head") -> None:
    """Bring the database to the given revision."""
    command.upgrade(alembic_config(url), revision)


@group.command("upgrade")
@click.argument("revision", default="head")
def upgrade_command(revision: str) -> None:
    """Create or update every table (safe to run again)."""
    upgrade(revision=revision)
    click.echo(f"Database is at {revision}.")


@group.command("downgrade")
@click.argument("revision")
def downgrade_command(revision: str) -> None:
    """Step the schema back to REVISION."""
    command.downgrade(alembic_config(), revision)


@group.command("revision")
@click.option("-m", "--message", required=True, help="What the migration does.")
def revision_command(message: str) -> None:
    """Write a new migration by comparing the models with the database (review it before committing)."""
    command.revision(alembic_config(), message=message, autogenerate=True)

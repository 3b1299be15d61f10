"""Command groups for `flask --app wsgi …`, one module per noun."""

from flask import Flask

from portal.cli import db, demo, translate


def register(app: Flask) -> None:
    """Attach every command group to the app."""
    for group in (db.group, demo.group, translate.group):
        app.cli.add_command(group)

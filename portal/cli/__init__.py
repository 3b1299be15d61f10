"""Command groups for `flask --app wsgi …`, one module per noun."""

from flask import Flask

from portal.cli import cases, creditors, db, demo, staff, translate, worker


def register(app: Flask) -> None:
    """Attach every command group to the app."""
    for group in (db.group, demo.group, translate.group, creditors.group, cases.group, worker.group, staff.group):
        app.cli.add_command(group)

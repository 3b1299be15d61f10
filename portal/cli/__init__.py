"""Command groups for `flask --app wsgi …`, one module per noun."""

from flask import Flask

from portal.cli import cases, creditors, db, demo, flows, messages, staff, translate, worker


def register(app: Flask) -> None:
    """Attach every command group to the app."""
    groups = (db.group, demo.group, translate.group, creditors.group, cases.group, worker.group, staff.group,
              flows.group, messages.group)  # fmt: skip
    for group in groups:
        app.cli.add_command(group)

"""`flask --app wsgi worker run [--once]`: deliver the outbox (webhooks) until stopped."""

from __future__ import annotations

import signal

import click
from flask import current_app
from flask.cli import AppGroup

from portal.services.worker import Worker

group = AppGroup("worker", help="The outbox worker.")


@group.command("run")
@click.option("--once", is_flag=True, help="Deliver what is due now, then exit (for cron and tests).")
def run(once: bool) -> None:
    """Claim due outbox rows in batches and deliver them; SIGTERM or Ctrl+C stops after the batch in hand."""
    worker = Worker(current_app._get_current_object())
    previous = {sig: signal.signal(sig, lambda *_: worker.stop()) for sig in (signal.SIGTERM, signal.SIGINT)}
    try:
        if once:
            handled = worker.run_once()
            click.echo(f"Handled {handled} items.")
        else:
            click.echo("Worker running; stop with SIGTERM or Ctrl+C.")
            worker.run()
            click.echo("Worker stopped.")
    finally:
        worker.close()
        for sig, handler in previous.items():
            signal.signal(sig, handler)

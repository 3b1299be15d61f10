"""The worker's messaging tasks: move the reminder flows on, and send the SMS and e-mail they queue.

Registered with the worker like the webhook tasks; importing this module (the app factory does) is
what adds them.
"""

from __future__ import annotations

import time

from flask import Flask

from portal.models import utcnow
from portal.providers import messaging
from portal.services import flow_runner, flows, links, message_sending
from portal.services.worker import Worker, register_task

PURPOSE_UNSUBSCRIBE = "betal.email-unsubscribe"


def settings(app: Flask) -> message_sending.Settings:
    """The sending settings of an app."""
    config = app.config
    keys = (config["SECRET_KEY"], config["SECRET_KEY_FALLBACKS"])
    return message_sending.Settings(
        base_url=config["BASE_URL"],
        signer=links.make_signer(*keys),
        unsubscribe_signer=links.make_signer(*keys, purpose=PURPOSE_UNSUBSCRIBE),
        mail_from=config["MAIL_FROM"],
        quiet=flows.parse_quiet_hours(config["SMS_QUIET_HOURS"]),
    )


def deliver(app: Flask, sessions, *, limit: int, now=None, providers=None) -> int:
    """Claim due messages, send them outside any transaction, record the outcomes; return how many were taken."""
    now, config = now or utcnow(), settings(app)
    with sessions() as session:
        token, ids = message_sending.claim(session, limit=limit, lease=config.lease, now=now)
        jobs = message_sending.compose(session, ids, config, now=now)
        session.commit()
    if not ids:
        return 0
    results = message_sending.send(jobs, providers or messaging.for_app(app))
    with sessions() as session:
        message_sending.record(session, token, results, now=utcnow() if now is None else now)
        session.commit()
    return len(ids)


@register_task
def run_flows(worker: Worker) -> int:
    """Look at the cases whose flow has something due (and, now and then, enrol new open cases)."""
    config = worker.app.config
    enrol = time.monotonic() - getattr(worker, "flows_enrolled_at", float("-inf")) >= config["FLOW_ENROL_SECONDS"]
    if enrol:
        worker.flows_enrolled_at = time.monotonic()
    with worker.sessions() as session:
        looked = flow_runner.run(session, quiet=flows.parse_quiet_hours(config["SMS_QUIET_HOURS"]),
                                 limit=config["FLOW_BATCH_SIZE"], enrol_cases=enrol)  # fmt: skip
        session.commit()
    return looked


@register_task
def send_messages(worker: Worker) -> int:
    """Send one batch of due SMS and e-mail."""
    if worker.stopping.is_set():
        return 0
    return deliver(worker.app, worker.sessions, limit=worker.batch_size)

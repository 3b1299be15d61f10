"""The worker: `worker run [--once]`, leases that outlive a dead worker, a clean stop on SIGTERM."""

from __future__ import annotations

import asyncio
import multiprocessing
import os
import signal
import subprocess
import sys
import threading
import time
from collections import Counter
from pathlib import Path

import pytest
from sqlalchemy import select

from portal import create_app
from portal.config import TestConfig as PortalTestConfig
from portal.models import WebhookAttempt, WebhookDelivery
from portal.services.worker import Worker
from tests.api_helpers import api_headers, case_body

ROOT = Path(__file__).resolve().parent.parent


def setup_endpoint_and_cases(client, key, receiver, count: int = 1) -> None:
    """One endpoint at the receiver and count new cases (count case.created messages)."""
    client.post("/api/v1/webhook-endpoints", json={"url": receiver.url()}, headers=api_headers(key))
    cases = [case_body(f"F-{n}") for n in range(count)]
    response = client.post("/api/v1/cases/batch", json={"cases": cases}, headers=api_headers(key))
    assert response.json["created"] == count


def worker_env(database_url: str, **extra: str) -> dict[str, str]:
    """The environment of a worker process of the test app."""
    env = {k: v for k, v in os.environ.items() if not k.startswith("PORTAL_")}
    return (
        env | {"PORTAL_ENV": "test", "PORTAL_DATABASE_URL": database_url, "PORTAL_WEBHOOKS_ALLOW_LOOPBACK": "1"} | extra
    )


def test_worker_run_once_delivers_what_is_due(runner, client, api_creditor, receiver):
    _, key = api_creditor
    setup_endpoint_and_cases(client, key, receiver, 3)
    result = runner.invoke(args=["worker", "run", "--once"])
    assert result.exit_code == 0, result.output
    assert len(receiver.at("/hook")) == 3
    assert runner.invoke(args=["worker", "run", "--once"]).exit_code == 0
    assert len(receiver.at("/hook")) == 3


def _claim_then_die(database_url: str) -> None:
    """A worker process that claims its batch and is killed before sending anything."""
    app = create_app(PortalTestConfig(), {"DATABASE_URL": database_url, "WEBHOOKS_ALLOW_LOOPBACK": True,
                                          "WORKER_LEASE_SECONDS": 1})  # fmt: skip
    worker = Worker(app)
    worker.sender.send_all = lambda jobs: os.kill(os.getpid(), signal.SIGKILL)
    with app.app_context():
        worker.run_once()


def test_a_worker_killed_between_claim_and_send_loses_nothing(
    app, database_url, client, api_creditor, receiver, worker, db
):
    _, key = api_creditor
    setup_endpoint_and_cases(client, key, receiver, 2)
    child = multiprocessing.get_context("fork").Process(target=_claim_then_die, args=(database_url,))
    child.start()
    child.join(60)
    assert child.exitcode == -signal.SIGKILL
    held = db.scalars(select(WebhookDelivery)).all()
    assert len(held) == 2 and all(d.claim_token and d.status == "pending" for d in held)
    assert worker.run_once() == 0  # still leased to the dead worker
    assert receiver.received == []
    time.sleep(1.2)  # the lease runs out
    worker.run_once()
    worker.run_once()
    assert Counter(r.headers["Webhook-Id"] for r in receiver.at("/hook")).most_common(1)[0][1] == 1
    assert len(receiver.at("/hook")) == 2
    db.expire_all()
    assert [(a.number, a.succeeded) for a in db.scalars(select(WebhookAttempt))] == [(1, True), (1, True)]


def test_sigterm_stops_the_worker_cleanly(database_url, client, api_creditor, receiver):
    _, key = api_creditor
    setup_endpoint_and_cases(client, key, receiver, 1)
    process = subprocess.Popen(  # noqa: S603 (our own command line)
        [sys.executable, "-m", "flask", "--app", "wsgi", "worker", "run"],
        cwd=ROOT, env=worker_env(database_url, PORTAL_WORKER_POLL_SECONDS="0.1"), stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT, text=True,
    )  # fmt: skip
    try:
        deadline = time.time() + 30
        while not receiver.at("/hook") and time.time() < deadline:
            time.sleep(0.05)
        process.send_signal(signal.SIGTERM)
        output, _ = process.communicate(timeout=30)
    finally:
        if process.poll() is None:
            process.kill()
    assert process.returncode == 0, output
    assert "Worker stopped." in output
    assert len(receiver.at("/hook")) == 1


@pytest.mark.parametrize("workers", [2])
def test_workers_share_due_rows_without_delivering_any_twice(database_url, client, api_creditor, receiver, db, workers):
    if not database_url.startswith("postgresql"):
        pytest.skip("several workers at once are a PostgreSQL deployment (SQLite has one writer)")
    _, key = api_creditor
    setup_endpoint_and_cases(client, key, receiver, 1000)
    receiver.delay = 0.005
    env = worker_env(database_url, PORTAL_WORKER_BATCH_SIZE="25")
    processes = [
        subprocess.Popen(  # noqa: S603 (our own command line)
            [sys.executable, "-m", "flask", "--app", "wsgi", "worker", "run", "--once"],
            cwd=ROOT, env=env, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True,
        )
        for _ in range(workers)
    ]  # fmt: skip
    outputs = [p.communicate(timeout=300)[0] for p in processes]
    assert all(p.returncode == 0 for p in processes), outputs
    ids = Counter(r.headers["Webhook-Id"] for r in receiver.at("/hook"))
    assert len(ids) == 1000 and set(ids.values()) == {1}
    attempts = db.execute(select(WebhookAttempt.delivery_id, WebhookAttempt.number)).all()
    assert len(attempts) == len(set(attempts)) == 1000
    assert set(db.scalars(select(WebhookDelivery.status))) == {"succeeded"}
    handled = [int(out.rsplit("Handled ", 1)[1].split()[0]) for out in outputs]
    assert all(n > 0 for n in handled), handled


def test_a_worker_delivers_even_when_its_thread_already_runs_an_event_loop(client, api_creditor, receiver, worker):
    _, key = api_creditor
    setup_endpoint_and_cases(client, key, receiver, 2)

    async def inside_a_running_loop() -> int:
        return worker.run_once()  # e.g. a host that drives the worker from asyncio code

    handled: list[int] = []  # on a thread of its own: the test runner's thread may be running a loop already
    host = threading.Thread(target=lambda: handled.append(asyncio.run(inside_a_running_loop())))
    host.start()
    host.join(timeout=30)
    assert handled and handled[0] >= 2
    assert len(receiver.at("/hook")) == 2

"""The worker: takes what the outbox holds and delivers it, batch by batch, until told to stop.

Each pass runs the registered tasks in turn; a task takes a session factory and returns how many
things it handled. Webhooks need two: fan-out (outbox message → one delivery per endpoint) and
delivery (claim, send outside any transaction, record). Other channels (SMS, e-mail) add their own
task with `register_task`. A stop request (SIGTERM) lets the batch in hand finish and be recorded.
"""

from __future__ import annotations

import threading
from collections.abc import Callable
from concurrent.futures import Future, ThreadPoolExecutor
from datetime import datetime, timedelta

from flask import Flask
from sqlalchemy.orm import Session, sessionmaker

from portal.models import utcnow
from portal.services import deliveries, idempotency, plan_tasks, promise_tasks
from portal.services.bulk import collector_paused
from portal.services.webhook_sender import Sender

Task = Callable[["Worker"], int]
_tasks: list[Task] = []


def register_task(task: Task) -> Task:
    """Add a task every worker pass runs (e.g. another outbox channel)."""
    if task not in _tasks:
        _tasks.append(task)
    return task


class Worker:
    """One worker process's loop over the tasks, sharing one pooled HTTP sender."""

    def __init__(self, app: Flask, *, sender: Sender | None = None) -> None:
        config = app.config
        self.app = app
        self.sessions: sessionmaker[Session] = app.extensions["db_sessionmaker"]
        self.batch_size: int = config["WORKER_BATCH_SIZE"]
        self.lease = timedelta(seconds=config["WORKER_LEASE_SECONDS"])
        self.poll_seconds: float = config["WORKER_POLL_SECONDS"]
        self.sender = sender or Sender(
            allow_loopback=config["WEBHOOKS_ALLOW_LOOPBACK"], concurrency=config["WORKER_CONCURRENCY"]
        )
        self.stopping = threading.Event()
        # Time as the tasks see it; tests replace it to move the worker's day.
        self.clock: Callable[[], datetime] = utcnow
        # Results are recorded on a thread of their own while the next batch is claimed and sent.
        self.recorder = ThreadPoolExecutor(max_workers=1, thread_name_prefix="recorder")
        self._recording: Future[int] | None = None

    def run_pass(self) -> int:
        """Run every task once; return how much was handled."""
        with collector_paused():  # a pass is bulk work: the collector runs between passes instead
            return sum(task(self) for task in list(_tasks))

    def run_once(self) -> int:
        """Work until nothing is due (for cron and tests); return how much was handled."""
        total = 0
        while not self.stopping.is_set():
            handled = self.run_pass()
            total += handled
            if not handled:
                break
        return total

    def run(self) -> None:
        """Work until stop() is called, resting poll_seconds whenever nothing is due."""
        while not self.stopping.is_set():
            if not self.run_pass():
                self.stopping.wait(self.poll_seconds)

    def stop(self) -> None:
        """Finish the batch in hand, then return from run()."""
        self.stopping.set()

    def record_later(self, token: str, results) -> None:
        """Record a sent batch in the background (after the one before it)."""
        self.settle()
        self._recording = self.recorder.submit(self._record, token, results)

    def _record(self, token: str, results) -> int:
        """Record a sent batch in its own transaction."""
        with self.sessions() as session:
            recorded = deliveries.record(session, token, results)
            session.commit()
        return recorded

    def settle(self) -> int:
        """Wait until the batch being recorded is recorded; return how many attempts it logged."""
        pending, self._recording = self._recording, None
        return pending.result() if pending is not None else 0

    def close(self) -> None:
        """Record what is in hand, then release the HTTP connections and threads."""
        try:
            self.settle()
        finally:
            self.recorder.shutdown(wait=True)
            self.sender.close()


@register_task
def fan_out_webhooks(worker: Worker) -> int:
    """Fan due webhook messages out to their endpoints."""
    with worker.sessions() as session:
        taken = deliveries.fan_out(session, limit=worker.batch_size)
        session.commit()
    return taken


@register_task
def deliver_webhooks(worker: Worker) -> int:
    """Claim one batch of due deliveries, send it outside any transaction, and have it recorded."""
    if worker.stopping.is_set():
        worker.settle()
        return 0
    with worker.sessions() as session:
        token, jobs = deliveries.claim(session, limit=worker.batch_size, lease=worker.lease)
        session.commit()
    if not jobs:
        worker.settle()
        return 0
    worker.record_later(token, worker.sender.send_all(jobs))
    return len(jobs)


@register_task
def purge_idempotency_keys(worker: Worker) -> int:
    """Forget Idempotency-Keys older than 24 hours (a few per pass, so it never holds up deliveries)."""
    with worker.sessions() as session:
        purged = idempotency.purge(session, limit=worker.batch_size)
        session.commit()
    return purged


register_task(plan_tasks.default_late_plans)
register_task(promise_tasks.settle_due_promises)

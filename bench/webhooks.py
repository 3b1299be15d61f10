"""Webhook delivery benchmark: one worker delivering to a local receiver, per database.

Prints deliveries per second (20,000 queued messages, fan-out included) and the p50 delay from event
to delivery while messages arrive steadily and a `worker run` process picks them up.
"""

from __future__ import annotations

import asyncio
import os
import socket
import statistics
import subprocess
import sys
import time
from dataclasses import dataclass
from datetime import timedelta
from pathlib import Path

from procs import CpuMeter, cpu_seconds, load, postgres_backends
from results import figure, record
from sqlalchemy import func, insert, select

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from intake import fresh_database  # noqa: E402

from portal import create_app  # noqa: E402
from portal.config import TestConfig  # noqa: E402
from portal.models import Creditor, OutboxMessage, WebhookAttempt, WebhookDelivery, utcnow  # noqa: E402
from portal.models.base import public_id  # noqa: E402
from portal.services import webhook_endpoints  # noqa: E402
from portal.services.worker import Worker  # noqa: E402

MESSAGES = int(os.environ.get("BENCH_WEBHOOK_MESSAGES", "20000"))
STEADY_SECONDS = float(os.environ.get("BENCH_WEBHOOK_STEADY_SECONDS", "10"))
STEADY_RATE = int(os.environ.get("BENCH_WEBHOOK_STEADY_RATE", "200"))  # messages per second


class Answer200(asyncio.Protocol):
    """A minimal HTTP/1.1 keep-alive server that answers every request 200 (the receiver)."""

    def connection_made(self, transport) -> None:
        """Start with an empty buffer."""
        self.transport, self.buffer = transport, b""

    def data_received(self, data: bytes) -> None:
        """Answer each complete request."""
        self.buffer += data
        while (end := self.buffer.find(b"\r\n\r\n")) >= 0:
            length = 0
            for line in self.buffer[:end].split(b"\r\n"):
                if line.lower().startswith(b"content-length:"):
                    length = int(line.split(b":")[1])
            if len(self.buffer) < end + 4 + length:
                return
            self.buffer = self.buffer[end + 4 + length :]
            self.transport.write(b"HTTP/1.1 200 OK\r\ncontent-length: 2\r\n\r\nok")


def serve(port: int) -> None:
    """Run the receiver until killed."""

    async def main() -> None:
        server = await asyncio.get_running_loop().create_server(Answer200, "127.0.0.1", port)
        await server.serve_forever()

    asyncio.run(main())


def free_port() -> int:
    """A free loopback port."""
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def queue(session, creditor_id: int, count: int) -> None:
    """Queue count webhook messages as the services would (one outbox row each)."""
    now = utcnow()
    rows = []
    for _ in range(count):
        event_id = public_id("evt")
        payload = {"id": event_id, "type": "case.created", "created_at": now.isoformat(),
                   "data": {"case": {"id": public_id("cas"), "status": "open", "outstanding": 133450}}}  # fmt: skip
        rows.append(dict(public_id=event_id, channel="webhook", creditor_id=creditor_id, type="case.created",
                         payload=payload, status="pending", attempts=0, available_at=now, created_at=now))  # fmt: skip
    session.execute(insert(OutboxMessage), rows)
    session.commit()


def delays(session) -> list[float]:
    """Seconds from each message's creation to the end of its successful attempt."""
    rows = session.execute(
        select(OutboxMessage.created_at, WebhookAttempt.started_at, WebhookAttempt.latency_ms)
        .join(WebhookDelivery, WebhookDelivery.outbox_id == OutboxMessage.id)
        .join(WebhookAttempt, WebhookAttempt.delivery_id == WebhookDelivery.id)
        .where(WebhookAttempt.succeeded.is_(True))
    ).all()
    return [(started + timedelta(milliseconds=ms) - created).total_seconds() for created, started, ms in rows]


@dataclass(frozen=True)
class Throughput:
    """Deliveries per second, and the CPU microseconds each cost the worker, PostgreSQL and the receiver."""

    rate: float
    worker_us: float
    database_us: float | None
    receiver_us: float


def throughput(app, url: str, creditor_id: int, receiver_pid: int) -> Throughput:
    """Deliveries per second for MESSAGES queued messages, one worker, fan-out included."""
    with app.extensions["db_sessionmaker"]() as session:
        queue(session, creditor_id, MESSAGES)
    worker = Worker(app)
    database = CpuMeter()
    database.start(postgres_backends(url) if url.startswith("postgresql") else [])
    receiver_cpu, own, started = cpu_seconds(receiver_pid), time.process_time(), time.perf_counter()
    handled = worker.run_once()
    worker.settle()
    elapsed, own = time.perf_counter() - started, time.process_time() - own
    receiver_cpu = cpu_seconds(receiver_pid) - receiver_cpu
    database_cpu = database.stop(postgres_backends(url)) if url.startswith("postgresql") else None
    worker.close()
    with app.extensions["db_sessionmaker"]() as session:
        delivered = session.scalar(select(WebhookDelivery.id).where(WebhookDelivery.status != "succeeded").limit(1))
    if delivered is not None or handled < MESSAGES:
        raise SystemExit("not every webhook was delivered")
    per = 1e6 / MESSAGES
    return Throughput(MESSAGES / elapsed, own * per, database_cpu * per if database_cpu else None, receiver_cpu * per)


def steady_delay(app, url: str, creditor_id: int) -> float:
    """p50 seconds from event to delivery while messages arrive at STEADY_RATE and a worker process runs."""
    with app.extensions["db_sessionmaker"]() as session:
        session.query(WebhookAttempt).delete()
        session.query(WebhookDelivery).delete()
        session.commit()
    env = {k: v for k, v in os.environ.items() if not k.startswith("PORTAL_")}
    env |= {"PORTAL_ENV": "test", "PORTAL_DATABASE_URL": url, "PORTAL_WEBHOOKS_ALLOW_LOOPBACK": "1"}
    worker = subprocess.Popen([str(ROOT / ".venv/bin/flask"), "--app", "wsgi", "worker", "run"], cwd=ROOT, env=env,
                              stdout=subprocess.PIPE, text=True)  # fmt: skip
    try:
        worker.stdout.readline()  # "Worker running; …": it has started and polls from now on
        tick, sent = 0.05, 0
        with app.extensions["db_sessionmaker"]() as session:
            ends = time.time() + STEADY_SECONDS
            while time.time() < ends:
                count = max(1, round(STEADY_RATE * tick))
                queue(session, creditor_id, count)
                sent += count
                time.sleep(tick)
            wait_until_delivered(session, sent)
    finally:
        worker.terminate()
        worker.wait(30)
    with app.extensions["db_sessionmaker"]() as session:
        return statistics.median(delays(session))


def wait_until_delivered(session, count: int) -> None:
    """Wait (at most a minute) until count deliveries have succeeded."""
    deadline = time.monotonic() + 60
    counted = select(func.count()).select_from(WebhookDelivery).where(WebhookDelivery.status == "succeeded")
    while session.scalar(counted) < count and time.monotonic() < deadline:
        session.rollback()  # see the worker's newest commits
        time.sleep(0.2)


def figures_of(database: str, result: Throughput, delay: float) -> list[dict]:
    """One database's figures in the results.json shape."""
    figures = [
        figure("webhook_deliveries_per_s", round(result.rate), "deliveries/s", database),
        figure("webhook_delay_p50_ms", round(delay * 1000), "ms", database),
        figure("webhook_worker_cpu_us_per_delivery", round(result.worker_us), "µs/delivery", database),
    ]
    if result.database_us is not None:
        figures.append(
            figure("webhook_database_cpu_us_per_delivery", round(result.database_us), "µs/delivery", database)
        )
    return figures


def wait_for(port: int) -> None:
    """Wait until something accepts connections on the loopback port (at most 30 seconds)."""
    deadline = time.monotonic() + 30
    while True:
        try:
            socket.create_connection(("127.0.0.1", port), timeout=1).close()
            return
        except OSError:
            if time.monotonic() > deadline:
                raise
            time.sleep(0.05)


def main() -> None:
    """Run both measurements per database; print a table and record the figures."""
    port = free_port()
    receiver_process = subprocess.Popen([sys.executable, __file__, "--receiver", str(port)])
    wait_for(port)
    figures = []
    print(f"{MESSAGES} messages; worker batches of {TestConfig.WORKER_BATCH_SIZE}, "
          f"{TestConfig.WORKER_CONCURRENCY} requests in flight")  # fmt: skip
    print(f"{'database':<12}{'deliveries/s':>14}{'p50 delay ms':>14}   CPU µs/delivery: worker, database, receiver")
    try:
        for database in ("sqlite", "postgresql"):
            url = fresh_database(database)
            if url is None:
                continue
            app = create_app(TestConfig(), {"DATABASE_URL": url, "WEBHOOKS_ALLOW_LOOPBACK": True})
            with app.app_context(), app.extensions["db_sessionmaker"]() as session:
                creditor = Creditor(name="Benchmark A/S")
                session.add(creditor)
                session.flush()
                webhook_endpoints.create(session, creditor.id, url=f"http://127.0.0.1:{port}/hook", events=["*"],
                                         allow_loopback=True)  # fmt: skip
                session.commit()
                creditor_id = creditor.id
            result = throughput(app, url, creditor_id, receiver_process.pid)
            delay = steady_delay(app, url, creditor_id)
            database_us = f"{result.database_us:.0f}" if result.database_us is not None else "-"
            print(f"{database:<12}{result.rate:>14.0f}{delay * 1000:>14.0f}   {result.worker_us:.0f}, {database_us}, "
                  f"{result.receiver_us:.0f}", flush=True)  # fmt: skip
            figures += figures_of(database, result, delay)
            app.extensions["db_engine"].dispose()
            app.extensions["db_read_engine"].dispose()
    finally:
        receiver_process.terminate()
    print(f"load average at the end: {load()} ({os.cpu_count()} CPUs)")
    record(figures)


if __name__ == "__main__":
    if sys.argv[1:2] == ["--receiver"]:
        serve(int(sys.argv[2]))
    else:
        main()

"""Intake benchmark: 100,000 cases through the batch API (over HTTP, to gunicorn) and the CSV import, per database."""

from __future__ import annotations

import csv
import http.client
import json
import os
import queue
import sys
import tempfile
import threading
import time
from dataclasses import dataclass
from datetime import date, timedelta
from pathlib import Path

import psycopg
from case_page import HOST, gunicorn, portal_env, prepare_postgres
from procs import CpuMeter, children, load, postgres_backends
from results import figure, record

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from portal import create_app  # noqa: E402
from portal.cli.db import upgrade  # noqa: E402
from portal.config import TestConfig  # noqa: E402
from portal.models import Creditor  # noqa: E402
from portal.services import api_keys  # noqa: E402

TOTAL = int(os.environ.get("BENCH_INTAKE_CASES", "100000"))
BATCH = 1000
WORKERS = int(os.environ.get("BENCH_INTAKE_WORKERS", "2"))  # gunicorn sync workers
CLIENTS = int(os.environ.get("BENCH_INTAKE_CLIENTS", "3"))  # batch requests in flight at once
DEFAULT_PG_URL = "postgresql://postgres@127.0.0.1:5432/betal_bench"
WORK = Path(__file__).resolve().parent / ".work"


@dataclass(frozen=True)
class Result:
    """One intake run: the rate and the CPU it cost, per case, in the portal's processes and in PostgreSQL."""

    rate: float
    portal_us: float
    database_us: float | None


def case(n: int, prefix: str) -> dict:
    """A realistic case: a debtor with e-mail and phone, one invoice with two lines, a fee."""
    issued = date(2026, 10, 1) + timedelta(days=n % 28)
    return {
        "external_id": f"{prefix}-{n:07d}",
        "debtor": {
            "name": f"Debitor {n}",
            "email": f"debitor{n}@example.dk",
            "phone": f"+45{(2233, 2234, 4050, 5050, 6060)[n % 5]}{n % 10_000:04d}",
            "customer_number": str(100000 + n),
            "address": {"street": "Nørregade 1", "postcode": "8000", "city": "Aarhus C"},
        },
        "invoices": [
            {
                "number": f"F-{n}",
                "issued_on": issued.isoformat(),
                "due_on": (issued + timedelta(days=14)).isoformat(),
                "amount": 123450,
                "lines": [
                    {"description": "Varme", "amount": 100000},
                    {"description": "Fast afgift", "amount": 23450},
                ],
            }
        ],
        "fees": [{"kind": "reminder_fee", "amount": 10000, "description": "Rykkergebyr"}],
    }


def fresh_database(name: str) -> str | None:
    """A migrated empty database URL, or None when PostgreSQL is not reachable."""
    if name == "sqlite":
        WORK.mkdir(exist_ok=True)
        path = WORK / "intake.sqlite3"
        for suffix in ("", "-wal", "-shm"):
            Path(f"{path}{suffix}").unlink(missing_ok=True)
        url = f"sqlite:///{path}"
    else:
        url = os.environ.get("PORTAL_BENCH_DATABASE_URL", DEFAULT_PG_URL)
        try:
            prepare_postgres(url)
        except psycopg.Error as error:
            print(f"PostgreSQL not reachable ({type(error).__name__}); skipping it", file=sys.stderr)
            return None
    upgrade(url)
    return url


def app_with_key(url: str):
    """The portal on url, with a creditor and its API key."""
    app = create_app(TestConfig(), {"DATABASE_URL": url})
    session = app.extensions["db_sessionmaker"]()
    creditor = Creditor(name="Benchmark A/S")
    session.add(creditor)
    session.flush()
    _, key = api_keys.issue(session, creditor)
    session.commit()
    public_id = creditor.public_id
    session.close()
    return app, key, public_id


def _post_all(port: int, key: str, bodies: queue.Queue, failures: list[str]) -> None:
    """Send batches from the queue over one keep-alive connection until it is empty; note any failure."""
    connection = http.client.HTTPConnection(HOST, port, timeout=120)
    headers = {"Authorization": f"Bearer {key}", "Content-Type": "application/json"}
    try:
        while True:
            try:
                size, body = bodies.get_nowait()
            except queue.Empty:
                return
            connection.request("POST", "/api/v1/cases/batch", body=body, headers=headers)
            response = connection.getresponse()
            text = response.read()
            answer = json.loads(text) if response.status == 200 else {}
            if answer.get("created") != size or answer.get("failed") != 0:
                failures.append(f"{response.status} {text[:500]!r}")
                return
    finally:
        connection.close()


def send(port: int, key: str, bodies: list[tuple[int, bytes]]) -> list[str]:
    """POST every batch with CLIENTS requests in flight at once; return the failures."""
    waiting: queue.Queue = queue.Queue()
    for item in bodies:
        waiting.put(item)
    failures: list[str] = []
    threads = [threading.Thread(target=_post_all, args=(port, key, waiting, failures)) for _ in range(CLIENTS)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    return failures


def _encoded(prefix: str, start: int, stop: int) -> tuple[int, bytes]:
    """One batch request body, ready to send."""
    return stop - start, json.dumps({"cases": [case(n, prefix) for n in range(start, stop)]}).encode()


def batch_api(url: str, key: str) -> Result:
    """Cases per second through POST /api/v1/cases/batch (1,000 per request) to the portal under gunicorn."""
    bodies = [_encoded("API", start, min(start + BATCH, TOTAL)) for start in range(0, TOTAL, BATCH)]
    flags = ["--config", "/dev/null", "--workers", str(WORKERS), "--timeout", "120", "--log-level", "warning"]
    env = portal_env(url, 0) | {"PORTAL_BASE_URL": "https://betal.example"}
    with gunicorn("wsgi:app", env, "intake", "/healthz", flags) as (port, master):
        # Warm every worker up (imports, validators, phone metadata) with cases that are not counted.
        warm = send(port, key, [_encoded("WARM", n * 10, n * 10 + 10) for n in range(4 * WORKERS)])
        if warm:
            raise SystemExit(f"batch failed: {warm[0]}")
        portal, database = CpuMeter(), CpuMeter()
        portal.start(children(master.pid))
        database.start(postgres_backends(url) if url.startswith("postgresql") else [])
        started = time.perf_counter()
        failures = send(port, key, bodies)
        elapsed = time.perf_counter() - started
        portal_seconds = portal.stop(children(master.pid))
        database_seconds = database.stop(postgres_backends(url)) if url.startswith("postgresql") else None
    if failures:
        raise SystemExit(f"batch failed: {failures[0]}")
    return Result(TOTAL / elapsed, portal_seconds / TOTAL * 1e6, _per_case(database_seconds))


def _per_case(seconds: float | None) -> float | None:
    """CPU microseconds per case, or None when unknown (or the database server is elsewhere)."""
    return seconds / TOTAL * 1e6 if seconds else None


def write_csv(path: Path) -> None:
    """The same cases as a CSV file in the import format."""
    columns = ["external_id", "debtor_name", "email", "phone", "customer_number", "street", "postcode", "city",
               "invoice_number", "issued_on", "due_on", "amount", "line_description", "fee_kind", "fee_amount",
               "fee_description"]  # fmt: skip
    with path.open("w", newline="", encoding="utf-8") as file:
        writer = csv.writer(file)
        writer.writerow(columns)
        for n in range(TOTAL):
            c = case(n, "CSV")
            d, i = c["debtor"], c["invoices"][0]
            writer.writerow([c["external_id"], d["name"], d["email"], d["phone"], d["customer_number"],
                             "Nørregade 1", "8000", "Aarhus C", i["number"], i["issued_on"], i["due_on"], i["amount"],
                             "Varme", "reminder_fee", 10000, "Rykkergebyr"])  # fmt: skip


def csv_import(app, url: str, creditor_id: str) -> Result:
    """Cases per second through `flask --app wsgi cases import` (in this process)."""
    with tempfile.TemporaryDirectory() as folder:
        path = Path(folder) / "cases.csv"
        write_csv(path)
        runner = app.test_cli_runner()
        database = CpuMeter()
        database.start(postgres_backends(url) if url.startswith("postgresql") else [])
        own, started = time.process_time(), time.perf_counter()
        result = runner.invoke(args=["cases", "import", creditor_id, str(path)])
        elapsed, own = time.perf_counter() - started, time.process_time() - own
        database_seconds = database.stop(postgres_backends(url)) if url.startswith("postgresql") else None
    if result.exit_code != 0 or f"Imported {TOTAL} cases" not in result.output:
        raise SystemExit(f"import failed: {result.output[-1000:]}")
    return Result(TOTAL / elapsed, own / TOTAL * 1e6, _per_case(database_seconds))


def main() -> None:
    """Run both intakes on SQLite and PostgreSQL; print a table and record the figures."""
    figures = []
    print(f"{TOTAL} cases per run; gunicorn with {WORKERS} sync workers, {CLIENTS} batch requests in flight")
    print(f"{'database':<12}{'intake':<12}{'cases/s':>10}{'portal CPU µs/case':>20}{'database CPU µs/case':>22}")
    for database in ("sqlite", "postgresql"):
        url = fresh_database(database)
        if url is None:
            continue
        app, key, creditor_id = app_with_key(url)
        for name in ("batch_api", "csv"):
            result = batch_api(url, key) if name == "batch_api" else csv_import(app, url, creditor_id)
            database_us = f"{result.database_us:.0f}" if result.database_us is not None else "-"
            print(f"{database:<12}{name:<12}{result.rate:>10.0f}{result.portal_us:>20.0f}{database_us:>22}", flush=True)
            figures += [
                figure(f"intake_{name}_cases_per_s", round(result.rate), "cases/s", database),
                figure(f"intake_{name}_cpu_us_per_case", round(result.portal_us), "µs/case", database),
            ]
            if result.database_us is not None:
                figures.append(
                    figure(f"intake_{name}_database_cpu_us_per_case", round(result.database_us), "µs/case", database)
                )
        app.extensions["db_engine"].dispose()
        app.extensions["db_read_engine"].dispose()
    print(f"load average at the end: {load()} ({os.cpu_count()} CPUs)")
    record(figures)


if __name__ == "__main__":
    main()

"""Intake benchmark: 100,000 cases through the batch API and through the CSV import, per database."""

from __future__ import annotations

import csv
import os
import sys
import tempfile
import time
from datetime import date, timedelta
from pathlib import Path

from results import figure, record
from sqlalchemy import text

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from portal import create_app  # noqa: E402
from portal.cli.db import upgrade  # noqa: E402
from portal.config import TestConfig  # noqa: E402
from portal.db import make_engine  # noqa: E402
from portal.models import Creditor  # noqa: E402
from portal.services import api_keys  # noqa: E402

TOTAL = int(os.environ.get("BENCH_INTAKE_CASES", "100000"))
BATCH = 1000
DEFAULT_PG_URL = "postgresql://postgres@127.0.0.1:5432/betal_bench"
WORK = Path(__file__).resolve().parent / ".work"


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
            engine = make_engine(url)
            with engine.begin() as conn:
                conn.execute(text("DROP SCHEMA public CASCADE"))
                conn.execute(text("CREATE SCHEMA public"))
            engine.dispose()
        except Exception as error:  # noqa: BLE001 (report and go on with SQLite)
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


def batch_api(app, key: str) -> float:
    """Cases per second through POST /api/v1/cases/batch, 1,000 per request."""
    client = app.test_client()
    headers = {"Authorization": f"Bearer {key}"}
    bodies = [[case(n, "API") for n in range(start, min(start + BATCH, TOTAL))] for start in range(0, TOTAL, BATCH)]
    started = time.perf_counter()
    for cases in bodies:
        response = client.post("/api/v1/cases/batch", json={"cases": cases}, headers=headers)
        if response.status_code != 200 or response.json["failed"]:
            raise SystemExit(f"batch failed: {response.status_code} {response.get_data(as_text=True)[:500]}")
    return TOTAL / (time.perf_counter() - started)


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


def csv_import(app, creditor_id: str) -> float:
    """Cases per second through `flask --app wsgi cases import` (in process)."""
    with tempfile.TemporaryDirectory() as folder:
        path = Path(folder) / "cases.csv"
        write_csv(path)
        runner = app.test_cli_runner()
        started = time.perf_counter()
        result = runner.invoke(args=["cases", "import", creditor_id, str(path)])
        elapsed = time.perf_counter() - started
    if result.exit_code != 0 or f"Imported {TOTAL} cases" not in result.output:
        raise SystemExit(f"import failed: {result.output[-1000:]}")
    return TOTAL / elapsed


def main() -> None:
    """Run both intakes on SQLite and PostgreSQL; print a table and record the figures."""
    figures = []
    print(f"{'database':<12}{'intake':<12}{'cases/s':>10}")
    for database in ("sqlite", "postgresql"):
        url = fresh_database(database)
        if url is None:
            continue
        app, key, creditor_id = app_with_key(url)
        for name in ("batch_api", "csv"):
            rate = batch_api(app, key) if name == "batch_api" else csv_import(app, creditor_id)
            print(f"{database:<12}{name:<12}{rate:>10.0f}")
            figures.append(figure(f"intake_{name}_cases_per_s", round(rate), "cases/s", database))
        app.extensions["db_engine"].dispose()
        app.extensions["db_read_engine"].dispose()
    record(figures)


if __name__ == "__main__":
    main()

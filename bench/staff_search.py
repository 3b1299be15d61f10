"""Staff search benchmark: 1,000,000 cases in PostgreSQL, each kind of search timed through the real service.

Usage: .venv/bin/python bench/staff_search.py [--cases N] [--keep]
The database (BENCH_STAFF_SEARCH_URL, default postgresql://postgres@127.0.0.1:5432/betal_staff_bench) is
created if missing, migrated from empty and filled with INSERT … SELECT generate_series (about a minute).
--keep reuses a database that already holds the cases. Prints a table and adds the figures to
bench/results.json.
"""

from __future__ import annotations

import argparse
import hashlib
import os
import statistics
import sys
import time
from pathlib import Path

from results import figure, record
from sqlalchemy import create_engine, text
from sqlalchemy.engine import make_url
from sqlalchemy.orm import Session

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from portal.cli.db import upgrade  # noqa: E402
from portal.db import make_engine  # noqa: E402
from portal.models import StaffUser  # noqa: E402
from portal.services import staff_search  # noqa: E402

DEFAULT_URL = "postgresql://postgres@127.0.0.1:5432/betal_staff_bench"
CREDITORS = 10
RUNS = 25
FIRST = "Mette Anne Kirsten Hanne Anna Helle Maria Susanne Lene Marianne Lars Jens Peter Michael Henrik Thomas Søren Jan Niels Christian"  # noqa: E501
LAST = "Jensen Nielsen Hansen Pedersen Andersen Christensen Larsen Sørensen Rasmussen Jørgensen Petersen Madsen Kristensen Olsen Thomsen Christiansen Poulsen Johansen Møller Mortensen Skovgaard Bækgaard Lindholm Østergaard Winther"  # noqa: E501

FILL = """
INSERT INTO debtor (id, public_id, creditor_id, kind, name, email, phone, locale, created_at)
SELECT n, 'deb_' || substr(md5(n::text), 1, 20), 1 + n % :creditors, 'person',
       (string_to_array(:first, ' '))[1 + n % 20] || ' ' || (string_to_array(:last, ' '))[1 + (n / 20) % 25]
         || ' ' || (string_to_array(:last, ' '))[1 + (n / 500) % 25],
       'debitor' || n || '@example.dk', '+45' || (26000000 + n), 'da', now() - (n % 365) * interval '1 day'
FROM generate_series(1, :total) AS n;
INSERT INTO "case" (id, public_id, creditor_id, debtor_id, external_id, status, currency, outstanding, link_id,
                    link_version, link_fetched_version, link_engaged_version, revision, created_at, updated_at)
SELECT n, 'cas_' || substr(md5(n::text), 1, 20), 1 + n % :creditors, n, 'EXT-' || lpad(n::text, 8, '0'), 'open',
       'DKK', 123450, substr(md5('l' || n), 1, 10), 1, 0, 0, 1, now() - (n % 365) * interval '1 day', now()
FROM generate_series(1, :total) AS n;
INSERT INTO invoice (id, case_id, number, issued_on, due_on, amount)
SELECT n, n, 'F-' || (100000 + n), current_date - 30, current_date - 16, 123450 FROM generate_series(1, :total) AS n;
"""


def prepare(url: str, total: int) -> None:
    """Create the database if needed, migrate it from empty and fill it with `total` cases."""
    parsed = make_url(url)
    admin = create_engine(
        parsed.set(database="postgres", drivername="postgresql+psycopg"), isolation_level="AUTOCOMMIT"
    )
    with admin.connect() as conn:
        if not conn.scalar(text("SELECT 1 FROM pg_database WHERE datname = :name"), {"name": parsed.database}):
            conn.execute(text(f'CREATE DATABASE "{parsed.database}"'))
    admin.dispose()
    engine = make_engine(url)
    with engine.begin() as conn:
        conn.execute(text("DROP SCHEMA public CASCADE"))
        conn.execute(text("CREATE SCHEMA public"))
    upgrade(url)
    started = time.perf_counter()
    with engine.begin() as conn:
        conn.execute(text("SET LOCAL session_replication_role = replica"))  # skip the stamp triggers while loading
        for n in range(1, CREDITORS + 1):
            conn.execute(
                text("INSERT INTO creditor (id, public_id, name, brand_color, locale, require_postcode, policy, "
                     "revision, created_at) VALUES (:n, :pid, :name, '#1d4f91', 'da', false, '{}', 1, now())"),
                {"n": n, "pid": f"cre_bench{n:03d}", "name": f"Kreditor {n}"},
            )  # fmt: skip
        for statement in FILL.split(";"):
            if statement.strip():
                conn.execute(text(statement), {"total": total, "creditors": CREDITORS, "first": FIRST, "last": LAST})
        for table in ("creditor", "debtor", "case", "invoice"):
            conn.execute(text(f"SELECT setval(pg_get_serial_sequence('\"{table}\"', 'id'), {total + CREDITORS})"))
    with engine.connect().execution_options(isolation_level="AUTOCOMMIT") as conn:
        conn.execute(text("VACUUM ANALYZE"))
    engine.dispose()
    print(f"Loaded {total:,} cases in {time.perf_counter() - started:.0f} s")


def queries(total: int) -> list[tuple[str, str]]:
    """One query of each kind; the exact ones match one existing case."""
    n = total // 30 * 10  # a case of creditor 1, so the creditor-scoped searches find it too
    digits = str(26000000 + n)
    national = " ".join(digits[i : i + 2] for i in range(0, 8, 2))
    return [
        ("case id", "cas_" + hashlib.md5(str(n).encode()).hexdigest()[:20]),  # noqa: S324 (as the SQL fill)
        ("external reference", f"EXT-{n:08d}"),
        ("invoice number", f"F-{100000 + n}"),
        ("e-mail", f"debitor{n}@example.dk"),
        ("phone 22 33 44 55 style", national),
        ("phone +45 style", f"+45 {digits}"),
        ("phone 0045 style", f"0045 {national}"),
        ("name, rare (full name)", "Hanne Skovgaard Winther"),
        ("name, first and last", "Hanne Skovgaard"),
        ("name, common (surname)", "Jensen"),
        ("name, part of a word", "vgaar"),
        ("nothing matches", "Zyxwvu Qqq"),
    ]


def time_search(session, staff: StaffUser, query: str) -> tuple[float, float, int]:
    """Median and 95th percentile in ms over RUNS searches (after one warm-up), and the rows on page one."""
    rows = len(staff_search.search(session, staff, query).rows)
    timings = []
    for _ in range(RUNS):
        started = time.perf_counter()
        staff_search.search(session, staff, query)
        timings.append((time.perf_counter() - started) * 1000)
    timings.sort()
    return statistics.median(timings), timings[int(len(timings) * 0.95) - 1], rows


def main() -> None:
    """Load (unless --keep), then time every kind of search for an operator and for one creditor's staff."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--cases", type=int, default=1_000_000)
    parser.add_argument("--keep", action="store_true", help="reuse the cases already in the database")
    args = parser.parse_args()
    url = os.environ.get("BENCH_STAFF_SEARCH_URL", DEFAULT_URL)
    if not args.keep:
        prepare(url, args.cases)
    engine = make_engine(url)
    figures = []
    print(f"\nStaff search on {args.cases:,} cases (PostgreSQL), {RUNS} runs each, page size {staff_search.PAGE_SIZE}")
    print(f"{'query':<28} {'scope':<9} {'median ms':>10} {'p95 ms':>8} {'rows':>5}")
    with Session(engine) as session:
        for scope, staff in (("operator", StaffUser(creditor_id=None)), ("creditor", StaffUser(creditor_id=1))):
            for label, query in queries(args.cases):
                median, p95, rows = time_search(session, staff, query)
                print(f"{label:<28} {scope:<9} {median:>10.2f} {p95:>8.2f} {rows:>5}")
                name = f"staff_search_{scope}_{label.split(' (')[0].replace(' ', '_').replace(',', '')}_median_ms"
                figures.append(figure(name, round(median, 2), "ms", "postgresql"))
    engine.dispose()
    worst = max(f["value"] for f in figures)
    figures.append(figure("staff_search_worst_median_ms", worst, "ms", "postgresql"))
    record(figures)
    print(f"\nWorst median: {worst:.2f} ms (target < 100 ms)")


if __name__ == "__main__":
    main()

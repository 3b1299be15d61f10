"""Case page benchmark: the link landing and case pages under gunicorn against a bare Flask app, per database."""

from __future__ import annotations

import http.client
import json
import os
import re
import shutil
import signal
import socket
import statistics
import subprocess
import sys
import time
from collections.abc import Iterator
from contextlib import contextmanager, suppress
from dataclasses import dataclass
from http.cookies import SimpleCookie
from pathlib import Path
from urllib.parse import urlencode, urlsplit

import psycopg
from psycopg import sql
from results import figure, record

BENCH_DIR = Path(__file__).resolve().parent
ROOT = BENCH_DIR.parent
WORK = BENCH_DIR / ".work"
BIN = ROOT / ".venv" / "bin"
HOST = "127.0.0.1"
SCENARIO = "several_invoices_fee"
TARGET_RATIO = 0.40
DEFAULT_PG_URL = "postgresql://postgres@127.0.0.1:5432/betal_bench"
COOKIE = "betal_session"
_CSRF_INPUT = re.compile(r'<input[^>]*\bname="csrf_token"[^>]*>')
_VALUE = re.compile(r'\bvalue="([^"]+)"')


class BenchError(RuntimeError):
    """The benchmark could not produce a meaningful figure."""


def _seconds(value: str) -> str:
    """A wrk duration: '10' becomes '10s', '1m' stays."""
    value = value.strip()
    return f"{value}s" if value.isdigit() else value


@dataclass(frozen=True)
class Settings:
    """Server and load settings, identical for every target (overridable through BENCH_* variables)."""

    # gunicorn's default sync worker, as the README's production set-up runs it (behind a proxy).
    worker_class: str = os.environ.get("BENCH_WORKER_CLASS", "sync")
    workers: int = int(os.environ.get("BENCH_WORKERS", "2"))
    threads: int = int(os.environ.get("BENCH_THREADS", "1"))
    wrk_threads: int = int(os.environ.get("BENCH_WRK_THREADS", "2"))
    connections: int = int(os.environ.get("BENCH_CONNECTIONS", "16"))
    duration: str = _seconds(os.environ.get("BENCH_DURATION", "10s"))
    warmup: str = _seconds(os.environ.get("BENCH_WARMUP", "3s"))

    def gunicorn_flags(self) -> list[str]:
        """The gunicorn flags every server gets (no config file, so no access log and no custom logger)."""
        return [
            "--config",
            "/dev/null",
            "--worker-class",
            self.worker_class,
            "--workers",
            str(self.workers),
            "--threads",
            str(self.threads),
            "--log-level",
            "warning",
        ]

    def wrk_flags(self, duration: str) -> list[str]:
        """The wrk flags every measurement gets."""
        return [f"-t{self.wrk_threads}", f"-c{self.connections}", f"-d{duration}", "--latency", "--timeout", "5s"]


SETTINGS = Settings()
ROUNDS = int(os.environ.get("BENCH_ROUNDS", "3"))


@dataclass(frozen=True)
class Row:
    """One measured target: throughput and latency percentiles."""

    target: str
    database: str
    rps: float
    p50_ms: float
    p99_ms: float


# --- databases -------------------------------------------------------------------------------------------------


def _redact(url: str) -> str:
    """The URL without its password, for printing."""
    parts = urlsplit(url)
    if parts.password is None:
        return url
    return parts._replace(netloc=parts.netloc.replace(f":{parts.password}@", ":***@")).geturl()


def prepare_sqlite() -> str:
    """A fresh SQLite file under bench/.work/; returns its URL."""
    path = WORK / "case_page.sqlite3"
    for leftover in (path, path.with_name(path.name + "-wal"), path.with_name(path.name + "-shm")):
        leftover.unlink(missing_ok=True)
    return f"sqlite:///{path}"


def prepare_postgres(url: str) -> None:
    """Create the database if needed and recreate its public schema; raises psycopg.Error when unreachable."""
    plain = url.replace("postgresql+psycopg://", "postgresql://", 1)
    parts = urlsplit(plain)
    name = parts.path.lstrip("/")
    with psycopg.connect(parts._replace(path="/postgres").geturl(), autocommit=True, connect_timeout=5) as conn:
        if conn.execute("SELECT 1 FROM pg_database WHERE datname = %s", (name,)).fetchone() is None:
            conn.execute(sql.SQL("CREATE DATABASE {}").format(sql.Identifier(name)))
    with psycopg.connect(plain, autocommit=True, connect_timeout=5) as conn:
        conn.execute("SET lock_timeout = '10s'")
        conn.execute("DROP SCHEMA IF EXISTS public CASCADE")
        conn.execute("CREATE SCHEMA public")


def databases() -> Iterator[tuple[str, str]]:
    """Yield (name, URL) for SQLite, then PostgreSQL unless it is unreachable (then say so and skip it)."""
    yield "sqlite", prepare_sqlite()
    url = os.environ.get("PORTAL_BENCH_DATABASE_URL", DEFAULT_PG_URL)
    try:
        prepare_postgres(url)
    except psycopg.Error as error:
        reason = str(error).strip().splitlines()[0] if str(error).strip() else type(error).__name__
        print(
            f"\nPostgreSQL figures skipped: could not prepare {_redact(url)} ({reason}). "
            "Set PORTAL_BENCH_DATABASE_URL to a reachable server to include them.",
            flush=True,
        )
        return
    yield "postgresql", url


# --- processes -------------------------------------------------------------------------------------------------


def base_env() -> dict[str, str]:
    """This process's environment without any PORTAL_*, GUNICORN_* or FLASK_* setting that could skew a run."""
    return {k: v for k, v in os.environ.items() if not k.startswith(("PORTAL_", "GUNICORN_", "FLASK_"))}


def portal_env(url: str, port: int) -> dict[str, str]:
    """The environment the portal's commands and server run with."""
    return base_env() | {
        "PORTAL_DATABASE_URL": url,
        "PORTAL_ENV": "development",
        "PORTAL_BASE_URL": f"http://{HOST}:{port}",
        "PORTAL_LINK_RATE_LIMIT": "1000000 per minute",
    }


def flask(env: dict[str, str], *args: str) -> str:
    """Run `flask --app wsgi ARGS` in the project and return its standard output."""
    done = subprocess.run(
        [str(BIN / "flask"), "--app", "wsgi", *args], cwd=ROOT, env=env, capture_output=True, text=True, check=False
    )
    if done.returncode != 0:
        output = (done.stderr.strip() or done.stdout.strip() or "(no output)")[-2000:]
        raise BenchError(f"flask {' '.join(args)} failed ({done.returncode}):\n{output}")
    return done.stdout


def seeded_link_path(env: dict[str, str]) -> str:
    """Migrate and seed the demo; return the /l/<token> path of the heaviest case."""
    flask(env, "db", "upgrade")
    rows = json.loads(flask(env, "demo", "seed", "--json"))
    for row in rows:
        if row["scenario"] == SCENARIO:
            return urlsplit(row["url"]).path
    raise BenchError(f"demo seed printed no {SCENARIO!r} case")


def free_port() -> int:
    """A TCP port on 127.0.0.1 that nothing listens on right now."""
    with socket.socket() as sock:
        sock.bind((HOST, 0))
        return sock.getsockname()[1]


def _stop(proc: subprocess.Popen) -> None:
    """Stop a gunicorn master quickly, then make sure nothing of its process group survives."""
    if proc.poll() is None:
        proc.send_signal(signal.SIGINT)
        with suppress(subprocess.TimeoutExpired):
            proc.wait(timeout=10)
    with suppress(ProcessLookupError):
        os.killpg(proc.pid, signal.SIGKILL)
    proc.wait()


def _wait_until_up(proc: subprocess.Popen, port: int, path: str, log: Path) -> None:
    """Poll the server until path answers 200; fail if it exits or takes more than 30 seconds."""
    deadline = time.monotonic() + 30
    while time.monotonic() < deadline:
        if proc.poll() is not None:
            raise BenchError(f"gunicorn exited with {proc.returncode} before answering:\n{_tail(log)}")
        try:
            status, _, _ = fetch(port, "GET", path)
        except OSError:
            time.sleep(0.1)
            continue
        if status != 200:
            raise BenchError(f"GET {path} answered {status} instead of 200:\n{_tail(log)}")
        return
    raise BenchError(f"gunicorn did not answer within 30 s:\n{_tail(log)}")


def _tail(log: Path) -> str:
    """The end of a server log, for error messages."""
    return log.read_text(errors="replace")[-2000:] if log.exists() else "(no log)"


@contextmanager
def serve(app: str, env: dict[str, str], label: str, ready_path: str) -> Iterator[int]:
    """Run app under gunicorn with the shared settings on a free port; yield the port; always stop it."""
    with gunicorn(app, env, label, ready_path, SETTINGS.gunicorn_flags()) as (port, _):
        yield port


@contextmanager
def gunicorn(
    app: str, env: dict[str, str], label: str, ready_path: str, flags: list[str]
) -> Iterator[tuple[int, subprocess.Popen]]:
    """Run app under gunicorn with flags on a free port; yield the port and the master process; always stop it."""
    port = int(urlsplit(env.get("PORTAL_BASE_URL", "")).port or free_port())
    log = WORK / f"{label}.log"
    argv = [str(BIN / "gunicorn"), *flags, "--bind", f"{HOST}:{port}", app]
    with log.open("wb") as out:
        proc = subprocess.Popen(argv, cwd=ROOT, env=env, stdout=out, stderr=subprocess.STDOUT, start_new_session=True)
        try:
            _wait_until_up(proc, port, ready_path, log)
            yield port, proc
        finally:
            _stop(proc)


# --- HTTP --------------------------------------------------------------------------------------------------------


def fetch(
    port: int, method: str, path: str, *, body: str | None = None, headers: dict[str, str] | None = None
) -> tuple[int, http.client.HTTPMessage, str]:
    """One HTTP request without following redirects: (status, headers, text)."""
    conn = http.client.HTTPConnection(HOST, port, timeout=10)
    try:
        conn.request(method, path, body=body, headers=headers or {})
        response = conn.getresponse()
        return response.status, response.headers, response.read().decode("utf-8", "replace")
    finally:
        conn.close()


def _session_cookie(headers: http.client.HTTPMessage) -> str | None:
    """The betal_session value set by a response, if any."""
    for header in headers.get_all("Set-Cookie") or []:
        cookie = SimpleCookie()
        cookie.load(header)
        if COOKIE in cookie:
            return cookie[COOKIE].value
    return None


def _csrf_token(page: str) -> str:
    """The CSRF token of the form on a page."""
    tag = _CSRF_INPUT.search(page)
    value = _VALUE.search(tag.group(0)) if tag else None
    if value is None:
        raise BenchError("the landing page has no csrf_token field")
    return value.group(1)


def debtor_session(port: int, link_path: str) -> str:
    """Open the link, press Fortsæt, and return the debtor session cookie that opens /sag."""
    status, headers, page = fetch(port, "GET", link_path)
    cookie = _session_cookie(headers)
    if status != 200 or cookie is None:
        raise BenchError(f"GET of the link answered {status} (session cookie: {cookie is not None})")
    status, headers, _ = fetch(
        port,
        "POST",
        link_path,
        body=urlencode({"csrf_token": _csrf_token(page)}),
        headers={"Content-Type": "application/x-www-form-urlencoded", "Cookie": f"{COOKIE}={cookie}"},
    )
    location = urlsplit(headers.get("Location", "")).path
    cookie = _session_cookie(headers)
    if status != 303 or location != "/sag" or cookie is None:
        raise BenchError(f"POST of the link answered {status} to {location!r} (session cookie: {cookie is not None})")
    status, _, page = fetch(port, "GET", "/sag", headers={"Cookie": f"{COOKIE}={cookie}"})
    if status != 200 or "Kystvarme" not in page:
        raise BenchError(f"GET /sag with the debtor session answered {status} without the case")
    return cookie


# --- wrk -----------------------------------------------------------------------------------------------------------

_RPS = re.compile(r"^Requests/sec:\s+([\d.]+)", re.M)
_PERCENTILE = re.compile(r"^\s*(50|99)(?:\.0+)?%\s+([\d.]+)(us|ms|s|m)\s*$", re.M)
_REQUESTS = re.compile(r"(\d+) requests in ")
_NON_2XX = re.compile(r"Non-2xx or 3xx responses:\s+(\d+)")
_SOCKET_ERRORS = re.compile(r"Socket errors: (.*)")
_TO_MS = {"us": 0.001, "ms": 1.0, "s": 1000.0, "m": 60000.0}


@dataclass(frozen=True)
class WrkResult:
    """What one wrk run reports."""

    rps: float
    p50_ms: float
    p99_ms: float
    requests: int
    non_2xx: int
    socket_errors: str | None


def parse_wrk(output: str) -> WrkResult:
    """Read requests/sec, p50/p99 latency in ms, request count, non-2xx count and socket errors from wrk."""
    rps, total = _RPS.search(output), _REQUESTS.search(output)
    percentiles = {m[1]: float(m[2]) * _TO_MS[m[3]] for m in _PERCENTILE.finditer(output)}
    if rps is None or total is None or set(percentiles) != {"50", "99"}:
        raise BenchError(f"could not read wrk's output:\n{output}")
    non_2xx, errors = _NON_2XX.search(output), _SOCKET_ERRORS.search(output)
    return WrkResult(
        rps=float(rps[1]),
        p50_ms=percentiles["50"],
        p99_ms=percentiles["99"],
        requests=int(total[1]),
        non_2xx=int(non_2xx[1]) if non_2xx else 0,
        socket_errors=errors[1] if errors else None,
    )


def wrk(port: int, path: str, duration: str, cookie: str | None) -> WrkResult:
    """Load one URL with wrk for the given duration."""
    headers = ["-H", f"Cookie: {COOKIE}={cookie}"] if cookie else []
    done = subprocess.run(
        ["wrk", *SETTINGS.wrk_flags(duration), *headers, f"http://{HOST}:{port}{path}"],
        capture_output=True,
        text=True,
        check=False,
    )
    if done.returncode != 0:
        raise BenchError(f"wrk failed ({done.returncode}): {done.stderr.strip() or done.stdout.strip()}")
    return parse_wrk(done.stdout)


def _check_ok(port: int, path: str, cookie: str | None, label: str) -> None:
    """Fail unless one GET of the target answers 200 (wrk counts only 4xx/5xx as errors, not 3xx)."""
    status, _, _ = fetch(port, "GET", path, headers={"Cookie": f"{COOKIE}={cookie}"} if cookie else None)
    if status != 200:
        raise BenchError(f"{label}: GET answered {status}, not 200; the figure would be meaningless")


def measure(target: str, database: str, port: int, path: str, cookie: str | None = None) -> Row:
    """Warm up, then measure one target; fail loudly on any non-2xx answer."""
    label = f"{target} ({database})"
    print(f"  {label}: warm-up {SETTINGS.warmup}, then {SETTINGS.duration} …", flush=True)
    _check_ok(port, path, cookie, label)
    wrk(port, path, SETTINGS.warmup, cookie)
    result = wrk(port, path, SETTINGS.duration, cookie)
    _check_ok(port, path, cookie, label)
    if result.non_2xx or not result.requests:
        raise BenchError(f"{label}: {result.non_2xx} of {result.requests} responses were not 2xx")
    if result.socket_errors:
        print(f"  warning: {label} had socket errors: {result.socket_errors}", flush=True)
    return Row(target, database, result.rps, result.p50_ms, result.p99_ms)


# --- one pass per database -------------------------------------------------------------------------------------------


def run_round(database: str, env: dict[str, str], link_path: str) -> dict[str, Row]:
    """One measurement of each target, each on a fresh server."""
    # A fresh server per target: the landing page's in-memory rate-limit bookkeeping must not
    # linger into the case page's measurement.
    with serve("wsgi:app", env, f"portal-{database}", "/healthz") as port:
        landing = measure("landing_page", database, port, link_path)
    with serve("wsgi:app", env, f"portal-{database}", "/healthz") as port:
        case = measure("case_page", database, port, "/sag", debtor_session(port, link_path))
    with serve("bench.hello_app:app", base_env(), f"hello-{database}", "/") as port:
        hello = measure("hello", database, port, "/")
    return {"landing_page": landing, "case_page": case, "hello": hello}


def _median_row(rows: list[Row]) -> Row:
    """The median of each figure over the rounds."""
    first = rows[0]
    return Row(
        first.target,
        first.database,
        statistics.median(r.rps for r in rows),
        statistics.median(r.p50_ms for r in rows),
        statistics.median(r.p99_ms for r in rows),
    )


def run_pass(database: str, url: str) -> tuple[list[Row], float]:
    """Prepare one database and measure every target in interleaved rounds; medians and the median ratio."""
    print(f"\n{database}: migrating and seeding {_redact(url)}", flush=True)
    env = portal_env(url, free_port())
    link_path = seeded_link_path(env)
    rounds = []
    for number in range(1, ROUNDS + 1):
        print(f" round {number} of {ROUNDS}", flush=True)
        rounds.append(run_round(database, env, link_path))
    rows = [_median_row([r[target] for r in rounds]) for target in ("landing_page", "case_page", "hello")]
    # Case page and hello measured in the same round share the machine's state at that moment.
    return rows, statistics.median(r["case_page"].rps / r["hello"].rps for r in rounds)


def report(rows: list[Row], ratios: dict[str, float]) -> None:
    """Print the table (medians over the rounds) and the case page / hello ratio per database."""
    print(f"\n{'target':<14}{'database':<12}{'req/s':>10}{'p50 ms':>10}{'p99 ms':>10}")
    for r in rows:
        print(f"{r.target:<14}{r.database:<12}{r.rps:>10.1f}{r.p50_ms:>10.2f}{r.p99_ms:>10.2f}")
    print()
    for database, value in ratios.items():
        verdict = "meets" if value >= TARGET_RATIO else "BELOW"
        print(f"case page / hello ({database}): {value:.1%} of hello's req/s; {verdict} the {TARGET_RATIO:.0%} target")


def figures(rows: list[Row], ratios: dict[str, float]) -> list[dict]:
    """The rows and ratios in the results.json shape."""
    out = []
    for r in rows:
        out += [
            figure(f"{r.target}_rps", round(r.rps, 1), "req/s", r.database),
            figure(f"{r.target}_p50_ms", round(r.p50_ms, 3), "ms", r.database),
            figure(f"{r.target}_p99_ms", round(r.p99_ms, 3), "ms", r.database),
        ]
    for database, value in ratios.items():
        out.append(figure("case_page_vs_hello_rps", round(value, 4), "ratio", database))
    return out


def print_settings() -> None:
    """Say how every server runs and how it is loaded."""
    print(f"gunicorn (portal and hello alike): {' '.join(SETTINGS.gunicorn_flags())} --bind {HOST}:<free port>")
    print(f"wrk: {' '.join(SETTINGS.wrk_flags(SETTINGS.duration))} (after a {SETTINGS.warmup} warm-up)")
    load = os.getloadavg()[0]
    busy = "; other work is running, figures will be noisy" if load > 0.5 else ""
    print(
        f"case: demo scenario {SCENARIO!r}; machine: {os.cpu_count()} CPUs, load average {load:.2f}{busy}", flush=True
    )


def _interrupt(_signum: int, _frame: object) -> None:
    """Treat SIGTERM like Ctrl+C, so the servers are stopped on the way out."""
    raise KeyboardInterrupt


def main() -> int:
    """Run every pass, print the table, write bench/results.json; 1 if the benchmark could not run."""
    signal.signal(signal.SIGTERM, _interrupt)
    signal.signal(signal.SIGINT, signal.default_int_handler)
    try:
        if shutil.which("wrk") is None:
            raise BenchError("wrk is not installed (apt-get install wrk)")
        WORK.mkdir(exist_ok=True)
        print_settings()
        rows, ratios = [], {}
        for database, url in databases():
            pass_rows, ratios[database] = run_pass(database, url)
            rows += pass_rows
        report(rows, ratios)
        record(figures(rows, ratios))
        print("\nWrote bench/results.json")
    except BenchError as error:
        print(f"\nBenchmark failed: {error}", file=sys.stderr)
        return 1
    except KeyboardInterrupt:
        print("\nInterrupted; every server was stopped.", file=sys.stderr)
        return 130
    return 0


if __name__ == "__main__":
    sys.exit(main())

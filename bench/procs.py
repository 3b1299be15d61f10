"""CPU time of processes from /proc (Linux), so the benchmarks can state a cost per item next to a throughput.

Throughput on a shared two-core machine moves with whatever else runs; the CPU seconds a server, a worker or
a PostgreSQL backend spends per item barely do. The database's share is only known when its server runs on
this machine (its backends are then visible in /proc).
"""

from __future__ import annotations

import os
from pathlib import Path

import psycopg

TICKS = os.sysconf("SC_CLK_TCK")


def cpu_seconds(pid: int) -> float:
    """User plus system CPU seconds a process has used (0 when it is gone or not visible)."""
    try:
        fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    except (FileNotFoundError, ProcessLookupError, PermissionError, IndexError):
        return 0.0
    return (int(fields[11]) + int(fields[12])) / TICKS


def children(pid: int) -> list[int]:
    """The direct child processes of pid (a gunicorn master's workers)."""
    found = []
    for entry in Path("/proc").iterdir():
        if entry.name.isdigit():
            try:
                parent = int((entry / "stat").read_text().rsplit(")", 1)[1].split()[1])
            except (FileNotFoundError, ProcessLookupError, IndexError, ValueError):
                continue
            if parent == pid:
                found.append(int(entry.name))
    return found


def postgres_backends(url: str) -> list[int]:
    """The process ids of every other connection to url's database, if its server runs on this machine."""
    plain = url.replace("postgresql+psycopg://", "postgresql://", 1)
    with psycopg.connect(plain, autocommit=True, connect_timeout=5) as conn:
        rows = conn.execute(
            "SELECT pid FROM pg_stat_activity WHERE datname = current_database() AND pid <> pg_backend_pid()"
        ).fetchall()
    pids = [row[0] for row in rows]
    return pids if all(Path(f"/proc/{pid}").exists() for pid in pids) else []


class CpuMeter:
    """CPU seconds used by a changing set of processes between start() and stop()."""

    def __init__(self) -> None:
        self.start_values: dict[int, float] = {}

    def start(self, pids: list[int]) -> None:
        """Note where each process stands now."""
        self.start_values = {pid: cpu_seconds(pid) for pid in pids}

    def stop(self, pids: list[int]) -> float:
        """CPU seconds used since start() by these processes and those seen at start (new ones from zero)."""
        every = set(self.start_values) | set(pids)
        # A process that ended meanwhile reads 0; it counts as having used nothing more.
        return sum(max(cpu_seconds(pid) - self.start_values.get(pid, 0.0), 0.0) for pid in every)


def load() -> str:
    """The 1, 5 and 15 minute load averages, as /proc/loadavg gives them."""
    return " ".join(Path("/proc/loadavg").read_text().split()[:3])

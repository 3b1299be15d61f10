"""Read, merge and write bench/results.json, the one file every benchmark adds its figures to."""

from __future__ import annotations

import json
import os
from collections.abc import Iterable
from pathlib import Path

RESULTS = Path(__file__).resolve().parent / "results.json"


def figure(name: str, value: float, unit: str, database: str | None) -> dict:
    """Build one figure in the results.json shape."""
    return {"name": name, "value": value, "unit": unit, "database": database}


def load(path: Path = RESULTS) -> list[dict]:
    """Return the figures already in the file, or an empty list when there is none yet."""
    if not path.exists():
        return []
    return list(json.loads(path.read_text(encoding="utf-8")).get("figures", []))


def record(figures: Iterable[dict], path: Path = RESULTS) -> None:
    """Merge figures into the file by (name, database), replacing older values in place, and write it atomically."""
    merged = {(f["name"], f.get("database")): f for f in load(path)}
    for new in figures:
        merged[(new["name"], new.get("database"))] = new
    tmp = path.with_suffix(".json.tmp")
    text = json.dumps({"figures": list(merged.values())}, indent=2, ensure_ascii=False)
    tmp.write_text(text + "\n", encoding="utf-8")
    os.replace(tmp, path)

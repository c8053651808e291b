"""The figures' text, one module per family of benchmarks: each ``*_section`` turns a benchmark's JSON
(bench/results/NAME.json) into the Markdown of its part of docs/figures.md, and each ``*_headline`` into the
line the README's summary gives it. bench/report.py puts them together."""

from __future__ import annotations

import json
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
RESULTS = ROOT / "bench" / "results"


def load(name: str) -> dict | None:
    """The JSON a benchmark wrote to bench/results/NAME.json; None when it has not been run."""
    path = RESULTS / f"{name}.json"
    return json.loads(path.read_text()) if path.exists() else None


def check_of(name: str, data: dict) -> dict | None:
    """The symbolic check bench/recovery.py wrote to bench/results/NAME.json when it was run on the very runs of
    ``data`` (same command and time of measurement); None otherwise."""
    check = load(name)
    if check is None or any(check.get("runs_file", {}).get(k) != data.get(k) for k in ("command", "measured")):
        return None
    return check

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

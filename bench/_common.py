"""Helpers shared by the benchmarks: where results go and what machine made them."""

from __future__ import annotations

import argparse
import datetime
import json
import os
import platform
import subprocess
import sys
from collections.abc import Collection
from pathlib import Path
from typing import Any

HERE = Path(__file__).resolve().parent
RESULTS = HERE / "results"


def machine() -> dict[str, Any]:
    """Facts about the machine a figure was measured on."""
    return {"cpus": os.cpu_count(), "platform": platform.platform(), "python": platform.python_version()}


def commit(where: Path = HERE) -> str | None:
    """The commit of the code being measured (short hash), with ``-dirty`` when files other than
    ``bench/results/`` differ from it (a benchmark's own results do not make the next one's code dirty); None
    outside a checkout."""
    try:
        head = subprocess.run(["git", "rev-parse", "--short", "HEAD"], cwd=where, capture_output=True, text=True,
                              timeout=10, check=True).stdout.strip()
        changed = subprocess.run(["git", "status", "--porcelain", "--untracked-files=no", "--", ":/",
                                  ":(top,exclude)bench/results"], cwd=where, capture_output=True, text=True,
                                 timeout=10, check=True).stdout.strip()
    except (OSError, subprocess.SubprocessError):
        return None
    return (head + ("-dirty" if changed else "")) or None


def write(report: dict[str, Any], out: str | Path, settings: argparse.Namespace | dict[str, Any] | None = None) -> Path:
    """Write ``report`` (with the command, the machine, the commit and, when given, the ``settings`` it ran with:
    every parsed argument but ``out``, defaults included) as JSON to ``out``; return the path."""
    given = vars(settings) if isinstance(settings, argparse.Namespace) else dict(settings or {})
    report = {"command": "python " + " ".join([Path(sys.argv[0]).as_posix(), *sys.argv[1:]]),
              "measured": datetime.datetime.now(datetime.timezone.utc).strftime("%Y-%m-%d %H:%M UTC"),
              "machine": machine(), "commit": commit(),
              **({"settings": {k: v for k, v in given.items() if k != "out"}} if given else {}), **report}
    path = Path(out)
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(json.dumps(report, indent=2, default=str))
    print(f"wrote {path}")
    return path


def earlier_runs(out: str | Path, args: Any, skip: Collection[str], key: str,
                 known: Collection[str]) -> list[dict[str, Any]]:
    """The runs already in ``out`` whose ``key`` (the environment, the target) is in ``known`` and not in ``skip``,
    when they were measured with the same ``args.seconds``, ``args.workers`` and ``args.seed``; none when the
    settings differ or the file is missing or unreadable. So a bench can measure one item at a time."""
    path = Path(out)
    if not path.is_file():
        return []
    try:
        old = json.loads(path.read_text())
    except ValueError:
        return []
    if (old.get("seconds"), old.get("workers"), old.get("seed")) != (args.seconds, args.workers, args.seed):
        return []
    return [r for r in old.get("runs", []) if r.get(key) not in skip and r.get(key) in known]

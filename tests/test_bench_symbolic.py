"""bench/symbolic.py's reuse of peer runs from an earlier result file."""

from __future__ import annotations

import argparse
import json

import pytest

from bench.symbolic import peer_runs


def _earlier(tmp_path, **settings):
    path = tmp_path / "symbolic.json"
    runs = [{"problem": "I.12.1", "tool": "gplearn", "nmse_id": 0.5},  # written before runs had a seed
            {"problem": "I.12.1", "tool": "pyoperon", "seed": 1, "nmse_id": 0.1},
            {"problem": "I.12.1", "tool": "evolve-gp", "seed": 0, "nmse_id": 0.0}]
    path.write_text(json.dumps({"command": "python bench/symbolic.py --seconds 60", "measured": "2026-11-28 08:00 UTC",
                                "seconds": 60.0, "workers": 2, "seed": 0, "runs": runs, **settings}))
    return str(path)


def test_peer_runs_are_copied_with_their_seed_and_origin_and_the_engine_is_not(tmp_path):
    runs = peer_runs(_earlier(tmp_path), argparse.Namespace(seconds=60.0, workers=2))
    assert set(runs) == {("I.12.1", "gplearn", 0), ("I.12.1", "pyoperon", 1)}
    old = runs[("I.12.1", "gplearn", 0)]
    assert old["seed"] == 0 and old["nmse_id"] == 0.5  # the file's seed, for runs that did not record one
    assert old["reused_from"] == "`python bench/symbolic.py --seconds 60` of 2026-11-28 08:00 UTC"


def test_peer_runs_measured_with_other_settings_are_refused(tmp_path):
    with pytest.raises(SystemExit, match=r"other settings \{'seconds': \(30.0, 60.0\)\}"):
        peer_runs(_earlier(tmp_path, seconds=30.0), argparse.Namespace(seconds=60.0, workers=2))

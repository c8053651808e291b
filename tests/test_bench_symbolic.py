"""bench/symbolic.py: reused peer runs, a resumed run, gplearn's exp, a campaign stopped by a signal."""

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


def test_a_resumed_run_keeps_only_runs_of_the_code_checked_out_with_these_settings(tmp_path, monkeypatch):
    import subprocess

    import bench.symbolic as bench_symbolic

    def git(*args: str) -> str:
        return subprocess.run(["git", *args], capture_output=True, text=True, check=True).stdout.strip()

    head = git("rev-parse", "--short", "HEAD")
    before = git("log", "-1", "--format=%h", "--", "bench/symbolic.py")  # the last change to the bench's code
    path = tmp_path / "holdout.json"
    runs = [{"problem": "I.8.14", "tool": "evolve-gp", "seed": 0, "commit": head},
            {"problem": "I.9.18", "tool": "evolve-gp", "seed": 0, "commit": f"{head}-dirty"},
            {"problem": "I.10.7", "tool": "evolve-gp", "seed": 0, "commit": "0000000"},
            {"problem": "I.11.19", "tool": "gplearn", "seed": 0}]
    if git("rev-list", "--count", "HEAD") != "1":  # a clone with history: the commit before that change
        runs.append({"problem": "I.13.4", "tool": "evolve-gp", "seed": 0, "commit": git("rev-parse", "--short",
                                                                                       f"{before}~1")})
    path.write_text(json.dumps({"seconds": 60.0, "workers": 2, "runs": runs}))
    args = argparse.Namespace(out=str(path), seconds=60.0, workers=2)
    monkeypatch.setattr(bench_symbolic, "commit", lambda: head)
    assert list(bench_symbolic.resumable(args)) == [("I.8.14", "evolve-gp", 0)]
    monkeypatch.setattr(bench_symbolic, "commit", lambda: f"{head}-dirty")  # uncommitted code: nothing is kept
    assert bench_symbolic.resumable(args) == {}
    monkeypatch.setattr(bench_symbolic, "commit", lambda: head)
    assert bench_symbolic.resumable(argparse.Namespace(out=str(path), seconds=30.0, workers=2)) == {}
    assert bench_symbolic.resumable(argparse.Namespace(out=str(tmp_path / "none.json"), seconds=60.0,
                                                       workers=2)) == {}


def test_gplearn_gets_an_exp_that_stays_finite():
    import numpy as np

    from bench.symbolic import protected_exp

    x = np.array([-1e9, -1.0, 0.0, 1.0, 1e9])
    y = protected_exp(x)
    assert np.isfinite(y).all() and y[2] == 1.0 and y[3] == np.exp(1.0) and y[-1] == np.exp(100.0)


def test_a_campaign_stopped_by_a_signal_ends_the_benchmark_and_is_not_recorded(tmp_path, monkeypatch, capsys):
    # A session's end once sent SIGTERM to a hold-out run: its campaign stopped cleanly after 18 of its 60 s and
    # the benchmark recorded the cut-short run as a result.
    import signal
    from types import SimpleNamespace

    import evolve
    from archive import CampaignStatus
    from bench import symbolic as bench_symbolic
    from problems.symbolic import feynman

    class Stopped:
        def __init__(self, *args, **kwargs):
            pass

        def run(self):
            return SimpleNamespace(status=CampaignStatus.STOPPED, stop_signal=signal.SIGTERM, best_id=1, proposed=40)

    monkeypatch.setattr(evolve, "Campaign", Stopped)
    args = argparse.Namespace(seconds=60.0, workers=2, seed=0, llm=None)
    with pytest.raises(SystemExit) as stop:
        bench_symbolic.run_one("evolve-gp", feynman.generate("I.12.1"), args, str(tmp_path))
    assert stop.value.code == 128 + signal.SIGTERM
    assert "stopped by SIGTERM: the campaign under way is not recorded" in capsys.readouterr().err


def test_a_finished_campaign_passes_the_guard_and_one_stopped_without_a_signal_counts_as_ctrl_c():
    import signal
    from types import SimpleNamespace

    from archive import CampaignStatus
    from bench.finished import finished

    done = SimpleNamespace(status=CampaignStatus.FINISHED, stop_signal=None)
    assert finished(done) is done
    with pytest.raises(SystemExit) as stop:
        finished(SimpleNamespace(status=CampaignStatus.STOPPED, stop_signal=None))
    assert stop.value.code == 128 + signal.SIGINT

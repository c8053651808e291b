"""bench/remeasure.py: the commands of the withheld figures, run one after another on a clean checkout."""

from __future__ import annotations

import subprocess
import sys

import pytest

from bench import remeasure, report
from bench.figures import load


def decisions(refuse: set[str]) -> dict:
    """Decisions on the current JSONs that refuse the figures in ``refuse`` and accept the rest."""
    return {"head": "0000000", "figures": {
        name: {"commit": d.get("commit"), "measured": d.get("measured"), "checked": True,
               "status": "refused" if name in refuse else "accepted", "reasons": ["stale"] if name in refuse else []}
        for name, d in report.figures().items()}}


def test_the_commands_are_those_of_the_withheld_figures_in_the_readmes_order(monkeypatch):
    present = [name for name, _, _ in report.SECTIONS if load(name)]
    assert len(present) >= 2, "the repository's results are missing"
    first, last = present[0], present[-1]
    monkeypatch.setattr(remeasure.provenance, "decide_all", lambda figures, root: decisions({first, last}))
    commands = remeasure.stale()
    assert commands[0] == report.command(first, load(first))
    assert report.command(last, load(last)) in commands
    assert all(report.command(name, load(name)) not in commands for name in present[1:-1]
               if load(name).get("complete") is not False and not report.shown_with(name, load(name)))
    assert remeasure.stale(only=[first]) == [report.command(first, load(first))]
    # A companion refused alone: its command, after its section's own when both are.
    if load("symbolic") and load("symbolic_llm"):
        monkeypatch.setattr(remeasure.provenance, "decide_all", lambda f, r: decisions({"symbolic", "symbolic_llm"}))
        assert remeasure.stale(only=["symbolic"]) == [report.command("symbolic", load("symbolic")),
                                                      report.command("symbolic_llm", load("symbolic_llm"))]


def test_a_figure_not_complete_is_measured_on(monkeypatch):
    monkeypatch.setattr(remeasure.provenance, "decide_all", lambda figures, root: decisions(set()))
    real = load
    monkeypatch.setattr(remeasure, "load", lambda name: {**real(name), "complete": False}
                        if name == "faults" else real(name))
    assert remeasure.stale(only=["faults"]) == [report.command("faults", load("faults"))]
    monkeypatch.setattr(remeasure, "load", real)
    assert remeasure.stale(only=["faults"]) == ([] if load("faults").get("complete") is not False else
                                                [report.command("faults", load("faults"))])


def test_a_command_runs_with_this_interpreter_as_written():
    assert remeasure.argv("python bench/x.py --out 'a b.json'") == [sys.executable, "bench/x.py", "--out", "a b.json"]
    with pytest.raises(ValueError, match="not a python command"):
        remeasure.argv("rm -rf /")


def test_a_failure_is_reported_and_the_next_runs_but_a_signal_ends_the_run(capsys):
    done = remeasure.run(['python -c "import sys; sys.exit(3)"', "python -c pass",
                          'python -c "import os, signal; os.kill(os.getpid(), signal.SIGTERM)"', "python -c pass"])
    assert [status for _, status, _ in done] == [3, 0, -15]
    err = capsys.readouterr().err
    assert "failed (exit status 3); going on" in err and "stopped by a signal" in err


def test_a_dirty_checkout_runs_nothing(monkeypatch, capsys):
    monkeypatch.setattr(remeasure, "stale", lambda only=None: ["python -c pass"])
    monkeypatch.setattr(remeasure, "run", lambda commands: pytest.fail("ran on a dirty checkout"))
    monkeypatch.setattr(remeasure, "commit", lambda root: "abc1234-dirty")
    assert remeasure.main([]) == 1
    assert "dirty (abc1234-dirty)" in capsys.readouterr().err
    assert remeasure.main(["--list"]) == 0
    assert capsys.readouterr().out == "python -c pass\n"


def test_a_dirty_checkout_is_told_what_changed():
    assert remeasure.advice(["README.md", "docs/figures.md"]).startswith(
        "Only README.md and docs/figures.md changed, as bench/report.py rewrote them: commit them")
    assert remeasure.advice(["README.md", "evolve/cli.py"]) == \
        "Commit or stash the changes (README.md, evolve/cli.py), then run it again."
    assert remeasure.advice([]) == "Commit or stash the changes, then run it again."


def test_changed_lists_the_files_outside_the_results(tmp_path):
    subprocess.run(["git", "init", "-q", str(tmp_path)], check=True)
    (tmp_path / "bench" / "results").mkdir(parents=True)
    for name in ("README.md", "bench/results/x.json", "code.py"):
        (tmp_path / name).write_text("a")
    git = ["git", "-C", str(tmp_path), "-c", "user.name=t", "-c", "user.email=t@t"]
    subprocess.run([*git, "add", "."], check=True)
    subprocess.run([*git, "commit", "-qm", "init"], check=True)
    assert remeasure.changed(tmp_path) == []
    for name in ("README.md", "bench/results/x.json"):
        (tmp_path / name).write_text("b")
    assert remeasure.changed(tmp_path) == ["README.md"]

"""bench/report.py: docs/figures.md and the README's summary are what the command writes from bench/results/ and
the decisions it recorded (bench/results/provenance.json); those decisions are what git decides now; a figure of a
dirty or stale commit is withheld; and each headline says met or missed as the figures do."""

from __future__ import annotations

import copy
import re
import shutil
import subprocess
from pathlib import Path

import pytest

from bench import agents as agents_bench
from bench import report
from bench.figures import load, provenance
from bench.figures.engine import demo_headline, demo_section, throughput_headline


def test_the_figures_and_the_summary_are_written_from_the_results_and_the_recorded_decisions():
    decisions = report.recorded()
    assert decisions.get("figures"), "bench/results/provenance.json is missing: run `python bench/report.py`"
    assert report.FIGURES.read_text() == report.figures_text(decisions), "run `python bench/report.py`"
    readme = report.README.read_text()
    summary = readme.split(report.START, 1)[1].split(report.END, 1)[0]
    assert summary == "\n" + report.headline_text(decisions), "run `python bench/report.py`"


def test_the_recorded_decisions_are_what_git_decides_now():
    now = provenance.decide_all(report.figures(), report.ROOT)
    unchecked = {name: d["reasons"][-1] for name, d in now["figures"].items() if not d["checked"]}
    if unchecked:
        pytest.skip(f"git cannot answer here (a shallow clone or no checkout): {unchecked}")
    assert now["figures"] == report.recorded().get("figures"), "run `python bench/report.py`"


def test_every_figure_names_the_code_it_measures():
    shown = {name for name, _, _ in report.SECTIONS} | {c for cs in provenance.COMPANIONS.values() for c in cs}
    assert shown <= set(provenance.DEPENDS)
    for name, paths in provenance.DEPENDS.items():
        assert "bench/_common.py" in paths and "pyproject.toml" in paths, name
        assert [p for p in paths if not (report.ROOT / p.removeprefix(":(exclude)")).exists()] == [], name
        assert [p for p in paths if p.startswith(("bench/results", "bench/figures", "docs", "README", "tests",
                                                  "notebooks"))] == [], name
    assert "bench/fault_injection/" in provenance.DEPENDS["faults"]
    assert "problems/float32/" in provenance.DEPENDS["float32"] and "problems/agents/" in provenance.DEPENDS["agents"]


# The gate, on a throwaway repository.

def git(root: Path, *args: str) -> str:
    return subprocess.run(["git", "-c", "user.name=t", "-c", "user.email=t@example.com", "-c", "commit.gpgsign=false",
                           *args], cwd=root, check=True, capture_output=True, text=True).stdout.strip()


def change(root: Path, path: str, text: str) -> str:
    """Write ``path`` and commit it; the short hash."""
    (root / path).parent.mkdir(parents=True, exist_ok=True)
    (root / path).write_text(text)
    git(root, "add", path)
    git(root, "commit", "-q", "-m", f"change {path}")
    return git(root, "rev-parse", "--short", "HEAD")


@pytest.fixture
def repo(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    if shutil.which("git") is None:
        pytest.skip("git is not installed")
    monkeypatch.setenv("GIT_CEILING_DIRECTORIES", str(tmp_path))
    root = tmp_path / "repo"
    root.mkdir()
    git(root, "init", "-q")
    change(root, "bench/demo.py", "print('demo')\n")
    return root


def figure(commit: str | None, **extra) -> dict:
    return {"command": "python bench/demo.py", "measured": "2026-12-07 10:00 UTC", "machine": {"cpus": 2},
            "commit": commit, **extra}


def test_a_clean_figure_is_accepted_until_the_code_it_measures_changes(repo: Path):
    measured = change(repo, "evolve/core.py", "x = 1\n")
    assert provenance.refusals("demo", figure(measured), repo) == []
    change(repo, "docs/notes.md", "unrelated\n")
    change(repo, "bench/results/other.json", "{}\n")
    assert provenance.refusals("demo", figure(measured), repo) == []
    change(repo, "evolve/core.py", "x = 2\n")
    assert provenance.refusals("demo", figure(measured), repo) == [
        f"code it measures changed since {measured}: evolve/core.py"]
    assert provenance.decide("demo", figure(measured), provenance.Repo.at(repo))["status"] == "refused"


def test_an_exp2_figure_measures_the_float32_code_an_exp2_campaign_runs(repo: Path):
    measured = change(repo, "problems/float32/approx.py", "x = 1\n")
    change(repo, "problems/float32/tanh.py", "TARGET = 1\n")
    assert provenance.refusals("demo", figure(measured), repo) == []
    assert provenance.refusals("float32", figure(measured), repo) == [
        f"code it measures changed since {measured}: problems/float32/tanh.py"]
    for path in ("problems/float32/exp2.py", "problems/float32/approx.py"):
        change(repo, path, "x = 2\n")
    assert provenance.refusals("demo", figure(measured), repo) == [
        f"code it measures changed since {measured}: problems/float32/approx.py, problems/float32/exp2.py"]


def test_a_change_to_the_symbolic_check_stales_the_check_not_the_tools_runs(repo: Path):
    measured = change(repo, "problems/symbolic/recovery.py", "x = 1\n")
    change(repo, "problems/symbolic/recovery.py", "x = 2\n")
    assert provenance.refusals("symbolic_holdout", figure(measured), repo) == []
    assert provenance.refusals("recovery_holdout", figure(measured), repo) == [
        f"code it measures changed since {measured}: problems/symbolic/recovery.py"]
    change(repo, "problems/symbolic/feynman.py", "x = 1\n")
    assert provenance.refusals("symbolic_holdout", figure(measured), repo) != []


def test_the_hold_out_is_withheld_until_its_models_are_checked_on_these_runs(monkeypatch):
    data = load("symbolic_holdout")
    if data is None:
        pytest.skip("no hold-out results")
    check = {"runs_file": {k: data.get(k) for k in ("command", "measured")}, "runs": [], "commit": "abc1234",
             "command": report.COMMANDS["recovery_holdout"], "measured": "now"}
    real = report.load
    monkeypatch.setattr(report, "load", lambda name: None if name == "recovery_holdout" else real(name))
    accepted = decisions({})
    assert "the symbolic check of its models, recovery_holdout.json, was not run on these runs" in report.withheld(
        "symbolic_holdout", data, accepted)
    assert report.rerun_commands("symbolic_holdout", data, accepted) == [report.COMMANDS["recovery_holdout"]]
    monkeypatch.setattr(report, "load", lambda name: check if name == "recovery_holdout" else real(name))
    monkeypatch.setattr(report, "check_of", lambda name, d: check if name == "recovery_holdout" else None)
    ok = decisions({})
    ok["figures"]["recovery_holdout"] = {"commit": "abc1234", "measured": "now", "status": "accepted", "reasons": [],
                                         "checked": True}
    assert report.withheld("symbolic_holdout", data, ok) == []
    stale = copy.deepcopy(ok)
    stale["figures"]["recovery_holdout"].update(status="refused", reasons=["code it measures changed since x: y"])
    assert report.withheld("symbolic_holdout", data, stale) == [
        "it shows recovery_holdout.json, withheld too (code it measures changed since x)"]


def test_a_change_names_five_files_and_counts_the_rest(repo: Path):
    measured = git(repo, "rev-parse", "--short", "HEAD")
    for i in range(7):
        change(repo, f"evolve/m{i}.py", "x = 1\n")
    (reason,) = provenance.refusals("demo", figure(measured), repo)
    assert reason.endswith("evolve/m4.py and 2 more") and "m5" not in reason


def test_a_dirty_or_unrecorded_commit_or_missing_facts_are_refused(repo: Path):
    head = git(repo, "rev-parse", "--short", "HEAD")
    assert provenance.refusals("demo", figure(f"{head}-dirty"), repo) == [
        f"measured on uncommitted changes ({head}-dirty)"]
    assert provenance.refusals("demo", figure(None), repo) == ["no commit recorded"]
    bare = {k: v for k, v in figure(head).items() if k not in ("measured", "machine", "command")}
    assert provenance.refusals("demo", bare, repo) == ["no date recorded", "no machine recorded",
                                                       "no command recorded"]


def test_a_commit_off_heads_history_is_refused(repo: Path):
    side = git(repo, "commit-tree", "HEAD^{tree}", "-m", "side")[:7]
    assert provenance.refusals("demo", figure(side), repo) == [
        f"commit {side} is not an ancestor of HEAD"]
    assert provenance.refusals("demo", figure("0badc0de"), repo) == [
        "commit 0badc0de is not in this repository's history"]


def test_each_runs_commit_is_checked_too(repo: Path):
    old = change(repo, "evolve/core.py", "x = 1\n")
    change(repo, "evolve/core.py", "x = 2\n")
    new = git(repo, "rev-parse", "--short", "HEAD")
    assert provenance.refusals("demo", figure(new, runs=[{"commit": new}]), repo) == []
    assert provenance.refusals("demo", figure(new, runs=[{"commit": old}, {"commit": None}]), repo) == [
        "1 of its 2 runs record no commit", f"code it measures changed since {old}: evolve/core.py"]


def test_where_git_cannot_answer_the_figure_is_unchecked(repo: Path, tmp_path: Path):
    measured = git(repo, "rev-parse", "--short", "HEAD")
    change(repo, "evolve/core.py", "x = 1\n")
    shallow = tmp_path / "shallow"
    subprocess.run(["git", "clone", "-q", "--depth", "1", repo.as_uri(), str(shallow)], check=True,
                   capture_output=True)
    plain = tmp_path / "plain"
    plain.mkdir()
    for root in (shallow, plain):
        with pytest.raises(provenance.CannotCheck):
            provenance.refusals("demo", figure(measured), root)
        decided = provenance.decide("demo", figure(measured), provenance.Repo.at(root))
        assert (decided["status"], decided["checked"]) == ("unchecked", False)
        dirty = provenance.decide("demo", figure(f"{measured}-dirty"), provenance.Repo.at(root))
        assert (dirty["status"], dirty["checked"]) == ("refused", False)


# What the generator writes of a refused figure.

def decisions(refuse: dict[str, list[str]]) -> dict:
    """Decisions on the current JSONs accepting all but those in ``refuse`` (name to reasons)."""
    return {"head": "0000000", "figures": {
        name: {"commit": d.get("commit"), "measured": d.get("measured"), "status": "refused" if name in refuse
               else "accepted", "reasons": refuse.get(name, []), "checked": True}
        for name, d in report.figures().items()}}


def test_a_refused_figure_shows_its_command_not_its_numbers():
    data = load("demo")
    assert data is not None
    accepted, refused = decisions({}), decisions({"demo": ["code it measures changed since abc1234: evolve/x.py"]})
    body = [line for line in demo_section(data)[1:] if len(line) > 20 and any(c.isdigit() for c in line)]
    assert body and all(line in report.figures_text(accepted) for line in body)
    text = report.figures_text(refused)
    assert [line for line in body if line in text] == []
    assert f"Withheld: measured on {data['commit']} ({data['measured']}); code it measures changed since abc1234: " \
           f"evolve/x.py. Re-run `{data['command']}` on a clean checkout" in text
    line = demo_headline(data)
    assert f"- {line}\n" in report.headline_text(accepted)
    summary = report.headline_text(refused)
    assert line not in summary
    assert f"- The demo: withheld (code it measures changed since abc1234); re-run `{data['command']}`." in summary


def test_a_figure_without_a_decision_on_its_run_or_showing_a_refused_one_is_withheld():
    stale = decisions({})
    stale["figures"]["dedupe"]["measured"] = "an earlier run"
    assert "no decision recorded on this run" in report.figures_text(stale)
    if load("symbolic") and load("symbolic_llm"):
        text = report.figures_text(decisions({"symbolic_llm": ["no commit recorded"]}))
        assert "it shows symbolic_llm.json, withheld too (no commit recorded)" in text
        # What to run is what is refused: the companion's command alone, or both in the order to run them.
        llm = report.command("symbolic_llm", load("symbolic_llm"))
        assert f"Re-run `{llm}` on a clean checkout" in text
        both = report.figures_text(decisions({"symbolic": ["no commit recorded"], "symbolic_llm": ["stale"]}))
        assert f"Re-run `{report.command('symbolic', load('symbolic'))}`, then `{llm}` on a clean" in both


def test_the_command_to_run_again_measures_the_whole_figure():
    # Copied peer runs keep the commit they were measured on, so --peers-from would leave the figure withheld.
    peers = {"command": "python bench/symbolic.py --seconds 60 --peers-from bench/results/symbolic.json --seed 0"}
    assert report.command("symbolic", peers) == "python bench/symbolic.py --seconds 60 --seed 0"
    # A benchmark that keeps its earlier runs is run again for every item, so no stale one is kept.
    envs = re.search(r"--envs((?:\s+\w[\w-]*)+)", report.command("agents", {"command": "python bench/agents.py "
                                                                                     "--envs Acrobot-v1"}))
    assert envs is None or set(envs.group(1).split()) == set(agents_bench.GOALS)
    assert "--targets" not in report.command("float32", {"command": "python bench/float32.py --targets tanh"})


def test_check_exits_1_listing_the_refused_figures_and_writes_nothing(monkeypatch, tmp_path, capsys):
    for name in ("FIGURES", "README", "PROVENANCE"):
        monkeypatch.setattr(report, name, tmp_path / name)
    monkeypatch.setattr(report.provenance, "decide_all", lambda figures, root: decisions({}))
    monkeypatch.setattr(report, "unchecked", lambda name, data: None)  # as if every symbolic check were run
    assert report.main(["--check"]) == 0
    monkeypatch.setattr(report.provenance, "decide_all", lambda figures, root: copy.deepcopy(decisions(
        {"faults": ["no commit recorded"]})))
    assert report.main(["--check"]) == 1
    assert "faults: no commit recorded" in capsys.readouterr().err
    assert list(tmp_path.iterdir()) == []


# The headlines.

def test_the_demo_headline_counts_the_seeds_that_met_the_goal_in_time():
    def run(seed, seconds):
        first = None if seconds is None else {"max_ulp": 4, "seconds": seconds, "proposals": 900}
        return {"seed": seed, "best_max_ulp": 3, "first_within_goal": first}

    r = {"budget": 3000, "workers": 2, "goal_ulp": 4, "runs": [run(0, 312.0), run(1, 145.0), run(2, None)]}
    line = demo_headline(r)
    assert "after 312 s, 145 s, never" in line and "met on 1 of 3 seeds" in line


def test_the_throughput_headline_misses_a_fall_over_a_fifth():
    rows = [{"archive_size": n, "candidates_per_second": c} for n, c in ((1000, 3000.0), (100000, 2000.0))]
    assert throughput_headline({"results": rows, "change_first_to_last": -1 / 3}).endswith(": missed).")
    assert throughput_headline({"results": rows, "change_first_to_last": -0.1}).endswith(": met).")

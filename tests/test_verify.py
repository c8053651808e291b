"""The verification stage: a problem's independent check (Problem.verify) run in an evaluator under its own time
bound, verdicts stored beside the scores (an overrated program flagged), `evolve verify DB` and the check that
ends a campaign; and the Feynman problems' check, symbolic recovery of the law."""

from __future__ import annotations

import signal
import sqlite3
import time

import pytest

from archive import Archive
from evolve import Verdict
from evolve.cli import main
from evolve.evaluation.evaluator import Evaluator
from evolve.problem import Problem, Result
from evolve.programs import program
from evolve.sandbox.limits import interval_timer


class Outer(Exception):
    pass


class Inner(Exception):
    pass


def spin(seconds: float) -> None:
    end = time.monotonic() + seconds
    while time.monotonic() < end:
        time.sleep(0.005)


def test_a_time_bound_inside_another_keeps_the_outer_one():
    before = signal.getitimer(signal.ITIMER_REAL)[0]  # pytest-timeout's own, when it runs
    start = time.monotonic()
    with pytest.raises(Outer):
        with interval_timer(signal.ITIMER_REAL, signal.SIGALRM, 0.6, Outer):
            with pytest.raises(Inner):
                with interval_timer(signal.ITIMER_REAL, signal.SIGALRM, 0.1, Inner):
                    spin(5)
            spin(5)  # the outer deadline still stands after the inner block
    assert 0.5 < time.monotonic() - start < 2.0
    start = time.monotonic()
    with pytest.raises(Outer):
        with interval_timer(signal.ITIMER_REAL, signal.SIGALRM, 0.3, Outer):
            try:
                with interval_timer(signal.ITIMER_REAL, signal.SIGALRM, 30.0, Inner):
                    spin(5)  # an inner bound never outlasts the outer one
            except Inner:
                spin(5)
    assert time.monotonic() - start < 2.0
    after = signal.getitimer(signal.ITIMER_REAL)[0]
    assert (after > 0) == (before > 0) and after <= before  # an outer timer outside the test goes on


def checked_problem(verify) -> Problem:
    def evaluate_tree(tree):
        return Result(float(program.count_nodes(tree)), {"nodes": program.count_nodes(tree)})

    return Problem(name="nodes", description="count nodes", seed="def f(x):\n    return x\n", entrypoint="f",
                   probe_inputs=(), evaluate_tree=evaluate_tree, verify=verify, verify_timeout=0.5)


def test_the_evaluator_runs_the_check_and_turns_every_failure_into_a_verdict():
    def verify(tree, metrics):
        body = ast_text(tree)
        if "slow" in body:
            spin(10)
        if "boom" in body:
            raise ValueError("the check broke")
        if "odd" in body:
            return "not a verdict"
        return Verdict(True, 3.0, "fine", {"seen": metrics.get("nodes")})

    evaluator = Evaluator(checked_problem(verify))
    good = evaluator.verify("def f(x):\n    return x\n", {"nodes": 4})
    assert good == Verdict(True, 3.0, "fine", {"seen": 4})
    slow = evaluator.verify("def f(x):\n    slow = 1\n    return x\n", {})
    assert not slow.passed and "the check stopped" in slow.detail and "0.5 s" in slow.detail
    broken = evaluator.verify("def f(x):\n    boom = 1\n    return x\n", {})
    assert not broken.passed and "ValueError: the check broke" in broken.detail
    assert "not a Verdict" in evaluator.verify("def f(x):\n    odd = 1\n    return x\n", {}).detail
    hostile = evaluator.verify("import os\ndef f(x):\n    return x\n", {})
    assert not hostile.passed and "imports are not allowed" in hostile.detail  # the static check comes first
    none = Evaluator(checked_problem(None)).verify("def f(x):\n    return x\n", {})
    assert not none.passed and "no verify check" in none.detail


def ast_text(tree) -> str:
    import ast

    return ast.unparse(tree)


def test_verdicts_are_stored_flagged_when_worse_and_bounded(tmp_path):
    archive = Archive(tmp_path / "a.sqlite")
    cid = archive.create_campaign("c", "p", {}, 0, "min")
    from archive import ProgramRecord

    archive.add([ProgramRecord(id=1, campaign_id=cid, source="def f(x):\n    return x\n", status="ok", score=1.0,
                               operator="seed")])
    assert not archive.add_verdict(1, True, 0.5, "better under the check").worse
    assert archive.add_verdict(1, True, 2.0, "worse under the check").worse
    latest = archive.add_verdict(1, False, None, "x" * 5000, {"big": "y" * 70000})
    assert latest.worse and len(latest.detail) <= 2000 and latest.metrics == {"dropped": "over 64 KiB"}
    assert archive.verdicts(cid)[1].id == latest.id  # the latest verdict is the program's
    with pytest.raises(KeyError):
        archive.add_verdict(99, True, None, "")
    assert archive.check().ok


def test_an_archive_from_before_verdicts_is_migrated(tmp_path):
    path = tmp_path / "old.sqlite"
    Archive(path).close()
    with sqlite3.connect(path) as db:
        db.execute("DROP TABLE verdicts")
        db.execute("PRAGMA user_version = 3")
    assert Archive(path, readonly=True).verdicts() == {}  # read-only, not migrated: no table, no verdicts
    archive = Archive(path)
    cid = archive.create_campaign("c", "p", {}, 0, "min")
    assert archive.verdicts(cid) == {}
    with sqlite3.connect(path) as db:
        assert db.execute("PRAGMA user_version").fetchone()[0] == 4


def test_a_feynman_formula_is_verified_by_its_law():
    from evolve import load_problem

    problem = load_problem("feynman", equation="II.3.24", n_train=300, n_test=100, starts=4, steps=60)
    law = program.parse("def equation(Pwr, r, params):\n    return params[0] * Pwr / (r * r)\n")
    metrics = problem.evaluate_tree(law).metrics
    verdict = problem.verify(law, metrics)
    assert verdict.passed and verdict.metrics["exact"] and "an exact recovery" in verdict.detail
    near = program.parse("def equation(Pwr, r, params):\n    return params[0] * Pwr / (r * r + params[1])\n")
    assert not problem.verify(near, {"params": [0.0795775, 0.01]}).passed
    unreadable = program.parse("def equation(Pwr, r, params):\n    return jnp.where(r > 2.0, Pwr, r)\n")
    assert "not a closed form" in problem.verify(unreadable, {"params": [2.0]}).detail


def test_a_campaign_ends_with_its_verdicts_and_evolve_verify_checks_again(ray_session, tmp_path, capsys):
    from evolve import Campaign, load_problem

    db = str(tmp_path / "v.sqlite")
    problem = load_problem("feynman", equation="I.12.1", n_train=200, n_test=50, starts=2, steps=30)
    Campaign(problem, db=db, budget=6, workers=1, batch_size=3, progress=False, compile_cache="",
             verify_top=2).run()
    archive = Archive(db, readonly=True)
    verdicts = archive.verdicts()
    best = archive.best(2)
    assert {r.id for r in best} <= set(verdicts) and all(v.detail for v in verdicts.values())
    archive.close()
    assert main(["best", db, "-k", "2"]) == 0
    shown = capsys.readouterr().out
    assert "verified" in shown and ("passed" in shown or "failed" in shown)
    code = main(["verify", db, "--top", "1"])
    out = capsys.readouterr().out
    assert "checked" in out and code in (0, 1)
    again = Archive(db, readonly=True)
    assert len(again.verdicts()) >= 1 and again.check().ok
    from archive import analysis
    from archive.report import write_report

    missing = tmp_path / "missing.sqlite"
    assert main(["verify", str(missing)]) == 1 and not missing.exists()  # said, and no empty archive left
    assert "no archive at" in capsys.readouterr().err
    frame = analysis.verdicts_frame(again)
    assert len(frame) == len(again.verdicts()) and set(frame["program"]) == set(again.verdicts())
    page = write_report(db, tmp_path / "report", progress=False).read_text()
    assert "Verified" in page and "overrated" in page

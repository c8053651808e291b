"""Every benchmark that runs a campaign records it only when it ran to its end (bench/finished.py), and the
figures it writes name the guard among the code they measure."""

from __future__ import annotations

import ast
from collections.abc import Iterator
from pathlib import Path

import pytest

from bench.figures.provenance import DEPENDS

BENCH = Path(__file__).resolve().parent.parent / "bench"
SCRIPTS = sorted(BENCH.glob("*.py"))


def _is_campaign(node: ast.AST) -> bool:
    return isinstance(node, ast.Call) and isinstance(node.func, ast.Name) and node.func.id == "Campaign"


def campaign_runs(tree: ast.AST) -> Iterator[ast.Call]:
    """The ``.run(...)`` calls on a campaign: on ``Campaign(...)`` itself or on a name bound to one."""
    bound = {target.id for node in ast.walk(tree) if isinstance(node, ast.Assign) and _is_campaign(node.value)
             for target in node.targets if isinstance(target, ast.Name)}
    for node in ast.walk(tree):
        if isinstance(node, ast.Call) and isinstance(node.func, ast.Attribute) and node.func.attr == "run":
            receiver = node.func.value
            if _is_campaign(receiver) or (isinstance(receiver, ast.Name) and receiver.id in bound):
                yield node


def guarded(tree: ast.AST) -> set[int]:
    """The ids of the calls passed straight to ``finished(...)``."""
    return {id(arg) for node in ast.walk(tree) if isinstance(node, ast.Call) and isinstance(node.func, ast.Name)
            and node.func.id == "finished" for arg in node.args}


def test_the_checks_find_a_campaign_run_left_unguarded():
    tree = ast.parse("s = finished(Campaign(p).run())\nc = Campaign(p)\nc.run(on_batch=f)\nCampaign(q).run()\n")
    runs = list(campaign_runs(tree))
    assert len(runs) == 3
    assert [run.lineno for run in runs if id(run) not in guarded(tree)] == [3, 4]


@pytest.mark.parametrize("script", SCRIPTS, ids=[s.stem for s in SCRIPTS])
def test_a_benchmarks_campaigns_are_recorded_only_when_they_ran_to_their_end(script: Path):
    tree = ast.parse(script.read_text())
    runs = list(campaign_runs(tree))
    unguarded = [run.lineno for run in runs if id(run) not in guarded(tree)]
    assert not unguarded, f"{script.name}: campaigns run outside bench.finished.finished on lines {unguarded}"
    if runs:
        path = f"bench/{script.name}"
        figures = [name for name, paths in DEPENDS.items() if path in paths]
        assert figures, f"no figure names {path} among the code it measures"
        assert all("bench/finished.py" in DEPENDS[name] for name in figures), figures

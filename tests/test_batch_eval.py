"""Candidates evaluated in one call (a problem's ``evaluate_batch``): the records are those of one-at-a-time
evaluation, duplicates within a batch are found as they are one at a time, and a batch that fails or passes its
limits is evaluated one candidate at a time instead (no Ray needed)."""

from __future__ import annotations

import ast
import time

import numpy as np
import pytest

from evolve import load_problem
from evolve.evaluation.evaluator import Evaluator, Task
from evolve.problem import Problem, Result
from evolve.programs import program

FORMULAS = ["params[0] * theta + params[1]", "params[0] * jnp.exp(-theta * theta / params[1])",
            "params[0] / (params[1] + theta * theta)", "params[0] * jnp.cos(theta * params[1]) + params[2] * theta",
            # Not run by the interpreter (fitted on its own), and no constants at all:
            "jnp.where(theta > 0, params[0], params[1]) * theta", "theta + 1.5",
            # A formula whose fit fails, beside the others:
            "params[0] * jnp.log(-theta * theta - 1.0)"]


def tasks(bodies: list[str], first: int = 0) -> list[Task]:
    return [Task(first + i, source=f"def equation(theta, params):\n    return {b}\n", operator="given")
            for i, b in enumerate(bodies)]


def test_a_batched_fit_gives_the_records_of_one_at_a_time_evaluation():
    options = {"starts": 2, "steps": 20, "n_train": 300, "n_test": 100}
    alone = Evaluator(load_problem("feynman", **options), dedupe=False)
    batched_problem = load_problem("feynman", batch=True, **options)
    assert batched_problem.evaluate_batch is not None and load_problem("feynman").evaluate_batch is None
    together = Evaluator(batched_problem, dedupe=False)
    want, got = alone.run(tasks(FORMULAS)), together.run(tasks(FORMULAS))
    assert [r.status for r in got] == [r.status for r in want] == ["ok"] * 6 + ["error"]
    assert got[-1].error == want[-1].error and "finite predictions" in want[-1].error
    for a, b in zip(want[:-1], got[:-1], strict=True):
        # The same fits, vmapped: equal to the last bits a vmapped reduction may change.
        assert b.score == pytest.approx(a.score, rel=1e-9, abs=1e-30), b.source
        assert np.allclose(b.metrics["params"], a.metrics["params"], rtol=1e-7, atol=1e-12)
        assert b.code_hash == a.code_hash and b.func_hash == a.func_hash
        assert b.meta == {"batch": 7} and b.phases["evaluate"] > 0 and b.eval_seconds > 0


def batch_problem(evaluate_batch=None, timeout: float = 10.0) -> Problem:
    """A cheap problem whose score is the number of nodes of the program (and ``evaluate_batch`` as given)."""

    def evaluate_tree(tree: ast.Module) -> Result:
        return Result(float(program.count_nodes(tree)), {"nodes": program.count_nodes(tree)})

    return Problem(name="nodes", description="count nodes", seed="def f(x):\n    return x\n", entrypoint="f",
                   probe_inputs=(np.linspace(0.0, 1.0, 8),), evaluate_tree=evaluate_tree,
                   evaluate_batch=evaluate_batch or (lambda trees: [evaluate_tree(t) for t in trees]),
                   timeout=timeout)


SOURCES = ["def f(x):\n    return x + 1.0\n",
           "def f(x):\n    return x + 1.0\n",  # the same code as the one before
           "def f(x):\n    return x + x\n",
           "def f(x):\n    return x * 2.0\n",  # the same function as the one before
           "def f(x):\n    return x +\n",  # invalid
           "def f(x):\n    return x * x\n"]


def run(evaluator: Evaluator) -> list[tuple]:
    records = evaluator.run([Task(i, source=s, operator="given") for i, s in enumerate(SOURCES)])
    return [(r.id, r.status, r.skipped, r.score) for r in records]


def test_duplicates_within_a_batch_are_skipped_as_one_at_a_time():
    calls: list[int] = []

    def counted(trees):
        calls.append(len(trees))
        return [Result(float(program.count_nodes(t)), {}) for t in trees]

    batched, alone = Evaluator(batch_problem(counted)), Evaluator(batch_problem())
    one_by_one = [alone.evaluate_task(Task(i, source=s, operator="given")) for i, s in enumerate(SOURCES)]
    assert run(batched) == [(r.id, r.status, r.skipped, r.score) for r in one_by_one]
    assert [r.skipped for r in one_by_one] == [None, "code", None, "func", None, None]
    assert calls == [3]  # the three programs that reached evaluation, in one call


@pytest.mark.parametrize("failure", ["raises", "short", "slow"])
def test_a_failed_batch_is_evaluated_one_candidate_at_a_time(failure):
    def broken(trees):
        if failure == "raises":
            raise RuntimeError("the batch broke")
        if failure == "short":
            return []
        time.sleep(3.0)  # past the batch's limit: 0.5 s times 3 candidates
        return []

    got = run(Evaluator(batch_problem(broken, timeout=0.5)))
    assert got == run(Evaluator(batch_problem(timeout=0.5)))
    assert [status for _, status, _, _ in got] == ["ok", "ok", "ok", "ok", "invalid", "ok"]


def test_a_batch_of_one_or_a_single_task_is_evaluated_alone():
    calls: list[int] = []

    def counted(trees):
        calls.append(len(trees))
        return [Result(0.0, {}) for _ in trees]

    evaluator = Evaluator(batch_problem(counted))
    evaluator.run([Task(0, source=SOURCES[0], operator="given")])
    evaluator.run([Task(1, source=SOURCES[3], operator="given"), Task(2, source=SOURCES[4], operator="given")])
    assert calls == []


def test_evaluate_batch_needs_evaluate_tree():
    with pytest.raises(ValueError, match="evaluate_batch needs evaluate_tree"):
        Problem(name="p", description="", seed="def f(x):\n    return x\n", entrypoint="f", probe_inputs=(),
                evaluate=lambda fn: Result(0.0, {}), evaluate_batch=lambda trees: [])

"""The evaluator pipeline: statuses, hashing shortcuts and deadlines (no Ray needed)."""

from __future__ import annotations

import pytest

from evolve.evaluation.evaluator import Evaluator, Task
from evolve.mutators.base import Parent

SEED = "def f(x):\n    return 1.0 + x\n"


@pytest.fixture
def evaluator(small_exp2):
    return Evaluator(small_exp2, timeout=2.0)


def run_one(evaluator, source, **kw):
    return evaluator.evaluate_task(Task(id=1, source=source, operator="test", **kw))


def test_ok_candidate_has_score_and_hashes(evaluator):
    rec = run_one(evaluator, SEED)
    assert rec.status == "ok", rec.error
    assert rec.score > 0 and rec.metrics["ops"] == 1
    assert rec.code_hash and rec.func_hash and rec.skipped is None


def test_raising_candidate_is_an_error(evaluator):
    rec = run_one(evaluator, "def f(x):\n    return x / 0.0\n")  # inf at every x but 0: non-finite
    assert rec.status == "error" and "non-finite" in rec.error
    rec = run_one(evaluator, "def f(x):\n    return undefined_name + x\n")
    assert rec.status == "error" and "NameError" in rec.error


def test_a_repeated_invalid_program_is_judged_again_not_skipped(evaluator):
    # Regression: the evaluator remembered the code hash of a program that then failed to compile (no f), so a
    # repeat was skipped as a duplicate the driver knew nothing of, and recorded as evaluated with no score.
    source = "def g(x):\n    return x\n"
    first, again = run_one(evaluator, source), run_one(evaluator, source)
    assert first.status == again.status == "invalid" and again.skipped is None
    assert "f" in again.error


def test_a_candidate_over_its_cpu_time_is_stopped():
    evaluator = Evaluator(plain_problem(), timeout=30.0, cpu_seconds=0.5)
    rec = run_one(evaluator, "def f(x):\n    n = 0\n    while True:\n        n += 1\n")
    assert rec.status == "timeout" and "used more than its 0.5 s of CPU time" in rec.error


def test_a_mutation_over_the_memory_limit_is_an_error_not_a_timeout(evaluator, monkeypatch):
    # Regression: the mutation path recorded every limit as a timeout, the memory cap's too.
    from evolve.sandbox.limits import CandidateLimit

    def over(task):
        raise CandidateLimit("went over the memory limit of 1.00 GiB of resident memory", status="error")

    monkeypatch.setattr(evaluator, "_mutate", over)
    rec = evaluator.mutate(Task(id=1, source=None, operator="gp", parents=[]))
    assert rec.status == "error" and "mutation went over the memory limit" in rec.error


def plain_problem():
    import jax.numpy as jnp

    from evolve.problem import Problem, Result

    x = jnp.linspace(0.0, 1.0, 32)
    return Problem(name="plain", description="", seed=SEED, entrypoint="f", probe_inputs=(x,),
                   evaluate=lambda fn: Result(float(jnp.mean(fn(x)))))


def test_python_hang_is_a_timeout():
    evaluator = Evaluator(plain_problem(), timeout=0.5)
    # Real work in the loop body: CPython 3.11 does not deliver signals inside `while True: pass`.
    rec = run_one(evaluator, "def f(x):\n    y = x\n    while True:\n        y = y + 1.0\n    return y\n")
    assert rec.status == "timeout" and "timeout" in rec.error
    assert rec.eval_seconds < 5
    assert run_one(evaluator, SEED).status == "ok"  # the evaluator still works afterwards


def test_banned_code_is_invalid(evaluator):
    rec = run_one(evaluator, "import os\ndef f(x):\n    return x\n")
    assert rec.status == "invalid" and "import" in rec.error
    rec = run_one(evaluator, "def f(x):\n    return x.__class__\n")
    assert rec.status == "invalid"
    rec = run_one(evaluator, "def f(x):\n    return jnp.exp2(x)\n")  # the problem's own check
    assert rec.status == "invalid" and "jnp.exp2" in rec.error


def test_seen_hashes_skip_evaluation(evaluator):
    first = run_one(evaluator, "def f(x):\n    return 1.0 + x * 2.0\n")
    same_code = run_one(evaluator, "def f(y):\n    # a comment\n    return (2. * y + 1.)\n")
    assert same_code.skipped == "code" and same_code.score is None
    # x + x equals x * 2 exactly in IEEE arithmetic: the same function, written differently.
    same_function = run_one(evaluator, "def f(x):\n    return 1.0 + (x + x)\n")
    assert same_function.skipped == "func" and same_function.func_hash == first.func_hash
    audited = evaluator.evaluate_task(Task(2, source="def f(x):\n    return 1.0 + (x + x)\n", audit=True))
    assert audited.skipped == "code" and audited.score == first.score  # seen, but evaluated for the audit
    # Rounding differs: (x + 0.5) + 0.5 is not x + 1 in float32, and is rightly a different function.
    assert run_one(evaluator, "def f(x):\n    return x + 0.5 + 0.5\n").skipped is None


def test_constant_candidate_is_quick_to_evaluate(small_exp2):
    """Regression: a constant output broadcast over all points made XLA constant-fold the fitness for
    seconds, so constant candidates timed out."""
    from evolve import load_problem

    evaluator = Evaluator(load_problem("exp2"), timeout=4.0)
    rec = run_one(evaluator, "def f(x):\n    return 1.0 + 1.0\n")
    assert rec.status == "ok", rec.error
    assert rec.metrics["max_ulp"] == 2**23  # 2.0 against 1.0 at x = 0: one binade of ULPs


def test_gp_task_is_reproducible(small_exp2):
    parents = (Parent(1, "def f(x):\n    return 1.0 + x * (0.7 + x * 0.25)\n", 1.0),)
    a = Evaluator(small_exp2).evaluate_task(Task(5, parents=parents, seed=1234))
    b = Evaluator(small_exp2).evaluate_task(Task(5, parents=parents, seed=1234))
    assert a.source == b.source and a.operator == b.operator and a.status == b.status


def test_chosen_gp_operator_is_applied_or_replaced(small_exp2):
    evaluator = Evaluator(small_exp2)
    parents = (Parent(1, "def f(x):\n    return 1.0 + x * (0.7 + 0.3 * x)\n"),)
    rec = evaluator.evaluate_task(Task(2, parents=parents, seed=3, operator="swap_operator"))
    # exp2 fits its own constants, so a swapped structure is refitted too: swap_operator+tune.
    assert rec.operator in ("swap_operator", "swap_operator+tune") and "not_applicable" not in rec.meta
    # No float constant to tune: the chosen operator is noted as not applicable and another one is used.
    integer_only = (Parent(1, "def f(x):\n    return 1 + x\n"),)
    rec = evaluator.evaluate_task(Task(3, parents=integer_only, seed=3, operator="tune_constants"))
    assert rec.operator != "tune_constants" and set(rec.meta["not_applicable"]) == {"tune_constants"}


def stalling_problem(stall: type[BaseException] | None = None):
    """A problem whose full evaluation runs past its 0.5 s timeout (or raises ``stall``, once), while its probe
    does not."""
    import time

    import jax.numpy as jnp

    from evolve.problem import Problem, Result

    x = jnp.linspace(0.0, 1.0, 32)
    raised = []

    def evaluate(fn):
        if stall is not None and not raised:
            raised.append(stall)
            raise stall()
        if stall is None:
            while True:
                time.sleep(0.01)
        return Result(float(jnp.mean(fn(x))))

    return Problem(name="stalling", description="", seed=SEED, entrypoint="f", probe_inputs=(x,),
                   evaluate=evaluate, timeout=0.5)


def test_a_program_stopped_at_its_limit_in_full_evaluation_is_an_original_the_driver_hears_of():
    # Regression: the functional hash was remembered before the full evaluation, and the timeout record did not
    # carry it, so a later program with that behaviour was skipped as the duplicate of a program the driver never
    # heard of, and stored as `ok` with no score.
    evaluator = Evaluator(stalling_problem(), timeout=0.5)
    first = run_one(evaluator, "def f(x):\n    return x * 2.0\n")
    assert first.status == "timeout" and first.code_hash and first.func_hash
    again = run_one(evaluator, "def f(x):\n    return x + x\n")
    assert again.skipped == "func" and again.func_hash == first.func_hash


class Interrupted(BaseException):
    """Stands for what ends an evaluation with no record at all (Ray cancelling the task, say)."""


def test_a_hash_skips_later_candidates_only_once_its_record_is_complete():
    evaluator = Evaluator(stalling_problem(Interrupted), timeout=5.0)
    with pytest.raises(Interrupted):
        run_one(evaluator, "def f(x):\n    return x * 2.0\n")
    again = run_one(evaluator, "def f(x):\n    return x + x\n")  # its original never got a record: evaluated
    assert again.status == "ok" and again.skipped is None and again.score == pytest.approx(1.0, rel=1e-6)

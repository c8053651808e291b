"""The GP operator registry: the built-in declarations, registration rules, and a problem that brings its own
operator, in this process and in a fresh one (as an evaluator re-creates the problem)."""

from __future__ import annotations

import dataclasses
import json
import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest

from evolve import load_problem
from evolve.mutators import registry
from evolve.mutators.base import Parent
from evolve.mutators.gp import GPMutator
from evolve.mutators.registry import Operator, portfolio

ROOT = Path(__file__).resolve().parents[1]
OWN = ROOT / "tests" / "problems" / "own_operator.py"

# The names, drawing order and default weights that seeded runs and archived campaigns depend on.
BUILTIN = {
    "perturb_constant": 3.0, "replace_constant": 1.0, "swap_operator": 1.5, "insert_term": 2.0,
    "delete_subexpression": 1.0, "crossover": 1.0, "tune_constants": 1.0, "insert_unary": 1.0,
    "add_param_term": 1.5, "remove_term": 0.5, "replace_variable": 0.5, "simplify_constants": 0.5,
    "multiply_factor": 1.5, "multiply_shape": 1.0, "add_residual_term": 1.0, "insert_where": 1.5,
    "add_feature_term": 1.5, "replace_action": 1.0, "insert_rational": 1.0, "name_square": 0.5,
    "square_half": 0.25, "write_structure": 1.0,
}


def test_the_builtin_operators_keep_their_names_order_and_weights():
    weights = registry.default_weights()
    assert list(weights)[:len(BUILTIN)] == list(BUILTIN) and {k: weights[k] for k in BUILTIN} == BUILTIN
    declared = {op.name: op for op in registry.operators()}
    assert [n for n in BUILTIN if declared[n].tune_after] == [
        "insert_term", "insert_where", "add_feature_term", "insert_rational", "name_square", "square_half",
        "write_structure"]
    assert [n for n in BUILTIN if declared[n].refit] == [
        "swap_operator", "delete_subexpression", "crossover", "remove_term", "simplify_constants"]
    assert declared["crossover"].parents == 2 and declared["tune_constants"].tuner
    assert {n for n in BUILTIN if declared[n].guided} == {"multiply_shape", "add_residual_term"}


def test_a_family_operator_applies_only_to_its_family(small_exp2):
    cartpole = load_problem("cartpole")
    assert registry.applies_to("insert_where", cartpole) and not registry.applies_to("insert_where", small_exp2)
    assert registry.applies_to("name_square", small_exp2) and not registry.applies_to("name_square", cartpole)
    assert not registry.applies_to("no_such_operator", small_exp2)
    with pytest.raises(ValueError, match="unknown GP operator 'no_such_operator'"):
        registry.get("no_such_operator")


def test_a_name_is_taken_by_one_function_only():
    def perturb_constant(source, problem, rng):
        return source

    with pytest.raises(ValueError, match="already registered"):
        registry.add(Operator("perturb_constant", perturb_constant, 1.0))
    with pytest.raises(ValueError, match="weight must be >= 0"):
        registry.add(Operator("a_new_one", perturb_constant, -1.0))
    with pytest.raises(ValueError, match="1 or 2 parents"):
        registry.add(Operator("a_new_one", perturb_constant, 1.0, parents=3))
    assert "a_new_one" not in registry.names() and registry.get("perturb_constant").function is not perturb_constant
    # The same function declared again (its module executed once more) replaces its declaration.
    again = registry.get("perturb_constant")
    registry.add(dataclasses.replace(again))
    assert registry.names().count("perturb_constant") == 1


def test_a_problem_brings_its_own_operator(small_exp2):
    problem = load_problem(str(OWN))
    load_problem(str(OWN))  # executing the file again declares the same operator again, not a second one
    assert "negate_result" in portfolio(problem) and "negate_result" not in portfolio(small_exp2)
    assert registry.names()[-1] == "negate_result"  # after every built-in: seeded runs draw as before
    parents = [Parent(1, problem.seed)]
    child = GPMutator().apply("negate_result", parents, problem, np.random.default_rng(0))
    assert child.operator == "negate_result" and child.source.strip().endswith("return -(x + 2.0)")
    drawn = GPMutator({"negate_result": 1.0}).propose(parents, problem, np.random.default_rng(0))
    assert drawn.operator == "negate_result"


def test_an_evaluator_process_knows_the_problems_operator():
    """A fresh interpreter, as a Ray evaluator is, re-creates the problem from its spec and applies the
    problem's own operator by name."""
    code = (
        "import json, sys\n"
        "from evolve.problem import ProblemSpec\n"
        "from evolve.mutators.base import Parent\n"
        "from evolve.evaluation.evaluator import Evaluator, Task\n"
        "path = sys.argv[1]\n"
        "spec = ProblemSpec(source=open(path).read(), path=path)\n"
        "evaluator = Evaluator(spec, operator_weights={'negate_result': 1.0})\n"
        "seed = evaluator.problem.seed\n"
        "rec = evaluator.evaluate_task(Task(1, parents=(Parent(0, seed),), seed=5, operator='negate_result'))\n"
        "print(json.dumps([rec.operator, rec.status, rec.score]))\n"
    )
    done = subprocess.run([sys.executable, "-c", code, str(OWN)], capture_output=True, text=True, cwd=ROOT,
                          timeout=300)
    assert done.returncode == 0, done.stderr[-3000:]
    operator, status, score = json.loads(done.stdout.strip().splitlines()[-1])
    assert (operator, status, score) == ("negate_result", "ok", 0.0)

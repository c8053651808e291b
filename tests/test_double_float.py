"""Double-float arithmetic as float32 source (problems/float32/double_float.py): its error-free transformations
are exact as run and jitted, and Lambert's continued fraction with double-float top levels takes tanh and the
sigmoid to 1 ULP, where the same fraction in plain float32 stays at 3 ULPs and the sigmoid's other forms tens."""

from __future__ import annotations

import ast
import subprocess
import sys
from pathlib import Path

import jax
import numpy as np
import pytest

from evolve import load_problem
from evolve.mutators.extensions import vocabulary
from evolve.programs import program
from evolve.programs.static_check import MAX_NODES
from problems.float32 import double_float, sigmoid, tanh

ROOT = Path(__file__).resolve().parent.parent


def run_both(body: list[str], names: list[str], x: np.ndarray) -> list[tuple[np.ndarray, ...]]:
    """The values ``names`` take in ``body`` (source lines of ``g(x)``), operation by operation and jitted."""
    ns: dict = {}
    exec("def g(x):\n" + "\n".join(body) + f"\n    return ({', '.join(names)},)\n", ns)
    jitted = jax.jit(ns["g"])(x)
    with jax.disable_jit():
        as_run = ns["g"](jax.numpy.asarray(x))
    return [tuple(np.asarray(v, dtype=np.float64) for v in values) for values in (as_run, jitted)]


@pytest.mark.parametrize("constant_first", [True, False])
def test_the_sum_and_product_errors_are_exact_as_run_and_jitted(constant_first):
    x = np.random.default_rng(0).uniform(0.001, 30.0, 50_000).astype(np.float32)
    w = double_float.Writer()
    # A constant beside a variable: XLA folds (x + 11) - 11 to x, so the constant must never be subtracted back.
    s, e = w.two_sum("11", "x") if constant_first else w.two_sum("x", "11")
    q = w.let("x / 7")
    p, pe = w.two_prod(q, "x")
    for s_, e_, q_, p_, pe_ in run_both(w.lines, [s, e, q, p, pe], x):
        xs = x.astype(np.float64)
        assert np.array_equal(s_ + e_, xs + 11.0)
        assert np.array_equal(p_ + pe_, q_ * xs)  # q * x has 48 bits: float64 holds it exactly


def test_the_division_is_corrected_to_about_twice_float32s_precision():
    x = np.random.default_rng(1).uniform(0.5, 4.0, 50_000).astype(np.float32)
    w = double_float.Writer()
    d = w.let("x * x + 3")
    q, c = w.div(("x", None), (d, None))
    for d_, q_, c_ in run_both(w.lines, [d, q, c], x):
        exact = x.astype(np.float64) / d_
        assert np.max(np.abs(q_ - exact) / exact) > 2.0**-26  # a float32 quotient alone is off
        assert np.max(np.abs(q_ + c_ - exact) / exact) < 2.0**-40


def test_lambert_with_double_float_top_levels_takes_tanh_to_one_ulp():
    problem = load_problem("tanh", points=2**16)
    family = tanh.compensated()
    assert family in vocabulary(problem).structures
    plain = problem.evaluate(program.compile_program(tanh.lambert(levels=(8,))[0], "f")).metrics
    exact = problem.evaluate(program.compile_program(family[0], "f")).metrics
    # The same 8 levels: plain float32 3 ULPs (its last add and division); the top two in double-float 1 ULP,
    # as run and jitted.
    assert plain["max_ulp"] >= 2
    assert (exact["max_ulp_as_run"], exact["max_ulp_jitted"]) == (1, 1) and 100 <= exact["ops"] <= 120


def test_the_sigmoid_through_a_double_float_tanh_reaches_one_ulp():
    problem = load_problem("sigmoid", points=2**16)
    family = sigmoid.through_tanh()
    assert family in vocabulary(problem).structures
    source = family[0]
    assert sum(1 for _ in ast.walk(ast.parse(source))) < MAX_NODES  # within the static check's size
    metrics = problem.evaluate(program.compile_program(source, "f")).metrics
    assert (metrics["max_ulp_as_run"], metrics["max_ulp_jitted"]) == (1, 1) and metrics["ops"] < 260
    fewer = problem.evaluate(program.compile_program(double_float.sigmoid_program(11, 4), "f")).metrics
    assert fewer["max_ulp"] > 1  # the cancellation at x = -8 needs six exact levels, not four


def test_every_constant_is_an_integer_so_no_fit_moves_it():
    for source in (*tanh.compensated(), *sigmoid.through_tanh()):
        numbers = [n.value for n in ast.walk(ast.parse(source)) if isinstance(n, ast.Constant)]
        assert numbers and all(isinstance(v, int) for v in numbers)
    with pytest.raises(ValueError, match="exact levels must be between 1 and levels"):
        double_float.tanh_program(4, 5)


def test_an_exp2_campaign_loads_no_other_targets_module():
    # The provenance gate leaves these modules out of what an exp2 figure measures.
    from bench.figures.provenance import DEPENDS

    left_out = {p.removeprefix(":(exclude)problems/float32/").removesuffix(".py") for p in DEPENDS["demo"]
                if p.startswith(":(exclude)")}
    assert {"tanh", "sigmoid", "double_float"} <= left_out
    code = ("import sys; from evolve import load_problem; load_problem('exp2', points=1024); "
            "print(' '.join(m for m in sys.modules if m.startswith('problems.float32.')))")
    loaded = subprocess.run([sys.executable, "-c", code], cwd=ROOT, capture_output=True, text=True, check=True)
    assert {m.removeprefix("problems.float32.") for m in loaded.stdout.split()} & left_out == set()

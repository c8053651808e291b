"""``2**x`` on [0, 1] as a real-number approximation, AutoNumerics-Zero's second track.

The same candidates as :mod:`problems.float32.exp2` (``+ - * /`` and constants), evaluated in float64, scored
by their largest relative error against an mpmath reference (50 digits) on a dense grid of [0, 1] with both
ends, with the operation count as the cost. Float64 rounding is far below the errors of interest (the paper's
evolved program reaches about 5e-15 with 10 operations; the degree-5 minimax polynomial, 10 operations in
Horner form, 7.5e-8). The score ranks by ``log10`` of the error, then by operations.
"""

from __future__ import annotations

import ast
import math
from typing import Any

import jax
import jax.numpy as jnp
import numpy as np

from evolve.fitting.minimax import Points, fit_source
from evolve.fitting.tuning import ConstantFit
from evolve.mutators.extensions import Vocabulary
from evolve.problem import Baselines, CandidateError, Objective, Problem, Result
from evolve.programs import program
from problems.float32.approx import check_source, count_ops, measure_baselines
from problems.float32.exp2 import SEED, TARGET
from problems.float32.structures import classical_structures
from problems.float32.ulp import smooth_max

DESCRIPTION = """\
Write `f(x)` approximating 2**x for `x` in [0, 1] as a real-number formula, using only + - * / and numeric
constants (no jnp.exp2, no ** and no other functions). It is evaluated in float64: `x` is a float64 array;
return an array of the same shape. Score: the largest relative error against the exact 2**x (lower is better),
then the number of arithmetic operations. Rational functions (a division) reach far lower errors than
polynomials with the same number of operations."""


def reference(x: np.ndarray) -> np.ndarray:
    """``2**x`` to 50 digits, rounded to float64, for float64 ``x``."""
    import mpmath

    with mpmath.workdps(50):
        return np.array([float(mpmath.mpf(2) ** mpmath.mpf(float(v))) for v in x], dtype=np.float64)


def make_problem(points: int = 2**14, tune_points: int = 2048, timeout: float = 10.0) -> Problem:
    """The real-number exp2 problem on ``points`` inputs of [0, 1] (a uniform grid and both ends)."""
    if points < 64:
        raise ValueError(f"points must be at least 64, got {points}")
    x_np = np.unique(np.r_[np.linspace(0.0, 1.0, points), np.nextafter(1.0, 0.0), 2.0**-30])
    exact = reference(x_np)
    sub = np.linspace(0, x_np.size - 1, tune_points).round().astype(np.int64)
    x_tune, exact_tune = x_np[sub], exact[sub]
    probe = x_np[:: max(1, x_np.size // 1024)]

    def outputs(fn: Any, xs: np.ndarray) -> np.ndarray:
        with jax.enable_x64(True):
            y = jnp.asarray(fn(jnp.asarray(xs, dtype=jnp.float64)))
            if not jnp.issubdtype(y.dtype, jnp.floating):
                raise CandidateError(f"f must return floats, got dtype {y.dtype}")
            if y.shape not in (xs.shape, ()):
                raise CandidateError(f"f(x) has shape {y.shape}; expected {xs.shape} like x")
            return np.broadcast_to(np.asarray(y, dtype=np.float64), xs.shape)

    def evaluate(fn: Any) -> Result:
        y = outputs(fn, x_np)
        if not np.all(np.isfinite(y)):
            raise CandidateError(f"non-finite output at x={float(x_np[int(np.argmin(np.isfinite(y)))])!r}")
        rel = np.abs(y / exact - 1.0)
        with jax.enable_x64(True):
            ops = count_ops(jax.make_jaxpr(lambda v: jnp.asarray(fn(v)))(jnp.asarray(x_np[:8])))
        worst = float(np.max(rel))
        return Result(score=math.log10(max(worst, 1e-300)) + min(ops, 999) / 1000.0,
                      metrics={"max_rel_error": worst, "worst_x": float(x_np[int(np.argmax(rel))]), "ops": ops,
                               "points": int(x_np.size)})

    def probe_outputs(tree: ast.Module) -> np.ndarray:
        return outputs(program.compile_program(tree, "f"), probe)

    def loss(fn: Any) -> jax.Array:
        return smooth_max(fn(jnp.asarray(x_tune)) / jnp.asarray(exact_tune) - 1.0)

    # The minimax fit of a structure's constants in the relative error, on the tuning points, checked on all.
    fit_pts = Points(x_tune, exact_tune, 1.0 / np.abs(exact_tune))
    check_pts = Points(x_np, exact, 1.0 / np.abs(exact))

    def fit_constants(source: str) -> str:
        return fit_source(source, "f", fit_pts, check_pts, dtype="float64")[0]

    return Problem(
        name="exp2_real",
        description=DESCRIPTION,
        seed=SEED,
        entrypoint="f",
        probe_inputs=(),
        probe=probe_outputs,
        evaluate=evaluate,
        direction="min",
        objectives=(Objective("max_rel_error", "min"), Objective("ops", "min")),
        pareto=("max_rel_error", "ops"),
        timeout=timeout,
        hash_bits=40,
        check=check_source,
        extensions=(
            ConstantFit(loss=loss, tune_dtype="float64", constant_dtype="float64", fit_constants=fit_constants),
            Vocabulary(binops=("+", "-", "*", "/"), structures=classical_structures(TARGET)),
            Baselines(measure_baselines),
        ),
        options={"points": points, "tune_points": tune_points, "timeout": timeout},
    )


__all__ = ["DESCRIPTION", "TARGET", "make_problem", "reference"]

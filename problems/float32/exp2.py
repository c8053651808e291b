"""float32 ``2**x`` on [0, 1] from ``+ - * /`` and constants, as in AutoNumerics-Zero.

Accuracy is the distance, in float32 units in the last place (ULPs), between the candidate's output and
the correctly rounded float32 value of ``2**x`` (computed in float64), so a correctly rounded
implementation scores 0 and ``jnp.exp2`` itself scores about 1. Cost is the number of arithmetic
operations the candidate performs, counted in its jaxpr (constant arithmetic folded by Python is free).
"""

from __future__ import annotations

import ast
from typing import Any

import jax
import jax.numpy as jnp
import numpy as np

from evolve.problem import CandidateError, Objective, Problem, Result

SEED = """\
# EVOLVE-BLOCK-START
def f(x):
    return 1.0 + x
# EVOLVE-BLOCK-END
"""

DESCRIPTION = """\
Write `f(x)` approximating 2**x for float32 `x` in [0, 1], using only + - * / and numeric constants
(no jnp.exp2, no ** and no other functions). `x` is a float32 array; return an array of the same shape.
Score: the maximum error in float32 ULPs against the correctly rounded result over ~2**20 points
(lower is better), then the number of arithmetic operations. A minimax polynomial in Horner form is a good
start; evaluation order matters for rounding."""

_ALLOWED_NODES = (
    ast.Module, ast.FunctionDef, ast.arguments, ast.arg, ast.Return, ast.Assign, ast.AugAssign, ast.Name,
    ast.Load, ast.Store, ast.BinOp, ast.UnaryOp, ast.Constant, ast.Expr, ast.Call, ast.Attribute,
    ast.Add, ast.Sub, ast.Mult, ast.Div, ast.USub, ast.UAdd,
)
_ALLOWED_CALLS = {"jnp.float32"}
# Primitives that move or relabel data rather than compute: not counted as operations.
_FREE_PRIMITIVES = {"convert_element_type", "broadcast_in_dim", "reshape", "squeeze", "copy", "copy_p"}


def check_source(tree: ast.Module) -> str | None:
    """Return why ``tree`` uses something other than ``+ - * /`` and constants, or None if it does not."""
    for node in ast.walk(tree):
        if not isinstance(node, _ALLOWED_NODES):
            return (f"line {getattr(node, 'lineno', '?')}: exp2 candidates may use only + - * / and "
                    f"constants; {type(node).__name__} is not allowed")
        if isinstance(node, ast.Call) and ast.unparse(node.func) not in _ALLOWED_CALLS:
            return f"line {node.lineno}: calling {ast.unparse(node.func)} is not allowed (only + - * /)"
        if isinstance(node, ast.Attribute) and ast.unparse(node) not in _ALLOWED_CALLS:
            return f"line {node.lineno}: attribute {ast.unparse(node)} is not allowed"
        if isinstance(node, ast.Constant) and not isinstance(node.value, (int, float)):
            if not isinstance(node.value, str):  # a docstring is fine
                return f"line {node.lineno}: constant {node.value!r} is not a number"
    return None


def count_ops(jaxpr: Any) -> int:
    """Count arithmetic equations in a (closed) jaxpr, recursing into nested jaxprs."""
    inner = getattr(jaxpr, "jaxpr", jaxpr)
    total = 0
    for eqn in inner.eqns:
        subs = [v for v in eqn.params.values() if hasattr(v, "eqns") or hasattr(v, "jaxpr")]
        if subs:
            total += sum(count_ops(s) for s in subs)
        elif eqn.primitive.name not in _FREE_PRIMITIVES:
            total += 1
    return total


def float32_grid(n: int) -> np.ndarray:
    """Return ``n`` sorted distinct float32 points of [0, 1]: a uniform grid, both ends, and the
    representable numbers next to each end (where a polynomial's rounding is most exposed)."""
    edge = 2048
    near_one = np.nextafter(np.float32(1.0), np.float32(0.0), dtype=np.float32)
    below_one = near_one.view(np.int32) - np.arange(edge, dtype=np.int32)
    tiny = (2.0 ** -np.arange(1, edge + 1, dtype=np.float64)).astype(np.float32)
    grid = np.linspace(0.0, 1.0, n, dtype=np.float64).astype(np.float32)
    pts = np.unique(np.concatenate([grid, below_one.view(np.float32), tiny, [0.0, 1.0]]).astype(np.float32))
    if pts.size > n:  # keep both ends and the edge points, thin the uniform part evenly
        keep = np.linspace(0, pts.size - 1, n).round().astype(np.int64)
        pts = np.unique(np.concatenate([pts[keep], pts[:edge], pts[-edge:]]))
    return pts


def _ordered(bits: jax.Array) -> jax.Array:
    """Map float32 bit patterns (as uint32) to integers whose order is the order of the floats."""
    sign = bits >> 31
    return jnp.where(sign == 1, ~bits, bits | jnp.uint32(0x80000000))


def ulp_distance(y: jax.Array, target: jax.Array) -> jax.Array:
    """Distance in float32 ULPs between two broadcastable float32 arrays, as uint32."""
    a = _ordered(jax.lax.bitcast_convert_type(y, jnp.uint32))
    b = _ordered(jax.lax.bitcast_convert_type(target, jnp.uint32))
    return jnp.where(a >= b, a - b, b - a)


def make_problem(
    points: int = 2**20, tune_points: int = 4096, timeout: float = 10.0, jit_candidate: bool = False
) -> Problem:
    """Build the exp2 problem on ``points`` float32 inputs (at least 2**20 by default).

    By default the candidate runs operation by operation (each rounds to float32 exactly as written, as
    in AutoNumerics-Zero) and only the fitness, the ULP statistics, is a jitted function, compiled once
    per evaluator: a candidate then costs milliseconds instead of a ~0.1 s compile. With
    ``jit_candidate=True`` the candidate is compiled together with the fitness, as it would run inside
    a larger jitted program (XLA may then fuse operations, e.g. into fused multiply-adds).
    """
    if points < 1024:
        raise ValueError(f"points must be at least 1024, got {points}")
    x_np = float32_grid(points)
    target_np = np.exp2(x_np.astype(np.float64)).astype(np.float32)  # correctly rounded from float64
    x, target = jnp.asarray(x_np), jnp.asarray(target_np)
    sub = np.linspace(0, x_np.size - 1, tune_points).round().astype(np.int64)
    # Tuning data in float64 numpy: ``loss`` turns it into float64 arrays under ``jax.enable_x64``
    # (tune_dtype="float64") and float32 ones otherwise. The target position is 2**x measured on the
    # float32 number line: ``e + m`` for 2**x = m * 2**e, 1 <= m < 2, with e = floor(log2(2**x)).
    x_tune64 = x_np[sub].astype(np.float64)
    t_tune64 = np.exp2(x_tune64)
    e_tune64 = np.floor(np.log2(t_tune64))
    pos_tune64 = e_tune64 + t_tune64 / np.exp2(e_tune64)
    lo_tune64, hi_tune64 = t_tune64 / 4, t_tune64 * 4
    # The probe is large (every 16th point): candidates near the optimum differ by a ULP at a few points,
    # and a coarse probe would call them the same function (the dedupe audit measures exactly that).
    probe = np.unique(np.concatenate([x_np[::16], x_np[:64], x_np[-64:]]))

    def stats(y: jax.Array, target: jax.Array) -> tuple[jax.Array, ...]:
        d = ulp_distance(y, target)  # y may be a scalar: it broadcasts against the target
        finite = jnp.isfinite(y)
        bad = jnp.argmin(finite) if finite.ndim else jnp.int32(0)
        return jnp.max(d), jnp.mean(d.astype(jnp.float32)), jnp.all(finite), bad

    fitness = jax.jit(stats)

    def evaluate(fn: Any) -> Result:
        def outputs(xs: jax.Array) -> jax.Array:
            y = jnp.asarray(fn(xs))
            if not jnp.issubdtype(y.dtype, jnp.floating):
                raise CandidateError(f"f must return floats, got dtype {y.dtype}")
            if y.shape not in (xs.shape, ()):
                raise CandidateError(f"f(x) has shape {y.shape}; expected {xs.shape} like x")
            # A constant output stays a scalar: broadcasting it to every point would let XLA
            # constant-fold the whole fitness over 2**20 points, which takes seconds.
            return y.astype(jnp.float32)

        closed = jax.make_jaxpr(outputs)(x)  # checks dtype and shape before anything runs
        if jit_candidate:
            # x and the target are arguments, not closed-over constants: XLA would otherwise constant-fold
            # a constant candidate over all the points, which takes seconds.
            max_ulp, mean_ulp, all_finite, bad = jax.jit(lambda xs, ts: stats(outputs(xs), ts))(x, target)
        else:
            max_ulp, mean_ulp, all_finite, bad = fitness(outputs(x), target)
        if not bool(all_finite):
            raise CandidateError(f"non-finite output at x={float(x_np[int(bad)])!r}")
        ops = count_ops(closed)
        max_ulp = int(max_ulp)
        return Result(
            score=float(max_ulp) + min(ops, 999) / 1000.0,
            metrics={"max_ulp": max_ulp, "mean_ulp": float(mean_ulp), "ops": ops, "points": int(x_np.size)},
        )

    def loss(fn: Any) -> jax.Array:
        # The signed float32 ULP distance of the real-valued output from 2**x: the difference of their
        # positions on the float32 number line, which is piecewise linear in y (each binade's ULP is
        # 2**(e - 23)), so an output just below 1.0 costs twice as many ULPs as one just above.
        # Exponents outside [t/4, 4t] are clamped: the line is extended linearly (finite for y <= 0).
        xs, pos, lo, hi = (jnp.asarray(a) for a in (x_tune64, pos_tune64, lo_tune64, hi_tune64))
        y = fn(xs)
        e = jax.lax.stop_gradient(jnp.floor(jnp.log2(jnp.clip(y, lo, hi))))
        r = (e + y / jnp.exp2(e) - pos) * 2.0**23
        r = jnp.clip(r, -1e8, 1e8)
        # The score is the max: a 32-norm is close to it yet smooth. Scaling by the (constant) max
        # keeps r**32 finite.
        top = jax.lax.stop_gradient(jnp.maximum(jnp.max(jnp.abs(r)), 1e-30))
        return top * jnp.mean((r / top) ** 32) ** (1 / 32)

    return Problem(
        name="exp2",
        description=DESCRIPTION,
        seed=SEED,
        entrypoint="f",
        probe_inputs=(probe,),
        evaluate=evaluate,
        direction="min",
        objectives=(Objective("max_ulp", "min"), Objective("ops", "min")),
        timeout=timeout,
        loss=loss,
        hash_bits=23,
        check=check_source,
        binops=("+", "-", "*", "/"),
        tune_dtype="float64",
        options={"points": points, "tune_points": tune_points, "timeout": timeout, "jit_candidate": jit_candidate},
    )

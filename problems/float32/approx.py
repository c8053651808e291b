"""float32 approximations of elementary functions, as in AutoNumerics-Zero: one implementation, many targets.

A candidate is ``f(x)`` built from ``+ - * /`` and numeric constants. Its accuracy is the distance, in float32
units in the last place (ULPs), between its output and the correctly rounded float32 value of the function,
taken over every float32 number of the domain when there are at most 2**24 of them (``coverage``
``"exhaustive"``), otherwise over at least 2**22 of them (``"sampled"``: a dense grid, every representable
number near both ends and near the target's hard points, and seeded random ones spread over every binade).
The reference is computed in float64; where a float64 value lies too close to the midpoint between two
float32 numbers for its rounding to be trusted, it is recomputed with mpmath. Non-finite outputs fail. XLA
treats subnormal numbers as zero (on CPU and GPU), so for those the value a program on XLA can return counts
as exact too (:func:`problems.float32.domain.accepted_values`); -0 and +0 are the same number.

Cost is counted two ways: ``ops``, the arithmetic operations in the candidate's jaxpr, and ``speed``, the
jitted candidate's throughput on a fixed batch relative to the library function (``jnp.exp2``...) timed in the
same process in the same call, so the ratio holds on a noisy machine (above 1: faster than the library).

A target module is a few lines: a :class:`Target` (function, domain, reference) and
``make_problem = target.problem_factory()``. This module holds the target, what a candidate may use and what it
costs, and the problem; the number line is :mod:`problems.float32.ulp`, the measured inputs and their correct
values :mod:`problems.float32.domain`, the structures offered to the search :mod:`problems.float32.structures`
and the fit of their constants :mod:`problems.float32.minimax_fit`.
"""

from __future__ import annotations

import ast
import functools
import math
import time
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

import jax
import jax.numpy as jnp
import numpy as np

from evolve.fitting.tuning import ConstantFit
from evolve.mutators.extensions import Vocabulary
from evolve.problem import Baselines, CandidateError, Objective, Problem, Result
from evolve.programs import interpreter, program
from problems.float32.domain import (
    EXHAUSTIVE_LIMIT,
    SAMPLED_POINTS,
    accepted_values,
    correctly_rounded,
    domain_points,
    near_zero,
)
from problems.float32.minimax_fit import minimax_fitter
from problems.float32.structures import classical_structures
from problems.float32.ulp import binade, distinct, number_line, smooth_max, ulp_distance
from problems.float32.verification import VERIFY_DENSITY, verify_program

_ALLOWED_NODES = (
    ast.Module, ast.FunctionDef, ast.arguments, ast.arg, ast.Return, ast.Assign, ast.AugAssign, ast.Name,
    ast.Load, ast.Store, ast.BinOp, ast.UnaryOp, ast.Constant, ast.Expr, ast.Call, ast.Attribute,
    ast.Add, ast.Sub, ast.Mult, ast.Div, ast.USub, ast.UAdd,
)


_ALLOWED_CALLS = {"jnp.float32"}


# Primitives that move or relabel data rather than compute: not counted as operations.
_FREE_PRIMITIVES = {"convert_element_type", "broadcast_in_dim", "reshape", "squeeze", "copy", "copy_p"}


@dataclass(frozen=True)
class Target:
    """A function to approximate on a domain.

    Attributes:
        name: the problem's name (``"exp2"``).
        low, high: the domain; ``include_high=False`` makes it ``[low, high)``.
        reference: the function in float64 on a float64 array (vectorised, within a float64 ULP or two).
        precise: the function on an ``mpmath.mpf``, for the few points where float64 is not enough.
        library: the library function the speed is measured against, dotted (``"jnp.exp2"``,
            ``"jax.nn.sigmoid"``).
        formula: the function as the LLM is told it (``"2**x"``).
        hard_points: points inside the domain where accuracy is hardest (the consecutive float32 numbers
            around each are always measured).
        zero: where the function is 0, if it is inside the domain: relative accuracy there needs a factor
            ``(x - zero)``, which the polynomial baselines write.
        odd: whether the function is odd (the baselines write ``x * q(x * x)``).
        reciprocal: whether ``f(-x) = 1 / f(x)`` (exponentials): the search is offered the rationals
            ``(E(x*x) + x*O(x*x)) / (E(x*x) - x*O(x*x))`` that keep this
            (:func:`problems.float32.structures.reciprocal_structures`).
        families: structure families the target's author writes beside the classical ones (programs whose
            constants the fit finds: ``Vocabulary.structures``), e.g. the sigmoid through ``exp``.
    """

    name: str
    low: float
    high: float
    reference: Callable[[np.ndarray], np.ndarray]
    precise: Callable[[Any], Any]
    library: str
    formula: str
    include_high: bool = True
    hard_points: tuple[float, ...] = ()
    zero: float | None = None
    odd: bool = False
    reciprocal: bool = False
    families: tuple[tuple[str, ...], ...] = ()

    @property
    def domain(self) -> str:
        """The domain as text, ``[0, 1]`` or ``[1, 2)``."""
        return f"[{self.low:g}, {self.high:g}{']' if self.include_high else ')'}"

    def problem_factory(self) -> Callable[..., Problem]:
        """``make_problem(**options)`` for this target: :func:`float32_problem` with the target filled in."""

        def make(**options: Any) -> Problem:
            return float32_problem(self, **options)

        make.__doc__ = f"The {self.name} problem on {self.domain}; options as :func:`problems.float32.approx." \
                       "float32_problem`."
        return make


# --------------------------------------------------------------------------------------------------
# Candidates: what they may use, what they cost


def check_source(tree: ast.Module) -> str | None:
    """Why ``tree`` uses something other than ``+ - * /`` and constants, or None if it does not."""
    for node in ast.walk(tree):
        if not isinstance(node, _ALLOWED_NODES):
            return (f"line {getattr(node, 'lineno', '?')}: candidates may use only + - * / and constants; "
                    f"{type(node).__name__} is not allowed")
        if isinstance(node, ast.Call) and ast.unparse(node.func) not in _ALLOWED_CALLS:
            return f"line {node.lineno}: calling {ast.unparse(node.func)} is not allowed (only + - * /)"
        if isinstance(node, ast.Attribute) and ast.unparse(node) not in _ALLOWED_CALLS:
            return f"line {node.lineno}: attribute {ast.unparse(node)} is not allowed"
        if isinstance(node, ast.Constant) and not isinstance(node.value, (int, float)):
            if not isinstance(node.value, str):  # a docstring is fine
                return f"line {node.lineno}: constant {node.value!r} is not a number"
    return None


_COMMUTATIVE = {"add", "mul", "max", "min"}


def count_ops(jaxpr: Any) -> int:
    """Count the arithmetic operations of a (closed) jaxpr on its expression graph: an operation on the same
    inputs as an earlier one (``x * x`` written twice, or ``a + b`` and ``b + a``) computes the same value and
    counts once, so a reused value costs one operation however it is written. Nested jaxprs are counted
    whole; data movement (:data:`_FREE_PRIMITIVES`) is free."""
    inner = getattr(jaxpr, "jaxpr", jaxpr)
    value: dict[Any, Any] = {}  # a variable -> the key of the computation that made it
    seen: set[Any] = set()
    total = 0

    def key_of(atom: Any) -> Any:
        if hasattr(atom, "val"):  # a literal
            return ("literal", repr(np.asarray(atom.val).tolist()), str(getattr(atom, "aval", "")))
        return value.get(atom, ("var", id(atom)))

    for eqn in inner.eqns:
        subs = [v for v in eqn.params.values() if hasattr(v, "eqns") or hasattr(v, "jaxpr")]
        if subs:
            total += sum(count_ops(s) for s in subs)
            continue
        inputs = [key_of(v) for v in eqn.invars]
        if eqn.primitive.name in _COMMUTATIVE:
            inputs = sorted(inputs, key=repr)
        key = (eqn.primitive.name, tuple(inputs), repr(sorted(eqn.params.items(), key=lambda kv: kv[0])))
        for i, out in enumerate(eqn.outvars):
            value[out] = (key, i)
        if eqn.primitive.name in _FREE_PRIMITIVES or key in seen:
            continue
        seen.add(key)
        total += 1
    return total


def speed_ratio(fn: Callable[[jax.Array], jax.Array], library: Callable[[jax.Array], jax.Array], x: jax.Array,
                rounds: int = 5, calls: int = 5) -> float:
    """How many times faster jitted ``fn`` runs on ``x`` than jitted ``library``: the best of ``rounds``
    alternating rounds of ``calls`` calls each, timed in this process (so both see the same machine)."""
    fast_fn, fast_lib = jax.jit(fn), jax.jit(library)
    fast_fn(x).block_until_ready()
    fast_lib(x).block_until_ready()

    def timed(f: Callable) -> float:
        start = time.perf_counter()
        for _ in range(calls):
            out = f(x)
        out.block_until_ready()
        return time.perf_counter() - start

    best_fn = best_lib = math.inf
    for _ in range(rounds):
        best_lib = min(best_lib, timed(fast_lib))
        best_fn = min(best_fn, timed(fast_fn))
    return best_lib / best_fn


def library_function(target: Target) -> Callable[[jax.Array], jax.Array]:
    """The library function named by ``target.library`` (``jnp.`` is ``jax.numpy.``)."""
    import importlib

    module, _, name = target.library.replace("jnp.", "jax.numpy.", 1).rpartition(".")
    return getattr(importlib.import_module(module), name)


def seed_source(target: Target) -> str:
    """The starting program: the line through the function's values at the domain's ends (``1.0 + x`` for
    2**x on [0, 1]), in float32 constants. For a function with a zero inside the domain the line is written
    ``(x - z) * slope``: ``x - z`` is exact near ``z`` (Sterbenz), so the factor keeps the relative error
    bounded where the function vanishes, and the GP grows the constant into a polynomial behind it
    (``c0 + c1*x`` with ``c0 = -c1*z`` would cancel catastrophically there: millions of ULPs). For an odd
    function with slope 1 at 0 (sin, tanh) it is written ``x + (slope - 1) * x``: XLA flushes subnormal
    results to zero, so ``c * x`` with ``c < 1`` is 0 for inputs just above the smallest normal number, 2**23
    ULPs off a function equal to ``x`` there, while in ``x + c * x`` only the correction vanishes."""
    ends = target.reference(np.array([target.low, target.high], dtype=np.float64))
    slope = float(np.float32((ends[1] - ends[0]) / (target.high - target.low)))
    start = float(np.float32(ends[0] - slope * target.low))
    if abs(start) <= 1e-6 * float(np.max(np.abs(ends))):  # an odd function's line goes through 0
        start = 0.0
    term = "x" if slope == 1.0 else f"{slope!r} * x"
    body = term if start == 0.0 else f"{start!r} + {term}"
    if target.zero is not None and target.zero != 0.0:
        body = f"(x - {float(np.float32(target.zero))!r}) * {slope!r}"
    tiny = 1e-30
    if target.odd and abs(float(target.reference(np.array([tiny]))[0]) / tiny - 1.0) < 1e-6:
        body = f"x + {float(np.float32(slope - 1.0))!r} * x"
    return ("# EVOLVE-BLOCK-START\n"
            "def f(x):\n"
            f"    return {body}\n"
            "# EVOLVE-BLOCK-END\n")


def describe(target: Target, points: int, coverage: str) -> str:
    """What the LLM is told about a target."""
    where = "every float32 number of the domain" if coverage == "exhaustive" else f"{points} float32 points"
    return (f"Write `f(x)` approximating {target.formula} for float32 `x` in {target.domain}, using only + - * / "
            f"and numeric constants (no {target.library}, no ** and no other functions). `x` is a float32 "
            "array; return an array of the same shape. Score: the maximum error in float32 ULPs against the "
            f"correctly rounded result over {where} (lower is better), then the number of arithmetic "
            "operations. A minimax polynomial in Horner form is a good start; evaluation order matters for "
            "rounding" + (f"; the function is 0 at x = {target.zero:g}, so a factor (x - {target.zero:g}) keeps "
                          "the relative error small there" if target.zero is not None else "") + ".")


# --------------------------------------------------------------------------------------------------
# The problem


@dataclass(frozen=True)
class _Measured:
    """The inputs a candidate is measured on and the values that count as exact there, in numpy and as the JAX
    arrays the fitness takes."""

    x_np: np.ndarray
    coverage: str
    rounded_np: np.ndarray
    x: jax.Array
    rounded: jax.Array
    special: jax.Array
    """Indices of the inputs where another value counts as exact too (subnormal inputs and results)."""
    others: jax.Array
    """The other accepted values at ``special``, one row per alternative."""


def _measured(target: Target, points: int, exhaustive_limit: int, seed: int) -> _Measured:
    x_np, coverage = domain_points(target, points, exhaustive_limit, seed)
    _, rounded_np, _ = correctly_rounded(target, x_np)
    accepted_np = accepted_values(target, x_np, rounded_np)
    # Only a few inputs accept another value (subnormal inputs and results): those are compared again.
    special_np = np.flatnonzero(np.any(accepted_np[1:] != accepted_np[:1], axis=0))
    return _Measured(x_np, coverage, rounded_np, jnp.asarray(x_np), jnp.asarray(rounded_np),
                     jnp.asarray(special_np), jnp.asarray(accepted_np[1:, special_np]))


def _tuning_inputs(target: Target, x_np: np.ndarray, tune_points: int) -> np.ndarray:
    """The float32 inputs the constant tuner fits on: a grid over the domain, a thinning of the measured inputs
    ``x_np`` and the inputs near the function's zero."""
    grid = np.linspace(target.low, target.high, tune_points // 2).astype(np.float32)
    grid = grid[(grid >= x_np[0]) & (grid <= x_np[-1])]
    thinned = x_np[np.linspace(0, x_np.size - 1, tune_points - tune_points // 2).round().astype(np.int64)]
    return distinct(np.concatenate([grid, thinned, near_zero(target, x_np)]))


def _probe_inputs(x_np: np.ndarray) -> np.ndarray:
    """The inputs of the functional hash. The probe is large: candidates near the optimum differ by a ULP at a
    few points, and a coarse probe would call them the same function (the dedupe audit measures exactly that)."""
    return distinct(np.concatenate([x_np[np.linspace(0, x_np.size - 1, 2**16).round().astype(np.int64)],
                                    x_np[:64], x_np[-64:]]))


def _ulp_stats(y: jax.Array, rounded: jax.Array, special: jax.Array, others: jax.Array) -> tuple[jax.Array, ...]:
    """``(max, argmax, mean)`` of the ULP distance of ``y`` from the accepted values, whether every output is
    finite, and the index of a non-finite one."""
    d = ulp_distance(y, rounded)  # y may be a scalar: it broadcasts against the target
    y_special = jnp.broadcast_to(y, rounded.shape)[special]
    d_special = jnp.min(jax.vmap(lambda t: ulp_distance(y_special, t))(others), axis=0)
    d = d.at[special].min(d_special)
    finite = jnp.isfinite(y)
    bad = jnp.argmin(finite) if finite.ndim else jnp.int32(0)
    return jnp.max(d), jnp.argmax(d), jnp.mean(d.astype(jnp.float32)), jnp.all(finite), bad


def float32_outputs(fn: Any, xs: jax.Array) -> jax.Array:
    """``fn(xs)`` as float32, refused unless floats of the shape of ``xs`` (or a scalar)."""
    y = jnp.asarray(fn(xs))
    if not jnp.issubdtype(y.dtype, jnp.floating):
        raise CandidateError(f"f must return floats, got dtype {y.dtype}")
    if y.shape not in (xs.shape, ()):
        raise CandidateError(f"f(x) has shape {y.shape}; expected {xs.shape} like x")
    # A constant output stays a scalar: broadcasting it to every point would let XLA
    # constant-fold the whole fitness over every point, which takes seconds.
    return y.astype(jnp.float32)


def jitted_program(fn: Any) -> Callable[[jax.Array], jax.Array]:
    """The candidate ``fn`` compiled whole by XLA, as its speed is timed (XLA may fuse its operations, so its
    outputs can differ from the operation-by-operation run's): float32 outputs of the shape of the inputs."""
    return jax.jit(lambda xs: float32_outputs(fn, xs) + jnp.zeros_like(xs))


VERIFY_TIMEOUT = 600.0
"""Seconds the verification of one program may take."""

INTERPRETER_CHUNK = 2**10
"""Points per chunk when a program runs through the interpreter: its buffer (a row per instruction) stays in
cache, where the whole domain's would not."""


def _translate(tree: ast.Module) -> interpreter.Code | None:
    return interpreter.translate(tree, "f", ("x",), ops=interpreter.ARITHMETIC)


def _interpreted_function(code: Any, theta: Any) -> Callable[[jax.Array], jax.Array]:
    return lambda x: interpreter.run(code, theta, jnp.asarray(x)[None, :], ops=interpreter.ARITHMETIC, select=True,
                                     reverse=True)


INTERPRETATION = interpreter.Interpretation(_translate, _interpreted_function)
"""How the constant tuner runs a float32 program through the interpreter: ``f(x)`` of ``+ - * /``."""


def _interpreted_stats(m: _Measured) -> Callable[..., tuple[jax.Array, ...]]:
    """``stats(code) -> _ulp_stats`` of the program ``code`` (:mod:`evolve.programs.interpreter`, arithmetic
    table) on every measured input: one compiled function per code size, for every program of that size."""

    @jax.jit
    def stats(code: tuple, xs: jax.Array, *data: jax.Array) -> tuple[jax.Array, ...]:
        y = interpreter.run(code, jnp.zeros((0,), jnp.float32), xs[None, :], ops=interpreter.ARITHMETIC,
                            chunk=INTERPRETER_CHUNK, select=True)
        return _ulp_stats(y, *data)

    data = (m.rounded, m.special, m.others)
    return lambda code: stats(tuple(jnp.asarray(a) for a in code), m.x, *data)


def _evaluator(m: _Measured, library: Callable[[jax.Array], jax.Array], speed_x: jax.Array, jit_candidate: bool,
               speed_below: float) -> tuple[Callable[[Any], Result], Callable[[ast.Module], Result]]:
    """The problem's ``evaluate(fn)`` and ``evaluate_tree(tree)``: the largest ULP error over every measured
    input, the operations, and the speed against ``library`` of a program within ``speed_below`` ULPs.

    ``evaluate_tree`` runs a program made of ``+ - * /`` through the interpreter, compiled once for every program
    of its size, where ``evaluate`` runs it operation by operation: both round every operation as written, so
    they return the same result (``tests/test_float32_interpreter.py`` checks it on every point), and the
    interpreter needs neither a compile nor a dispatch per operation."""
    fitness = jax.jit(_ulp_stats)
    interpreted = _interpreted_stats(m)
    data = (m.rounded, m.special, m.others)

    def evaluate(fn: Any, code: interpreter.Code | None = None) -> Result:
        def outputs(xs: jax.Array) -> jax.Array:
            return float32_outputs(fn, xs)

        closed = jax.make_jaxpr(outputs)(m.x)  # checks dtype and shape before anything runs
        if code is not None:
            max_ulp, worst, mean_ulp, all_finite, bad = interpreted(code)
        elif jit_candidate:
            # x and the target are arguments, not closed-over constants: XLA would otherwise constant-fold
            # a constant candidate over all the points, which takes seconds.
            max_ulp, worst, mean_ulp, all_finite, bad = jax.jit(lambda xs, *ts: _ulp_stats(outputs(xs), *ts))(
                m.x, *data)
        else:
            max_ulp, worst, mean_ulp, all_finite, bad = fitness(outputs(m.x), *data)
        if not bool(all_finite):
            raise CandidateError(f"non-finite output at x={float(m.x_np[int(bad)])!r}")
        ops = count_ops(closed)
        max_ulp = int(max_ulp)
        speed, as_run, jitted_ulp = 0.0, max_ulp, None
        if max_ulp <= speed_below:
            # The speed is that of the jitted program, which XLA may compile differently (fused multiply-adds:
            # about 1 ULP apart at a sixth of the points): its accuracy is measured on every point too, and
            # the worse of the two is the program's.
            compiled = jitted_program(fn)
            jitted = fitness(compiled(m.x), *data)
            if not bool(jitted[3]):
                where = float(m.x_np[int(jitted[4])])
                raise CandidateError(f"the jitted program's output is not finite at x={where!r}")
            jitted_ulp = int(jitted[0])
            if jitted_ulp > max_ulp:
                max_ulp, worst, mean_ulp = jitted_ulp, jitted[1], jitted[2]
            speed = speed_ratio(compiled, library, speed_x)
        return Result(
            score=float(max_ulp) + min(ops, 999) / 1000.0,
            metrics={"max_ulp": max_ulp, "mean_ulp": float(mean_ulp), "worst_x": float(m.x_np[int(worst)]),
                     "ops": ops, "speed": round(speed, 4), "points": int(m.x_np.size), "coverage": m.coverage,
                     "max_ulp_as_run": as_run, "max_ulp_jitted": jitted_ulp},
        )

    def evaluate_tree(tree: ast.Module) -> Result:
        # The jitted mode measures the program as XLA fuses it: not what the interpreter runs.
        code = None if jit_candidate else _translate(tree)
        return evaluate(program.compile_program(tree, "f"), code)

    return evaluate, evaluate_tree


def _tuning_loss(target: Target, x_tune32: np.ndarray) -> Callable[[Any], jax.Array]:
    """The gradient tuner's loss: the smoothed largest signed ULP error at the tuning inputs."""
    # Tuning data in float64 numpy: ``loss`` makes float64 arrays of it under ``jax.enable_x64``.
    x_tune64 = x_tune32.astype(np.float64)
    with np.errstate(all="ignore"):
        t_tune64 = np.asarray(target.reference(x_tune64), dtype=np.float64)
    binade_tune = binade(t_tune64)

    def loss(fn: Any) -> jax.Array:
        # The signed distance, in float32 ULPs, of the real-valued output from the function's real value: the
        # difference of their positions on the float32 number line, which is piecewise linear in y (each
        # binade's ULP is 2**(e - 23)), so an output just below 1.0 costs twice as many ULPs as one above.
        xs, exact, e = (jnp.asarray(a) for a in (x_tune64, t_tune64, binade_tune))
        r = number_line(fn(xs), e) - number_line(exact, e)
        return smooth_max(jnp.clip(r, -1e8, 1e8))

    return loss


def float32_problem(target: Target, points: int = SAMPLED_POINTS, tune_points: int = 4096, timeout: float = 10.0,
                    jit_candidate: bool = False, exhaustive_limit: int = EXHAUSTIVE_LIMIT, speed_batch: int = 2**20,
                    speed_below: float = 64.0, seed: int = 0, minimax: bool = True, interpret: bool = False,
                    verify_points: int | None = None) -> Problem:
    """The problem of approximating ``target`` in float32.

    Args:
        target: the function and its domain.
        points: how many inputs a domain too large to enumerate is measured on (at least 1024).
        tune_points: inputs the constant tuner fits on (a grid over the domain and a thinning of the inputs).
        timeout: seconds one evaluation may take.
        jit_candidate: run the candidate jitted with the fitness (XLA may fuse operations, e.g. into fused
            multiply-adds) instead of operation by operation, each rounded to float32 as written (the default,
            as in AutoNumerics-Zero, and milliseconds per candidate instead of a compile).
        exhaustive_limit: enumerate the domain when it holds at most this many float32 numbers.
        speed_batch: inputs of the batch the speed is timed on.
        speed_below: time the speed only of candidates within this many ULPs (a far-off program's speed says
            nothing; its ``speed`` is 0).
        seed: seed of the sampled inputs.
        minimax: fit a program's constants by the minimax fit of its structure
            (:func:`problems.float32.minimax_fit.minimax_fitter`) before falling back to the gradient tuner;
            False: the gradient tuner alone (as before the fitter).
        interpret: run the programs made of ``+ - * /`` through the interpreter (:mod:`evolve.programs.interpreter`,
            one compile per code size) for their accuracy, and tune their constants through it; False: run every
            program operation by operation and compile each structure's tuner (the path before it). Both round
            every operation as written and give the same result. Off by default: on a CPU the interpreter
            is slower than both (``bench/eval_rate.py`` measures it), as it computes each instruction's every
            possible operation where a compiled program computes one; it is the path for accelerators.
        verify_points: inputs the verification stage re-measures a program on, drawn afresh (the whole domain
            when it holds no more; :mod:`problems.float32.verification`); None: ``VERIFY_DENSITY`` (4) times
            ``points``.
    """
    verify_points = VERIFY_DENSITY * points if verify_points is None else verify_points
    if points < 1024 or verify_points < 1024:
        raise ValueError(f"points and verify_points must be at least 1024, got {points} and {verify_points}")
    m = _measured(target, points, exhaustive_limit, seed)
    x_tune32 = _tuning_inputs(target, m.x_np, tune_points)
    speed_x = jnp.asarray(m.x_np[np.linspace(0, m.x_np.size - 1, speed_batch).round().astype(np.int64)])
    evaluate, evaluate_tree = _evaluator(m, library_function(target), speed_x, jit_candidate, speed_below)
    return Problem(
        name=target.name,
        description=describe(target, int(m.x_np.size), m.coverage),
        seed=seed_source(target),
        entrypoint="f",
        probe_inputs=(_probe_inputs(m.x_np),),
        evaluate=evaluate,
        evaluate_tree=evaluate_tree if interpret else None,
        direction="min",
        objectives=(Objective("max_ulp", "min"), Objective("ops", "min"), Objective("speed", "max")),
        pareto=("max_ulp", "ops", "speed"),
        timeout=timeout,
        hash_bits=23,
        check=check_source,
        verify=functools.partial(verify_program, target, verify_points, seed),
        verify_timeout=VERIFY_TIMEOUT,
        extensions=(
            ConstantFit(loss=_tuning_loss(target, x_tune32), tune_dtype="float64",
                        interpret=INTERPRETATION if interpret else None,
                        fit_constants=minimax_fitter(target, m.x_np, m.rounded_np, x_tune32) if minimax else None),
            Vocabulary(binops=("+", "-", "*", "/"), structures=classical_structures(target) if minimax else ()),
            Baselines(measure_baselines),
        ),
        options={"points": points, "tune_points": tune_points, "timeout": timeout, "jit_candidate": jit_candidate,
                 "minimax": minimax, "interpret": interpret,
                 "exhaustive_limit": exhaustive_limit, "speed_batch": speed_batch, "speed_below": speed_below,
                 "seed": seed, "verify_points": verify_points},
    )


def measure_baselines(problem: str, options: dict[str, Any]) -> list[dict[str, Any]]:
    """The target's Taylor, minimax and rational baselines, measured alike (:mod:`problems.float32.baselines`,
    imported here because it builds on this module)."""
    from problems.float32.baselines import measure_baselines as measure

    return measure(problem, options)

"""float32 approximations of elementary functions, as in AutoNumerics-Zero: one implementation, many targets.

A candidate is ``f(x)`` built from ``+ - * /`` and numeric constants. Its accuracy is the distance, in float32
units in the last place (ULPs), between its output and the correctly rounded float32 value of the function,
taken over every float32 number of the domain when there are at most 2**24 of them (``coverage``
``"exhaustive"``), otherwise over at least 2**22 of them (``"sampled"``: a dense grid, every representable
number near both ends and near the target's hard points, and seeded random ones spread over every binade).
The reference is computed in float64; where a float64 value lies too close to the midpoint between two
float32 numbers for its rounding to be trusted, it is recomputed with mpmath. Non-finite outputs fail. XLA
treats subnormal numbers as zero (on CPU and GPU), so for those the value a program on XLA can return counts
as exact too (:func:`accepted_values`); -0 and +0 are the same number.

Cost is counted two ways: ``ops``, the arithmetic operations in the candidate's jaxpr, and ``speed``, the
jitted candidate's throughput on a fixed batch relative to the library function (``jnp.exp2``...) timed in the
same process in the same call, so the ratio holds on a noisy machine (above 1: faster than the library).

A target module is a few lines: a :class:`Target` (function, domain, reference) and
``make_problem = target.problem_factory()``.
"""

from __future__ import annotations

import ast
import math
import time
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

import jax
import jax.numpy as jnp
import numpy as np

from evolve.problem import CandidateError, Objective, Problem, Result

EXHAUSTIVE_LIMIT = 2**24
"""Domains with at most this many float32 numbers are enumerated whole."""

SAMPLED_POINTS = 2**22
"""Points a larger domain is measured on by default."""

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
            ``(E(x*x) + x*O(x*x)) / (E(x*x) - x*O(x*x))`` that keep this (:func:`reciprocal_structures`).
        families: structure families the target's author writes beside the classical ones (programs whose
            constants the fit finds: ``Problem.structures``), e.g. the sigmoid through ``exp``.
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
# The float32 number line


def ordered(x: np.ndarray) -> np.ndarray:
    """Float32 numbers as int64 positions on the float32 number line: consecutive floats differ by 1, -0 and
    +0 are both 0, negative numbers are negative."""
    bits = np.asarray(x, dtype=np.float32).view(np.int32).astype(np.int64)
    return np.where(bits < 0, -(bits & 0x7FFFFFFF), bits)


def from_ordered(k: np.ndarray) -> np.ndarray:
    """The float32 numbers at positions ``k`` of :func:`ordered` (its inverse; position 0 is +0)."""
    k = np.asarray(k, dtype=np.int64)
    bits = np.where(k < 0, (-k) | 0x80000000, k).astype(np.uint32)
    return bits.view(np.float32)


def _positions(low: float, high: float, include_high: bool) -> tuple[int, int]:
    """The first and last positions of the float32 numbers in the domain."""
    lo = np.float32(low)
    if float(lo) < low:
        lo = np.nextafter(lo, np.float32(np.inf))
    hi = np.float32(high)
    if float(hi) > high or (not include_high and float(hi) == high):
        hi = np.nextafter(hi, np.float32(-np.inf))
    return int(ordered(lo)), int(ordered(hi))


def domain_size(low: float, high: float, include_high: bool = True) -> int:
    """How many float32 numbers lie in the domain (-0 and +0 counted once)."""
    first, last = _positions(low, high, include_high)
    return max(last - first + 1, 0)


def _distinct(a: np.ndarray) -> np.ndarray:
    """The distinct values of ``a``, sorted (``np.unique`` by sorting: its hash-based path is far slower on
    millions of integers)."""
    a = np.sort(np.asarray(a), kind="stable")
    return a[np.r_[True, a[1:] != a[:-1]]] if a.size else a


def domain_points(target: Target, points: int = SAMPLED_POINTS, exhaustive_limit: int = EXHAUSTIVE_LIMIT,
                  seed: int = 0) -> tuple[np.ndarray, str]:
    """The float32 inputs a candidate is measured on, sorted and distinct, and how they were chosen.

    Every float32 number of the domain when there are at most ``exhaustive_limit`` (``"exhaustive"``);
    otherwise (``"sampled"``) at least ``points`` of them: a uniform grid over the domain, the 4096
    consecutive numbers at each end and the 1024 on each side of every hard point (and of 0 when inside:
    the subnormals), the numbers just above the smallest normal one (:func:`above_smallest_normal`: there a
    product with a constant below 1 turns subnormal, and XLA flushes it to zero), and seeded random numbers,
    half uniform in value and half uniform over the number line
    (so every binade is visited, tiny inputs included).
    """
    first, last = _positions(target.low, target.high, target.include_high)
    if last < first:
        raise ValueError(f"{target.name}: the domain {target.domain} holds no float32 number")
    if last - first + 1 <= exhaustive_limit:
        return from_ordered(np.arange(first, last + 1)), "exhaustive"
    rng = np.random.default_rng(seed)
    edge, near = 4096, 1024
    parts = [np.arange(first, first + edge), np.arange(last - edge + 1, last + 1)]
    for point in (*target.hard_points, *((0.0,) if target.low <= 0.0 <= target.high else ())):
        centre = int(ordered(np.float32(point)))
        parts.append(np.arange(centre - near, centre + near + 1))
    grid = np.linspace(target.low, target.high, points // 2).astype(np.float32)
    parts += [ordered(grid), ordered(above_smallest_normal(target))]
    lo32, hi32 = from_ordered(np.array([first, last]))
    uniform = rng.uniform(float(lo32), float(hi32), points // 4).astype(np.float32)
    parts += [ordered(uniform), rng.integers(first, last + 1, points // 4)]
    chosen = _distinct(np.concatenate(parts))
    chosen = chosen[(chosen >= first) & (chosen <= last)]
    extra = points - chosen.size
    while extra > 0:  # the parts overlapped: top up with more random positions
        chosen = _distinct(np.concatenate([chosen, rng.integers(first, last + 1, 2 * extra)]))
        extra = points - chosen.size
    return from_ordered(chosen), "sampled"


def correctly_rounded(target: Target, x: np.ndarray) -> tuple[np.ndarray, np.ndarray, int]:
    """The function at float32 inputs ``x``: in float64, and correctly rounded to float32; and at how many
    points mpmath had to decide the rounding (float64 within 16 of its ULPs of a float32 midpoint)."""
    x64 = np.asarray(x, dtype=np.float64)
    with np.errstate(all="ignore"):
        value = np.asarray(target.reference(x64), dtype=np.float64)
    rounded = value.astype(np.float32)
    # The midpoint between the rounded value and its neighbour on value's side is exact in float64.
    toward = np.where(value >= rounded.astype(np.float64), np.float32(np.inf), np.float32(-np.inf))
    neighbour = np.nextafter(rounded, toward.astype(np.float32))
    mid = (rounded.astype(np.float64) + neighbour.astype(np.float64)) / 2.0
    doubtful = np.flatnonzero(np.abs(value - mid) <= 16 * np.spacing(np.abs(value)))
    if doubtful.size:
        import mpmath

        with mpmath.workprec(128):
            for i in doubtful:
                exact = target.precise(mpmath.mpf(float(x64[i])))
                lo, hi = sorted((float(rounded[i]), float(neighbour[i])))
                halfway = (mpmath.mpf(lo) + mpmath.mpf(hi)) / 2
                rounded[i] = np.float32(lo if exact < halfway else hi if exact > halfway else
                                        (lo if np.float32(lo).view(np.int32) % 2 == 0 else hi))
                value[i] = float(exact)
    return value, rounded, int(doubtful.size)


def accepted_values(target: Target, x: np.ndarray, rounded: np.ndarray) -> np.ndarray:
    """The outputs that count as exact at each input, ``(k, n)``: the correctly rounded values ``rounded``
    first. XLA treats subnormal numbers as zero, inputs and results alike (on CPU and GPU), so no program can
    tell a subnormal input from zero or return a subnormal: zero is accepted where the correctly rounded value
    is subnormal, and for a subnormal input the (rounded, flushed) value at zero is accepted too."""
    tiny = np.finfo(np.float32).tiny

    def flushed(values: np.ndarray) -> np.ndarray:
        return np.where(np.abs(values) < tiny, np.float32(0.0), values).astype(np.float32)

    rows = [rounded, flushed(rounded)]
    subnormal = (np.abs(x) < tiny) & (x != 0)
    if subnormal.any():
        at_zero = correctly_rounded(target, np.zeros(1, dtype=np.float32))[1][0]
        rows += [np.where(subnormal, at_zero, rounded), np.where(subnormal, flushed(np.array([at_zero]))[0], rounded)]
    return np.stack(rows).astype(np.float32)


def _ordered_jax(bits: jax.Array) -> jax.Array:
    """float32 bit patterns (as uint32) to integers whose order is the order of the floats (:func:`ordered`
    shifted by 2**31, so that it fits a uint32; -0 and +0 are the same)."""
    top = jnp.uint32(0x80000000)
    return jnp.where(bits >> 31 == 1, top - (bits & jnp.uint32(0x7FFFFFFF)), bits | top)


def ulp_distance(y: jax.Array, target: jax.Array) -> jax.Array:
    """Distance in float32 ULPs between two broadcastable float32 arrays, as uint32: how many float32 numbers
    lie between them, plus one (0 for equal numbers, and for -0 and +0)."""
    a = _ordered_jax(jax.lax.bitcast_convert_type(y, jnp.uint32))
    b = _ordered_jax(jax.lax.bitcast_convert_type(target, jnp.uint32))
    return jnp.where(a >= b, a - b, b - a)


def number_line(y: jax.Array, binade: jax.Array) -> jax.Array:
    """The real-valued position of ``y`` on the float32 number line, in ULPs (piecewise linear: each binade
    ``[2**e, 2**(e+1))`` spans 2**23, the subnormals one ULP each; odd in ``y``). ``binade`` is the exponent
    of the value ``y`` should be near: ``y``'s own exponent is clamped to within 2 of it, so a far-off ``y``
    is placed on the line extended linearly (finite, with a useful gradient, for a tuner)."""
    a = jnp.abs(y)
    e = jnp.floor(jnp.log2(jnp.maximum(a, 2.0**-126)))
    e = jax.lax.stop_gradient(jnp.maximum(jnp.clip(e, binade - 2, binade + 2), -126.0))
    return jnp.sign(y) * (e + 126.0 + a / jnp.exp2(e)) * 2.0**23


def smooth_max(r: jax.Array) -> jax.Array:
    """The largest ``|r|``, smoothed for a gradient tuner: the 32-norm's mean, close to the max yet
    differentiable everywhere. Scaling by the (constant) max keeps ``r**32`` finite."""
    top = jax.lax.stop_gradient(jnp.maximum(jnp.max(jnp.abs(r)), 1e-30))
    return top * jnp.mean((r / top) ** 32) ** (1 / 32)


def binade(value: np.ndarray) -> np.ndarray:
    """The float32 exponent of each value (of the smallest normal for zero and subnormals)."""
    return np.floor(np.log2(np.maximum(np.abs(value), 2.0**-126)))


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


def near_zero(target: Target, x: np.ndarray) -> np.ndarray:
    """Inputs of ``x`` approaching the function's zero inside the domain, geometrically (``z +- span * 2**-j``)
    and the 64 float32 numbers of ``x`` on each side of it (subnormals left out): where the function vanishes
    the relative error is largest, and a grid or a thinning of a single binade (log2 on [1, 2)) puts no tuning
    point there. None without a zero (``x`` is sorted)."""
    if target.zero is None:
        return np.empty(0, np.float32)
    z = np.float32(target.zero)
    span = float(np.max(np.abs(np.array([target.low, target.high]) - float(z))))
    steps = span * 2.0 ** -np.arange(1, 150, dtype=np.float64)
    geometric = np.concatenate([float(z) + steps, float(z) - steps]).astype(np.float32)
    at = int(np.searchsorted(x, z))
    ulps = x[max(at - 64, 0):at + 65]
    near = np.concatenate([geometric, ulps])
    # Not subnormal: XLA reads those as zero, an error no constant can tune away.
    keep = (near >= x[0]) & (near <= x[-1]) & (np.abs(near) >= np.finfo(np.float32).tiny) & (near != z)
    return near[keep]


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
# Best-uniform constants (evolve.minimax) for a target


def ulp_weight(value: np.ndarray) -> np.ndarray:
    """The weight that turns an error at a function value into float32 ULPs of that value, ``2**(23 - e)``
    for a value in binade ``e`` (float64)."""
    return np.exp2(23.0 - binade(np.asarray(value, dtype=np.float64)))


def fit_points(target: Target, x: np.ndarray) -> Any:
    """:class:`evolve.minimax.Points` at the float32 inputs ``x``: the function in float64 and the ULP weight,
    leaving out inputs where the function is 0 or subnormal (no relative error is defined there, and XLA
    flushes subnormals)."""
    from evolve.minimax import Points

    x64 = np.asarray(x, dtype=np.float64)
    with np.errstate(all="ignore"):
        t = np.asarray(target.reference(x64), dtype=np.float64)
    tiny = np.finfo(np.float32).tiny
    # A subnormal input is read as 0 by XLA, while an input of 0 itself is exact.
    keep = np.isfinite(t) & (np.abs(t) >= tiny) & ((np.abs(x64) >= tiny) | (x64 == 0.0))
    t = t[keep]
    return Points(x64[keep], t, ulp_weight(t), np.exp2(binade(t)))


def ulp_measure(x: np.ndarray, rounded: np.ndarray, xla: bool = False
                ) -> Callable[[Callable[[Any], Callable[..., Any]], np.ndarray], np.ndarray]:
    """:data:`evolve.minimax.Measure` for float32 inputs ``x`` and their correctly rounded values ``rounded``:
    each row of float32 constants run operation by operation, each rounded to float32 as written, scored by its
    maximum ULP error with the mean as a tie-break (``max + mean / (max + 1)``, which orders by the max first);
    ``inf`` for a non-finite output.

    It runs in numpy float32, whose ``+ - * /`` round exactly as XLA's do, with no compilation for each new
    shape of a batch (eager JAX compiles every operation again for each); XLA flushes subnormal numbers to zero,
    which the result is made to do too, and the inputs are chosen with no subnormal input or result (a
    subnormal intermediate value is the one place the two could differ: the evaluator's own measurement, run in
    JAX, is the one recorded). ``xla=True`` runs it in eager JAX instead, for the few inputs where flushing
    decides (XLA flushes a result that rounds to the smallest normal number from below, numpy keeps it)."""
    xs = np.asarray(x, dtype=np.float32)[None, :]
    want = ordered(np.asarray(rounded, dtype=np.float32))[None, :]
    tiny = np.finfo(np.float32).tiny

    def measure(make: Callable[[Any], Callable[..., Any]], P: np.ndarray) -> np.ndarray:
        P = np.asarray(P, dtype=np.float32)
        rows = P.shape[0]
        if xla:  # rows padded to a multiple of 16: each new shape compiles every eager operation again
            P = np.concatenate([P, np.repeat(P[:1], -rows % 16, axis=0)])
            y = np.asarray(make([jnp.asarray(P[:, k:k + 1]) for k in range(P.shape[1])])(jnp.asarray(xs)))
        else:
            with np.errstate(all="ignore"):
                y = np.asarray(make([P[:, k:k + 1] for k in range(P.shape[1])])(xs))
        if y.dtype != np.float32:
            raise TypeError(f"the program computes in {y.dtype}, not float32")
        y = np.broadcast_to(np.where(np.abs(y) < tiny, np.float32(0.0), y), (P.shape[0], xs.shape[1]))[:rows]
        finite = np.all(np.isfinite(y), axis=1)
        d = np.abs(ordered(np.where(np.isfinite(y), y, np.float32(0.0))) - want)
        top = np.max(d, axis=1).astype(np.float64)
        mean = np.mean(d, axis=1)
        return np.where(finite, top + mean / (top + 1.0), np.inf)

    return measure


def _worse(first: Callable[..., np.ndarray], second: Callable[..., np.ndarray]) -> Callable[..., np.ndarray]:
    """A measure from two of :func:`ulp_measure`'s on other inputs: the larger maximum, ``first``'s mean."""

    def measure(make: Callable[[Any], Callable[..., Any]], P: np.ndarray) -> np.ndarray:
        a, b = first(make, P), second(make, P)
        top_a, top_b = np.floor(a), np.floor(b)
        top = np.maximum(top_a, top_b)
        with np.errstate(invalid="ignore"):
            mean = (a - top_a) * (top_a + 1.0)  # ulp_measure's key is max + mean / (max + 1)
        return np.where(np.isfinite(a) & np.isfinite(b), top + mean / (top + 1.0), np.inf)

    return measure


def above_smallest_normal(target: Target) -> np.ndarray:
    """The float32 numbers of the domain just above the smallest normal number in magnitude, at geometric steps
    of the number line (``tiny``, its next 1, 2, 4... up to 2**22 numbers above), on each side of 0 the domain
    reaches; empty for a domain that reaches no such number."""
    tiny = int(ordered(np.float32(np.finfo(np.float32).tiny)))
    steps = np.r_[0, 2 ** np.arange(23)]
    out = np.concatenate([from_ordered(tiny + steps), from_ordered(-(tiny + steps))])
    return out[(out >= np.float32(target.low)) & (out <= np.float32(target.high))]


def centre(target: Target) -> float:
    """The middle of ``target``'s domain, as a float32 number (exactly the middle when it is one: 1.5 for
    [1, 2)); a structure's shift ``x - centre`` is kept exact by the fit, like one at the function's zero."""
    return float(np.float32((np.float64(target.low) + np.float64(target.high)) / 2.0))


def minimax_fitter(target: Target, x: np.ndarray, rounded: np.ndarray, fit_x: np.ndarray, entrypoint: str = "f",
                   fit_size: int = 1024, measure_size: int = 2**14) -> Callable[[str], str]:
    """``fit_constants(source) -> source`` for ``target``'s problem: the minimax constants of the program's
    structure in float32 ULPs (:func:`evolve.minimax.fit_source`), on ``fit_size`` of the tuning inputs
    ``fit_x`` (and all of them as check points), rounded to float32 against the exact ULP error on
    ``measure_size`` of the measured inputs ``x`` (with correctly rounded values ``rounded``) and the tuning
    inputs. Constants at the target's zero in ``x - zero`` stay exact."""
    from evolve.minimax import fit_source

    fit_x = np.asarray(fit_x, dtype=np.float32)
    check = fit_points(target, fit_x)
    pick = np.unique(np.linspace(0, check.x.size - 1, min(fit_size, check.x.size)).round().astype(np.int64))
    near = np.flatnonzero(np.isin(check.x, near_zero(target, fit_x).astype(np.float64)))
    pts = check.take(np.union1d(pick, near))
    idx = np.unique(np.r_[np.linspace(0, x.size - 1, measure_size).round().astype(np.int64),
                          np.searchsorted(x, fit_x).clip(0, x.size - 1)])
    tiny = np.finfo(np.float32).tiny
    idx = idx[(np.abs(x[idx]) >= tiny) | (x[idx] == 0)]
    idx = idx[np.abs(rounded[idx]) >= tiny]  # subnormal results are accepted as 0 too: left to the evaluator
    measure = ulp_measure(x[idx], rounded[idx])
    lowest = above_smallest_normal(target)
    if lowest.size:
        # Just above the smallest normal number a product with a constant below 1 is subnormal, and XLA flushes
        # it to zero: 2**23 ULPs off. These few inputs are run as XLA runs them.
        flushing = ulp_measure(lowest, correctly_rounded(target, lowest)[1], xla=True)
        measure = _worse(measure, flushing)
    anchors = (*(() if target.zero is None else (float(np.float32(target.zero)),)), centre(target))

    def fit_constants(source: str) -> str:
        return fit_source(source, entrypoint, pts, check, measure=measure, anchors=anchors)[0]

    return fit_constants


STRUCTURE_DEGREES = tuple(range(2, 17))
"""Degrees of the polynomial structures a float32 problem offers the search (``Problem.structures``): beyond
the baselines' 12, because an odd function's degree-11 polynomial is 0.84 ULP off erf in real numbers already."""

STRUCTURE_RATIONALS = 8
"""The largest ``m + n`` of the rational structures ``p_m / q_n`` it offers."""

RECIPROCAL_ORDERS = tuple(range(2, 7))
"""The orders ``n`` of the ``[n/n]`` reciprocal rationals offered for a target with ``f(-x) = 1 / f(x)``."""


def classical_structures(target: Target) -> tuple[tuple[str, ...], ...]:
    """The forms a numerical analyst writes first for ``target``, as families of structures for the search to
    fit (``Problem.structures``, one form at each degree per family): Horner polynomials of each degree in
    :data:`STRUCTURE_DEGREES` and rationals with ``m + n <= STRUCTURE_RATIONALS``, in the target's shape
    (``(x - z) * q(x - z)``, ``x * q(x * x)``), every constant 0.0: no value of a baseline, only its shape. A
    factored polynomial comes also as its factor plus a correction (``u + u * q``, and scaled by ``2**24`` where
    the factor reaches the smallest normal number: :func:`problems.float32.baselines._program`), whose last
    operation adds a small correction to an exact value; a polynomial not in ``x * x`` also with ``q`` in
    ``x - centre`` (:func:`centre`: 1 ULP on log2 with ``u + u * q(x - 1.5)``); an exponential's reciprocal
    rationals (:func:`reciprocal_structures`); and the families the target's author adds (``Target.families``)."""
    from problems.float32 import baselines

    middle = centre(target)
    families: dict[str, list[str]] = {}
    for degree in STRUCTURE_DEGREES:
        shape = baselines.form(target, degree)
        if shape is None:
            continue
        zeros = np.zeros(shape.inner + 1)
        forms: dict[str, dict[str, Any]] = {"horner": {}}
        if shape.odd or shape.factor:
            forms["split"] = {"split": "plain"}
            if shape.odd or shape.shift == 0.0:
                forms["scaled split"] = {"split": "scaled"}
        if not shape.odd and middle != shape.shift:
            if shape.factor:
                forms["centred split"] = {"split": "plain", "centre": middle}
            forms["centred"] = {"centre": middle}
        for name, how in forms.items():
            families.setdefault(name, []).append(baselines.horner_source(shape, zeros, **how))
    for total in range(2, STRUCTURE_RATIONALS + 1):
        for n in range(1, total + 1):
            shape = baselines.rational_form(target, total - n, n)
            if shape is not None:
                families.setdefault("rational", []).append(
                    baselines.rational_source(shape[0], np.zeros(shape[1] + 1), np.zeros(shape[2])))
    if target.reciprocal:
        families["reciprocal"] = list(reciprocal_structures(target))
    return (*(tuple(members) for members in families.values()), *target.families)


def _nested_in_s(lead: str, coefficients: list[float], monic: bool = False) -> str:
    """``(lead * s + c[k-1]) * s + ... + c[0]`` in Horner form (``coefficients`` lowest first); ``monic`` when
    ``lead`` is ``s`` itself, the leading coefficient 1."""
    out = lead
    for i, c in enumerate(reversed(coefficients)):
        out = f"{out} + {c!r}" if monic and i == 0 else f"{f'({out})' if ' + ' in out else out} * s + {c!r}"
    return out


def reciprocal_lines(function: Callable[[Any], Any], n: int, var: str = "x") -> list[str]:
    """The lines of a program body that set ``e`` and ``o`` so that ``(e + o) / (e - o)`` is the ``[n/n]``
    Padé approximant of ``function`` (an mpmath function with ``f(-v) = 1 / f(v)``, as ``mpmath.exp``) about 0
    in ``var``: ``s = var * var``, ``e = E(s)`` monic, ``o = var * O(s)``."""
    import mpmath

    with mpmath.workdps(40):
        p, _ = mpmath.pade(mpmath.taylor(function, 0, 2 * n), n, n)
    p = [float(v) for v in p]
    even, odd = p[0::2], p[1::2]
    lead = even[-1]
    even, odd = [v / lead for v in even], [v / lead for v in odd]
    return [f"    s = {var} * {var}", f"    e = {_nested_in_s('s', even[:-1], monic=True)}",
            f"    o = {var} * ({_nested_in_s(repr(odd[-1]), odd[:-1])})"]


def reciprocal_structures(target: Target, orders: tuple[int, ...] = RECIPROCAL_ORDERS) -> tuple[str, ...]:
    """For a target with ``f(-x) = 1 / f(x)``: the ``[n/n]`` rationals ``(e + o) / (e - o)`` with ``e = E(x*x)``
    monic and ``o = x * O(x*x)``, which keep that symmetry, for each ``n`` in ``orders`` (``2n + 2`` operations;
    ``n = 4`` is ``(s + a) * s + b`` and ``x * (c * s + d)``, 10 operations). Their constants start at the
    target's Padé approximant about 0, ``P(x) / P(-x)`` (:func:`reciprocal_lines`): a rational with every
    constant 0 is 0 / 0 with no direction to fit from, and from other flat starts the trust-region fit stops
    in local minima."""
    return tuple("\n".join(["# EVOLVE-BLOCK-START", "def f(x):", *reciprocal_lines(target.precise, n),
                            "    return (e + o) / (e - o)", "# EVOLVE-BLOCK-END", ""]) for n in orders)


# --------------------------------------------------------------------------------------------------
# The problem


def float32_problem(target: Target, points: int = SAMPLED_POINTS, tune_points: int = 4096, timeout: float = 10.0,
                    jit_candidate: bool = False, exhaustive_limit: int = EXHAUSTIVE_LIMIT, speed_batch: int = 2**20,
                    speed_below: float = 64.0, seed: int = 0, minimax: bool = True) -> Problem:
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
        minimax: fit a program's constants by the minimax fit of its structure (:func:`minimax_fitter`) before
            falling back to the gradient tuner; False: the gradient tuner alone (as before the fitter).
    """
    if points < 1024:
        raise ValueError(f"points must be at least 1024, got {points}")
    x_np, coverage = domain_points(target, points, exhaustive_limit, seed)
    _, target_np, _ = correctly_rounded(target, x_np)
    accepted_np = accepted_values(target, x_np, target_np)
    # Only a few inputs accept another value (subnormal inputs and results): those are compared again.
    special_np = np.flatnonzero(np.any(accepted_np[1:] != accepted_np[:1], axis=0))
    x, rounded = jnp.asarray(x_np), jnp.asarray(target_np)
    special, others = jnp.asarray(special_np), jnp.asarray(accepted_np[1:, special_np])
    # Tuning data in float64 numpy: ``loss`` makes float64 arrays of it under ``jax.enable_x64``.
    grid = np.linspace(target.low, target.high, tune_points // 2).astype(np.float32)
    grid = grid[(grid >= x_np[0]) & (grid <= x_np[-1])]
    thinned = x_np[np.linspace(0, x_np.size - 1, tune_points - tune_points // 2).round().astype(np.int64)]
    x_tune32 = _distinct(np.concatenate([grid, thinned, near_zero(target, x_np)]))
    x_tune64 = x_tune32.astype(np.float64)
    with np.errstate(all="ignore"):
        t_tune64 = np.asarray(target.reference(x_tune64), dtype=np.float64)
    binade_tune = binade(t_tune64)
    # The probe is large: candidates near the optimum differ by a ULP at a few points, and a coarse probe would
    # call them the same function (the dedupe audit measures exactly that).
    probe = _distinct(np.concatenate([x_np[np.linspace(0, x_np.size - 1, 2**16).round().astype(np.int64)],
                                      x_np[:64], x_np[-64:]]))
    speed_x = jnp.asarray(x_np[np.linspace(0, x_np.size - 1, speed_batch).round().astype(np.int64)])
    library = library_function(target)

    def stats(y: jax.Array, rounded: jax.Array, special: jax.Array, others: jax.Array) -> tuple[jax.Array, ...]:
        d = ulp_distance(y, rounded)  # y may be a scalar: it broadcasts against the target
        y_special = jnp.broadcast_to(y, rounded.shape)[special]
        d_special = jnp.min(jax.vmap(lambda t: ulp_distance(y_special, t))(others), axis=0)
        d = d.at[special].min(d_special)
        finite = jnp.isfinite(y)
        bad = jnp.argmin(finite) if finite.ndim else jnp.int32(0)
        return jnp.max(d), jnp.argmax(d), jnp.mean(d.astype(jnp.float32)), jnp.all(finite), bad

    fitness = jax.jit(stats)

    def evaluate(fn: Any) -> Result:
        def outputs(xs: jax.Array) -> jax.Array:
            y = jnp.asarray(fn(xs))
            if not jnp.issubdtype(y.dtype, jnp.floating):
                raise CandidateError(f"f must return floats, got dtype {y.dtype}")
            if y.shape not in (xs.shape, ()):
                raise CandidateError(f"f(x) has shape {y.shape}; expected {xs.shape} like x")
            # A constant output stays a scalar: broadcasting it to every point would let XLA
            # constant-fold the whole fitness over every point, which takes seconds.
            return y.astype(jnp.float32)

        closed = jax.make_jaxpr(outputs)(x)  # checks dtype and shape before anything runs
        if jit_candidate:
            # x and the target are arguments, not closed-over constants: XLA would otherwise constant-fold
            # a constant candidate over all the points, which takes seconds.
            max_ulp, worst, mean_ulp, all_finite, bad = jax.jit(lambda xs, *ts: stats(outputs(xs), *ts))(
                x, rounded, special, others)
        else:
            max_ulp, worst, mean_ulp, all_finite, bad = fitness(outputs(x), rounded, special, others)
        if not bool(all_finite):
            raise CandidateError(f"non-finite output at x={float(x_np[int(bad)])!r}")
        ops = count_ops(closed)
        max_ulp = int(max_ulp)
        speed, as_run, jitted_ulp = 0.0, max_ulp, None
        if max_ulp <= speed_below:
            # The speed is that of the jitted program, which XLA may compile differently (fused multiply-adds:
            # about 1 ULP apart at a sixth of the points): its accuracy is measured on every point too, and
            # the worse of the two is the program's.
            compiled = jax.jit(lambda xs: outputs(xs) + jnp.zeros_like(xs))
            jitted = fitness(compiled(x), rounded, special, others)
            if not bool(jitted[3]):
                raise CandidateError(f"the jitted program's output is not finite at x={float(x_np[int(jitted[4])])!r}")
            jitted_ulp = int(jitted[0])
            if jitted_ulp > max_ulp:
                max_ulp, worst, mean_ulp = jitted_ulp, jitted[1], jitted[2]
            speed = speed_ratio(compiled, library, speed_x)
        return Result(
            score=float(max_ulp) + min(ops, 999) / 1000.0,
            metrics={"max_ulp": max_ulp, "mean_ulp": float(mean_ulp), "worst_x": float(x_np[int(worst)]),
                     "ops": ops, "speed": round(speed, 4), "points": int(x_np.size), "coverage": coverage,
                     "max_ulp_as_run": as_run, "max_ulp_jitted": jitted_ulp},
        )

    def loss(fn: Any) -> jax.Array:
        # The signed distance, in float32 ULPs, of the real-valued output from the function's real value: the
        # difference of their positions on the float32 number line, which is piecewise linear in y (each
        # binade's ULP is 2**(e - 23)), so an output just below 1.0 costs twice as many ULPs as one above.
        xs, exact, e = (jnp.asarray(a) for a in (x_tune64, t_tune64, binade_tune))
        r = number_line(fn(xs), e) - number_line(exact, e)
        return smooth_max(jnp.clip(r, -1e8, 1e8))

    return Problem(
        name=target.name,
        description=describe(target, int(x_np.size), coverage),
        seed=seed_source(target),
        entrypoint="f",
        probe_inputs=(probe,),
        evaluate=evaluate,
        direction="min",
        objectives=(Objective("max_ulp", "min"), Objective("ops", "min"), Objective("speed", "max")),
        pareto=("max_ulp", "ops", "speed"),
        timeout=timeout,
        loss=loss,
        hash_bits=23,
        check=check_source,
        binops=("+", "-", "*", "/"),
        tune_dtype="float64",
        fit_constants=minimax_fitter(target, x_np, target_np, x_tune32) if minimax else None,
        structures=classical_structures(target) if minimax else (),
        options={"points": points, "tune_points": tune_points, "timeout": timeout, "jit_candidate": jit_candidate,
                 "minimax": minimax,
                 "exhaustive_limit": exhaustive_limit, "speed_batch": speed_batch, "speed_below": speed_below,
                 "seed": seed},
    )

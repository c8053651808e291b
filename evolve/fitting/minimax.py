"""Best-uniform constants for a program's structure: the minimax fit of its constants, then their rounding to
the format the program runs in.

A structure is a program with its float literals lifted into a parameter vector ``p``
(:func:`evolve.programs.constants.lift_constants`). Given points ``x``, the function's values ``t`` and weights ``w``
there, :func:`fit` finds the ``p`` that minimises the largest weighted error ``max_i w_i |f(x_i; p) - t_i|``,
the error measure itself rather than a smooth surrogate:

- a structure affine in its constants (any polynomial form: Horner, Estrin, with exact factors such as
  ``(x - 1) * q(x)``) is solved exactly, as one linear program (LP) on the points, then refined by exchange:
  the points where the error on a denser grid exceeds the LP's level are added and the LP solved again (the
  discrete analogue of the Remez exchange, which needs no alternation theorem and so serves any linear
  structure, not only polynomials in Chebyshev form);
- a structure nonlinear in its constants (rationals, nested products, squares) by sequential linear
  programming with a trust region (Madsen's method for nonlinear minimax): each step solves the LP of the
  structure linearised at the current constants, within a box, and the box grows or shrinks with how well the
  linear model predicted the true error. It starts from the current constants.

The LPs are solved by HiGHS through :func:`scipy.optimize.linprog` (a maintained, exact simplex/IPM solver);
the derivatives by the complex step (``Im f(p + ih e_k) / h``), exact to rounding for programs built from
``+ - * /``, with no compilation: a structure is evaluated in numpy, so fitting a new structure costs
milliseconds.

:func:`round_constants` then rounds the fitted constants to float32 aware of the format, as Sollya's
``fpminimax`` does in spirit: one at a time, the constant whose rounding moves the output most first, refitting
the rest after each; then a local search over neighbouring float32 values of each constant, scored by a
caller's exact measure of the program as it is run (for the float32 problems: the maximum ULP error of the
float32 program, operation by operation). The result is never worse on that measure than plain rounding.
"""

from __future__ import annotations

import ast
import math
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from typing import Any

import numpy as np

from evolve.programs import program
from evolve.programs.constants import lift_constants, lower_constants

STEP = 1e-30
"""The complex step: small enough that ``h * f'`` never reaches ``f``'s last bit, large enough not to underflow."""


class FitError(Exception):
    """The structure cannot be fitted: it does not evaluate in numpy, or its error is not finite."""


@dataclass(frozen=True)
class Points:
    """Where a structure is fitted: ``x`` ``(m,)``, the function's values ``target`` ``(m,)`` and the weight of
    the error at each point ``weight`` ``(m,)`` (``1/ulp(t)`` for an error in float32 ULPs, ``1/|t|`` for a
    relative one), all float64."""

    x: np.ndarray
    target: np.ndarray
    weight: np.ndarray
    floor: np.ndarray | None = None
    """For an error counted in float32 numbers: the magnitude ``b`` where the target's binade begins
    (``2**e``). Below it the numbers are twice as dense, so an output ``y`` that falls under ``b`` is
    ``w * (|t| + b - 2|y|)`` numbers away rather than ``w * (|t| - |y|)``: a convex piece the LP takes as one
    more constraint."""

    def take(self, index: np.ndarray) -> Points:
        """The points at ``index``."""
        return Points(self.x[index], self.target[index], self.weight[index],
                      None if self.floor is None else self.floor[index])

    def join(self, other: Points) -> Points:
        """These points and ``other``'s."""
        if (self.floor is None) != (other.floor is None):
            raise ValueError("cannot join points with and without binade floors")
        floor = None if self.floor is None else np.concatenate([self.floor, other.floor])
        return Points(np.concatenate([self.x, other.x]), np.concatenate([self.target, other.target]),
                      np.concatenate([self.weight, other.weight]), floor)

    def below(self, y: np.ndarray) -> np.ndarray | None:
        """The error counted below the binade floor, ``w * (|t| + b - 2 * s * y)`` with ``s`` the target's sign
        (at most the plain error where ``y`` is above the floor), or None without floors."""
        if self.floor is None:
            return None
        sign = np.sign(self.target)
        return self.weight * (np.abs(self.target) + self.floor - 2.0 * sign * y)

    def errors(self, y: np.ndarray) -> np.ndarray:
        """The (non-negative) error of the outputs ``y`` at each point."""
        plain = np.abs(self.weight * (y - self.target))
        extra = self.below(y)
        return plain if extra is None else np.maximum(plain, extra)


@dataclass
class Fit:
    """The result of :func:`fit`: the constants (float64, ``(n,)``), the largest weighted error over the fit
    and check points, whether the structure is affine in its constants, and the work done."""

    values: np.ndarray
    error: float
    linear: bool
    lps: int = 0
    iterations: int = 0
    start_error: float = math.inf
    notes: list[str] = field(default_factory=list)


class Structure:
    """A lifted program compiled once, evaluated in numpy (float64, or complex for derivatives).

    Args:
        lifted: a tree from :func:`evolve.programs.constants.lift_constants`.
        entrypoint: the function to call.
        n: how many constants it lifts.
        fixed: indices of constants the fit must leave alone (an exact factor's ``1.0`` in ``x - 1.0``).
    """

    def __init__(self, lifted: ast.Module, entrypoint: str, n: int, fixed: Sequence[int] = ()) -> None:
        self.make = program.compile_lifted(lifted, entrypoint)
        self.n = n
        self.fixed = tuple(sorted(set(fixed)))
        self.free = np.array([k for k in range(n) if k not in self.fixed], dtype=np.int64)

    def holding(self, fixed: Sequence[int]) -> Structure:
        """The same compiled structure with the constants ``fixed`` held (and no others)."""
        other = Structure.__new__(Structure)
        other.make, other.n = self.make, self.n
        other.fixed = tuple(sorted(set(fixed)))
        other.free = np.array([k for k in range(self.n) if k not in other.fixed], dtype=np.int64)
        return other

    def __call__(self, params: Any, x: np.ndarray) -> np.ndarray:
        """``f(x; params)``: ``params`` ``(n,)`` (or a list of ``(K, 1)`` columns) and ``x`` ``(m,)`` (or
        ``(1, m)``); the output broadcast to the shape of ``x`` combined with the columns."""
        try:
            with np.errstate(all="ignore"):
                y = self.make(params)(x)
        except Exception as exc:  # the program's own error, whatever it is
            raise FitError(f"the program does not evaluate in numpy: {type(exc).__name__}: {exc}") from exc
        if not isinstance(y, (np.ndarray, np.generic, float, complex, int)):
            raise FitError(f"the program returned {type(y).__name__}, not a numpy array: it calls a library "
                           "function, which the fitter cannot differentiate")
        return np.asarray(y)

    def values(self, params: np.ndarray, x: np.ndarray) -> np.ndarray:
        """``f(x; params)`` in float64, shape ``(m,)``."""
        y = self(list(np.asarray(params, dtype=np.float64)), x)
        return np.broadcast_to(np.real(y), x.shape).astype(np.float64)

    def jacobian(self, params: np.ndarray, x: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        """``f(x; params)`` ``(m,)`` and its derivatives in the free constants ``(m, len(free))``, by the
        complex step, every direction in one broadcast call."""
        free = self.free
        columns = []
        for k in range(self.n):
            column = np.full((free.size, 1), params[k], dtype=np.complex128)
            hit = np.flatnonzero(free == k)
            if hit.size:
                column[hit[0], 0] += 1j * STEP
            columns.append(column)
        y = np.broadcast_to(self(columns, x[None, :]), (free.size, x.size))
        return np.real(y[0]).astype(np.float64) if free.size else self.values(params, x), (np.imag(y) / STEP).T


def _weighted(structure: Structure, params: np.ndarray, pts: Points) -> np.ndarray:
    return pts.errors(structure.values(params, pts.x))


def _linearised(pts: Points, y: np.ndarray, J: np.ndarray) -> tuple[np.ndarray, np.ndarray, Any]:
    """The LP's data at outputs ``y`` with derivatives ``J``: the signed weighted error and its derivatives,
    and the one-sided error below the binade floor with its derivatives (None without floors)."""
    Jw = pts.weight[:, None] * J
    r = pts.weight * (y - pts.target)
    extra = pts.below(y)
    if extra is None:
        return Jw, r, None
    near = np.flatnonzero(extra > -4.0 * np.max(np.abs(r)))  # only where the floor is near enough to matter
    sign = np.sign(pts.target[near])
    return Jw, r, (-2.0 * sign[:, None] * Jw[near], extra[near])


def _lp(J: np.ndarray, r: np.ndarray, radius: float | None, one_sided: Any = None) -> tuple[np.ndarray, float] | None:
    """The step ``d`` minimising ``max(|r + J d|, r2 + J2 d)`` (``J`` ``(m, k)``, ``r`` ``(m,)``, already
    weighted; ``one_sided`` is ``(J2, r2)`` or None), within a trust region of ``radius`` (in units of the
    current level) when one is given; and the predicted level. None if HiGHS fails.

    The LP is posed in an orthonormal basis of ``J``'s columns (pivoted QR, dependent columns dropped): the
    monomials of a polynomial or a rational are nearly collinear, and the simplex stalls on them as given.
    """
    from scipy.linalg import qr, solve_triangular
    from scipy.optimize import linprog

    m, k = J.shape
    level = float(np.max(np.abs(r)))
    if one_sided is not None and one_sided[1].size:
        level = max(level, float(np.max(one_sided[1])))
    norm = level if level > 0 else 1.0
    Q, R, piv = qr(J, mode="economic", pivoting=True)
    diag = np.abs(np.diag(R))
    rank = int(np.sum(diag > 1e-13 * diag[0])) if diag.size and diag[0] > 0 else 0
    if rank == 0:
        return None
    Q, R, piv = Q[:, :rank], R[:rank, :rank], piv[:rank]
    qmax = np.max(np.abs(Q), axis=0)
    A = Q / qmax  # the step is v: J d = Q z with z = R d[piv], v = qmax * z / norm
    b = r / norm
    ones = np.ones((m, 1))
    A_ub = np.vstack([np.hstack([A, -ones]), np.hstack([-A, -ones])])
    b_ub = np.concatenate([-b, b])
    if one_sided is not None and one_sided[1].size:
        J2, r2 = one_sided
        M2 = solve_triangular(R, J2[:, piv].T, trans="T").T  # J2 d = M2 z
        A_ub = np.vstack([A_ub, np.hstack([M2 / qmax, -np.ones((r2.size, 1))])])
        b_ub = np.concatenate([b_ub, -r2 / norm])
    if radius is not None:
        # The trust region bounds each constant's move, scaled by how much its column moves the error
        # (``|scale_j d_j| <= radius * level``): a box in the constants, where the linear model is trusted,
        # not in the orthonormal basis, where a small step can be a large move of collinear constants.
        scale = np.max(np.abs(J), axis=0)[piv]
        B = (np.where(scale > 0, scale, 1.0)[:, None] * solve_triangular(R, np.diag(1.0 / qmax)))
        rows = np.max(np.abs(B), axis=1)
        rows = np.where(rows > 0, rows, 1.0)
        B = B / rows[:, None]
        zero = np.zeros((rank, 1))
        A_ub = np.vstack([A_ub, np.hstack([B, zero]), np.hstack([-B, zero])])
        b_ub = np.concatenate([b_ub, radius / rows, radius / rows])
    res = linprog(np.r_[np.zeros(rank), 1.0], A_ub=A_ub, b_ub=b_ub, bounds=[(None, None)] * rank + [(0, None)],
                  method="highs", options={"primal_feasibility_tolerance": 1e-10,
                                           "dual_feasibility_tolerance": 1e-10, "time_limit": 10.0})
    if res.status != 0 or res.x is None:
        return None
    z = res.x[:rank] * norm / qmax
    d = np.zeros(k)
    d[piv] = solve_triangular(R, z)
    return d, float(res.x[rank]) * norm


def _peaks(err: np.ndarray, count: int) -> np.ndarray:
    """Indices of the ``count`` largest local maxima of ``|err|`` (in the points' order)."""
    a = np.abs(err)
    left = np.r_[-np.inf, a[:-1]]
    right = np.r_[a[1:], -np.inf]
    local = np.flatnonzero((a >= left) & (a >= right))
    return local[np.argsort(a[local])[::-1][:count]]


def is_affine(structure: Structure, params: np.ndarray, x: np.ndarray, rng: np.random.Generator) -> bool:
    """Whether the output is affine in the free constants: its derivatives are the same at two distant
    constant vectors (to rounding)."""
    _, J0 = structure.jacobian(params, x)
    other = params.copy()
    free = structure.free
    other[free] = params[free] * (1.0 + rng.uniform(-0.5, 0.5, free.size)) + rng.uniform(-0.5, 0.5, free.size)
    _, J1 = structure.jacobian(other, x)
    if not (np.all(np.isfinite(J0)) and np.all(np.isfinite(J1))):
        return False
    scale = np.maximum(np.max(np.abs(J0), axis=0), 1e-300)
    return bool(np.max(np.abs(J1 - J0) / scale) <= 1e-9)


def fit(structure: Structure, params: np.ndarray, pts: Points, check: Points | None = None, *,
        iterations: int = 40, exchanges: int = 4, linear: bool | None = None, tol: float = 1e-9,
        floor: float = 0.0, seed: int = 0) -> Fit:
    """The constants minimising the largest weighted error of ``structure`` over ``pts`` (and ``check``).

    Args:
        structure: the compiled structure; its ``fixed`` constants keep their values.
        params: the starting constants ``(n,)`` (the nonlinear fit starts there; the linear one ignores the
            free ones).
        pts: the fit points.
        check: denser points; where the fitted error there exceeds the level on the fit points, the largest
            local maxima join the fit points and the fit is repeated (at most ``exchanges`` times).
        iterations: the most trust-region steps of a nonlinear fit.
        linear: whether the structure is affine in its free constants (tested when None).
        tol: relative improvement below which a nonlinear fit stops.
        floor: a level below which no fit goes on (an error below what the format can show: the float64
            rounding of a relative error, or a small fraction of a float32 ULP).

    Raises:
        FitError: the structure does not evaluate in numpy, or its error is not finite at the start.
    """
    params = np.asarray(params, dtype=np.float64).copy()
    if structure.free.size == 0:
        raise FitError("no free constant to fit")
    rng = np.random.default_rng(seed)
    if linear is None:
        linear = is_affine(structure, params, pts.x, rng)
    start = _weighted(structure, params, pts)
    result = Fit(params, float(np.max(np.abs(start))) if start.size else 0.0, linear)
    result.start_error = result.error
    work = pts
    if not linear and pts.x.size > NONLINEAR_POINTS:
        # Each trust-region step is an LP: start on a thinning of the points, and let the exchange add back
        # those where the error peaks (the thinned-out points are checked too).
        work = pts.take(np.unique(np.linspace(0, pts.x.size - 1, NONLINEAR_POINTS).round().astype(np.int64)))
        check = pts if check is None else check.join(pts)
    for round_ in range(exchanges + 1):
        if linear:
            params = _linear(structure, params, work, result)
        else:
            params = _trust_region(structure, params, work, iterations, tol, result, floor)
        level = float(np.max(np.abs(_weighted(structure, params, work))))
        if check is None:
            result.values, result.error = params, level
            break
        err = _weighted(structure, params, check)
        if not np.all(np.isfinite(err)):
            result.values, result.error = params, math.inf
            break
        worst = float(np.max(np.abs(err)))
        result.values, result.error = params, max(level, worst)
        if worst <= level * (1.0 + 1e-6) or worst <= floor or round_ == exchanges:
            break
        work = work.join(check.take(_peaks(err, 8 * (structure.free.size + 2))))
    return result


NONLINEAR_POINTS = 256
"""Points a nonlinear fit starts on (its steps' LPs cost in proportion)."""

REFINE = 6
"""The most LPs of one linear fit: each solves for the correction to the last one, so that the solver's
tolerance (about 1e-7 of the level it starts from) does not limit the fit."""


def _linear(structure: Structure, params: np.ndarray, pts: Points, result: Fit) -> np.ndarray:
    """The exact minimax constants of an affine structure on ``pts``: an LP, then LPs for its correction."""
    y, J = structure.jacobian(params, pts.x)
    Jw, r, one_sided = _linearised(pts, y, J)
    if not (np.all(np.isfinite(r)) and np.all(np.isfinite(Jw))):
        raise FitError("the structure's error or derivatives are not finite on the fit points")
    level = float(np.max(pts.errors(y)))
    for _ in range(REFINE):
        solved = _lp(Jw, r, None, one_sided)
        result.lps += 1
        if solved is None:
            result.notes.append("the LP failed")
            break
        trial = params.copy()
        trial[structure.free] += solved[0]
        y_new = structure.values(trial, pts.x)
        new_level = float(np.max(pts.errors(y_new)))
        if not new_level < level:
            break
        improved = level - new_level > 1e-3 * new_level
        params, level = trial, new_level
        _, r, one_sided = _linearised(pts, y_new, J)  # affine: the derivatives do not change
        if not improved:
            break
    return params


def _trust_region(structure: Structure, params: np.ndarray, pts: Points, iterations: int, tol: float,
                  result: Fit, floor: float = 0.0) -> np.ndarray:
    """Madsen's trust-region sequential LP for ``min max |w (f(x; p) - t)|``, from ``params``."""
    y, J = structure.jacobian(params, pts.x)
    if not np.all(np.isfinite(y)):
        raise FitError("the structure's error is not finite at its current constants")
    level = float(np.max(pts.errors(y)))
    radius = 0.5
    for _ in range(iterations):
        if level <= floor:
            break
        result.iterations += 1
        Jw, r, one_sided = _linearised(pts, y, J)
        if not np.all(np.isfinite(Jw)):
            break
        solved = _lp(Jw, r, radius, one_sided)
        result.lps += 1
        if solved is None:
            break
        d, predicted = solved
        if level - predicted <= tol * level:
            break
        trial = params.copy()
        trial[structure.free] += d
        y_new, J_new = structure.jacobian(trial, pts.x)
        new_level = float(np.max(pts.errors(y_new))) if np.all(np.isfinite(y_new)) else math.inf
        ratio = (level - new_level) / (level - predicted)
        if ratio > 0.0:
            params, y, J, level = trial, y_new, J_new, new_level
        radius = radius / 4.0 if ratio < 0.25 else radius * 2.0 if ratio > 0.75 else radius
        if radius < 1e-12:
            break
    return params


def _ulp32(values: np.ndarray) -> np.ndarray:
    v = np.abs(np.asarray(values, dtype=np.float32))
    return np.spacing(v).astype(np.float64)


def _step32(values: np.ndarray, k: int, steps: int) -> np.ndarray:
    """``values`` (float32) with constant ``k`` moved by ``steps`` float32 numbers."""
    out = values.copy()
    toward = np.float32(np.inf) if steps > 0 else np.float32(-np.inf)
    for _ in range(abs(steps)):
        out[k] = np.nextafter(out[k], toward)
    return out


Score = Callable[[np.ndarray], np.ndarray]
"""``score(P)``: the exact error of the program as it runs with each row of float32 constants ``P`` ``(K, n)``,
``(K,)``, lower is better."""


@dataclass
class Rounded:
    """The result of :func:`round_constants`: float32 constants ``(n,)``, their score, and plain rounding's."""

    values: np.ndarray
    score: float
    plain_score: float
    moves: int = 0
    lps: int = 0


def round_constants(structure: Structure, result: Fit, pts: Points, score: Score, *, neighbours: int = 2,
                    rounds: int = 24, start: np.ndarray | None = None) -> Rounded:
    """Float32 constants for a fitted structure, chosen for the program as it runs.

    1. Sequential rounding: the free constants are rounded to float32 one at a time, the one whose rounding
       (half a float32 ULP) moves the weighted output most first, and the others refitted after each
       (a linear structure by LP, a nonlinear one by a few trust-region steps).
    2. The better of that and plain rounding under ``score`` starts a local search: each round scores, in one
       batch, every free constant moved by up to ``neighbours`` float32 numbers either way and takes the best
       move while it improves the score (at most ``rounds`` moves).

    Returns constants never worse under ``score`` than plain rounding of ``result.values``, nor than ``start``
    (the program's own constants, ``(n,)``, when given: a fit in real numbers can lose to them where rounding
    errors, not the approximation, decide the error).
    """
    values = result.values.copy()
    plain = values.astype(np.float32)
    free = list(structure.free)
    rounded = values.copy()
    lps = 0
    if free:
        _, J = structure.jacobian(values, pts.x)
        impact = np.max(np.abs(pts.weight[:, None] * J), axis=0) * _ulp32(values[structure.free])
        order = [int(structure.free[j]) for j in np.argsort(-impact)]
        for k in order:
            rounded[k] = float(np.float32(rounded[k]))
            free.remove(k)
            if not free:
                break
            sub = structure.holding([i for i in range(structure.n) if i not in free])
            refit = fit(sub, rounded, pts, linear=result.linear, exchanges=0, iterations=4)
            lps += refit.lps
            if np.all(np.isfinite(refit.values)):
                rounded = refit.values
    sequential = rounded.astype(np.float32)
    starts = [plain, sequential]
    if start is not None and np.all(np.isfinite(start)):
        starts.append(np.asarray(start, dtype=np.float32))
    for k in structure.free:
        # A constant within 2**-10 of a power of two, made exact: a leading 1.0 keeps x * (c0 + ...) from
        # turning the smallest normal inputs into subnormals (flushed to zero by XLA), which a float32
        # neighbour or two cannot reach from 0.9999995.
        value = float(sequential[k])
        if value != 0.0:
            power = math.copysign(2.0 ** round(math.log2(abs(value))), value)
            if value != power and abs(value / power - 1.0) < 2.0**-10:
                snapped = sequential.copy()
                snapped[k] = np.float32(power)
                starts.append(snapped)
    starts = np.stack(starts)
    keys = np.asarray(score(starts), dtype=np.float64)
    plain_score = float(keys[0])
    best, best_key = (starts[int(np.argmin(keys))], float(np.min(keys)))
    moves = 0
    movable = [int(k) for k in structure.free]
    steps = [s for j in range(1, neighbours + 1) for s in (j, -j)]
    for _ in range(rounds):
        trials = np.stack([_step32(best, k, s) for k in movable for s in steps])
        keys = np.asarray(score(trials), dtype=np.float64)
        j = int(np.argmin(keys))
        if not keys[j] < best_key:
            break
        best, best_key = trials[j], float(keys[j])
        moves += 1
    return Rounded(best, best_key, plain_score, moves, lps)


def fixed_shifts(lifted: ast.Module, values: Sequence[float], anchors: Sequence[float]) -> list[int]:
    """Indices of lifted constants written as an exact shift of a variable, ``v - c`` or ``c - v`` with ``c``
    one of ``anchors`` (a function's zero: ``(x - 1.0) * q`` keeps log2's relative error bounded near 1 only
    while the ``1.0`` stays exactly 1)."""
    anchor_set = {float(a) for a in anchors}
    out = []
    for node in ast.walk(lifted):
        if isinstance(node, ast.BinOp) and isinstance(node.op, ast.Sub):
            for side, other in ((node.right, node.left), (node.left, node.right)):
                if (isinstance(other, ast.Name) and isinstance(side, ast.Subscript)
                        and isinstance(side.value, ast.Name) and side.value.id == program.PARAMS_NAME
                        and isinstance(side.slice, ast.Constant) and values[side.slice.value] in anchor_set):
                    out.append(int(side.slice.value))
    return sorted(set(out))


Measure = Callable[[Callable[[Any], Callable[..., Any]], np.ndarray], np.ndarray]
"""``measure(make, P)``: the exact error of the program ``make(params)`` as it runs, for each row of float32
constants ``P`` ``(K, n)``: ``(K,)``, lower is better (``make`` is :func:`evolve.programs.program.compile_lifted`'s)."""


@dataclass(frozen=True)
class Refit:
    """What :func:`fit_source` did to one program, for the record: the structure's kind, the fitted error
    before and after (weighted, on the fit and check points), the exact measure of plain and of format-aware
    rounding (None without a measure), the LPs solved and the wall time."""

    linear: bool
    start_error: float
    error: float
    plain: float | None
    rounded: float | None
    lps: int
    seconds: float


def fit_source(source: str, entrypoint: str, pts: Points, check: Points | None = None, *,
               measure: Measure | None = None, anchors: Sequence[float] = (), dtype: str = "float32",
               seed: int = 0) -> tuple[str, Refit]:
    """``source`` with the constants of its EVOLVE block fitted by :func:`fit` and, with a ``measure``, rounded
    by :func:`round_constants`; the code around the block is unchanged.

    Args:
        source: a program's full source.
        entrypoint: the function the points are passed to.
        pts, check: the fit and check points (:func:`fit`).
        measure: the exact error of the program as it runs (float32 constants); without it the constants are
            written in ``dtype`` as fitted.
        anchors: values that a constant written as an exact shift (``x - c``) keeps (:func:`fixed_shifts`).
        dtype: the precision the constants are written in.
        seed: the seed of the linearity test.

    Raises:
        FitError: no float constant, or the structure cannot be fitted.
    """
    import time

    start = time.perf_counter()
    prefix, block, suffix = program.split_block(source)
    try:
        lifted, values = lift_constants(program.parse(block))
    except program.ProgramError as exc:
        raise FitError(f"the program does not parse: {exc}") from exc
    if not values:
        raise FitError("no float constant to fit")
    structure = Structure(lifted, entrypoint, len(values), fixed_shifts(lifted, values, anchors))
    result = fit(structure, np.asarray(values, dtype=np.float64), pts, check, seed=seed)
    if not math.isfinite(result.error):
        raise FitError("the fitted error is not finite")
    plain = rounded_score = None
    final: np.ndarray = result.values
    if measure is not None:
        with np.errstate(over="ignore"):
            own = np.asarray(values, dtype=np.float64).astype(np.float32)
        rounded = round_constants(structure, result, pts, lambda P: measure(structure.make, P), start=own)
        final, plain, rounded_score = rounded.values.astype(np.float64), rounded.plain_score, rounded.score
    out = program.join_block(prefix, program.unparse(lower_constants(lifted, final, dtype=dtype)), suffix)
    info = Refit(result.linear, result.start_error, result.error, plain, rounded_score, result.lps,
                 time.perf_counter() - start)
    return out, info


__all__ = ["STEP", "Fit", "FitError", "Measure", "Points", "Refit", "Rounded", "Score", "Structure", "fit",
           "fit_source", "fixed_shifts", "is_affine", "round_constants"]

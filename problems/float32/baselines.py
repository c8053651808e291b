"""The approximations numerical analysts already use, computed in code: Taylor and minimax polynomials, and
minimax rationals.

Every baseline is a program in the candidates' own language (Horner form, float32 constants), so the problem
measures it exactly as it measures an evolved one. The polynomial's form follows the target
(:class:`problems.float32.approx.Target`): ``p(x)`` in general, ``(x - z) * q(x - z)`` for a function that
is 0 at ``z`` inside the domain, ``x * q(x * x)`` for an odd one, so that the relative error stays bounded
where the function vanishes. Minimax polynomials come from the Remez exchange algorithm on the relative error
(numpy, float64, on a dense Chebyshev grid; the function's values there from mpmath). Minimax rationals
``p_m / q_n`` come from the engine's own minimax fit (:mod:`evolve.fitting.minimax`, trust-region sequential LP on the
relative error), started from the degree-``m`` minimax polynomial over 1.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np
from numpy.polynomial import Chebyshev, Polynomial
from numpy.polynomial import chebyshev as cheb

from problems.float32.approx import Target

DEGREES = tuple(range(2, 13))
"""The degrees of the polynomial baselines, in ``x``."""

RATIONAL_DEGREES = 12
"""The largest ``m + n`` of the rational baselines ``p_m / q_n``."""


@dataclass(frozen=True)
class Form:
    """How a polynomial of degree ``degree`` in ``x`` is written for a target: ``q`` of degree ``inner`` in
    ``u`` (``u = x - shift``, or ``x * x`` when ``odd``), multiplied by ``u`` (``factor``) or by ``x`` (odd)."""

    degree: int
    inner: int
    shift: float
    factor: bool
    odd: bool

    def u(self, x: Any) -> Any:
        """The variable ``q`` is a polynomial in."""
        return x * x if self.odd else x - self.shift

    def outer(self, x: Any, u: Any, q: Any) -> Any:
        """The approximation from ``q(u)``."""
        return x * q if self.odd else u * q if self.factor else q


def form(target: Target, degree: int, centre: float | None = None) -> Form | None:
    """The form of a degree-``degree`` polynomial for ``target`` (None when it has none: an odd function's
    polynomials have odd degrees). ``centre`` shifts a plain polynomial (Taylor series about it)."""
    if target.odd:
        return Form(degree, (degree - 1) // 2, 0.0, False, True) if degree % 2 == 1 else None
    if target.zero is not None:
        return Form(degree, degree - 1, target.zero, True, False)
    return Form(degree, degree, centre or 0.0, False, False)


def _u_range(target: Target, f: Form) -> tuple[float, float]:
    ends = np.array([target.low, target.high])
    if f.odd:
        return (0.0 if target.low <= 0.0 <= target.high else float(np.min(ends**2))), float(np.max(ends**2))
    return float(target.low - f.shift), float(target.high - f.shift)


def _g(target: Target, f: Form, u: np.ndarray) -> np.ndarray:
    """What ``q`` approximates at ``u``: the function divided by its factor (its limit where that is 0)."""
    import mpmath

    out = np.empty(u.size)
    with mpmath.workdps(40):
        for i, ui in enumerate(u):
            if f.odd:
                out[i] = float(mpmath.diff(target.precise, 0) if ui == 0 else
                               target.precise(mpmath.sqrt(mpmath.mpf(float(ui)))) / mpmath.sqrt(mpmath.mpf(float(ui))))
            elif f.factor:
                out[i] = float(mpmath.diff(target.precise, f.shift) if ui == 0 else
                               target.precise(f.shift + mpmath.mpf(float(ui))) / mpmath.mpf(float(ui)))
            else:
                out[i] = float(target.precise(f.shift + mpmath.mpf(float(ui))))
    return out


def _alternating_extrema(err: np.ndarray, count: int) -> np.ndarray | None:
    """``count`` indices of alternating-sign local extrema of ``err`` (one per run of constant sign), the
    window of consecutive runs that holds the largest one and has the largest smallest extremum; None when
    there are fewer runs."""
    sign = np.where(err >= 0, 1, -1)
    breaks = np.flatnonzero(np.diff(sign) != 0) + 1
    starts, ends = np.r_[0, breaks], np.r_[breaks, err.size]
    peaks = np.array([s + int(np.argmax(np.abs(err[s:e]))) for s, e in zip(starts, ends, strict=True)])
    if peaks.size < count:
        return None
    top = int(np.argmax(np.abs(err[peaks])))
    windows = range(max(0, top - count + 1), min(top, peaks.size - count) + 1)
    best = max(windows, key=lambda s: float(np.min(np.abs(err[peaks[s:s + count]]))))
    return peaks[best:best + count]


@dataclass(frozen=True)
class Minimax:
    """A minimax polynomial: its coefficients (power series in ``u``, lowest first), its maximum relative
    error, and the error at its reference points (equal magnitude, alternating sign, when it converged)."""

    coefficients: np.ndarray
    max_error: float
    reference: np.ndarray
    reference_error: np.ndarray
    iterations: int


def _grid(target: Target, f: Form, points: int) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Chebyshev points of ``u``'s range with both ends, as ``s`` in [-1, 1] and as ``u``; and ``q``'s target."""
    lo, hi = _u_range(target, f)
    k = np.arange(points)
    s = np.sort(np.r_[-1.0, 1.0, -np.cos(np.pi * (k + 0.5) / points)])
    u = lo + (s + 1.0) * (hi - lo) / 2.0
    return s, u, _g(target, f, u)


def relative_error(target: Target, f: Form, coefficients: np.ndarray, points: int = 4000) -> float:
    """The largest relative error of the real-valued polynomial (``q``'s power series ``coefficients``)."""
    _, u, g = _grid(target, f, points)
    return float(np.max(np.abs(Polynomial(coefficients)(u) / g - 1.0)))


def remez(target: Target, f: Form, grid: int = 4000, iterations: int = 60, tol: float = 1e-7) -> Minimax:
    """The minimax polynomial of ``target`` in form ``f``: the ``q`` of degree ``f.inner`` that minimises the
    largest relative error of the approximation over the domain, by the Remez exchange algorithm on ``grid``
    Chebyshev points (the equioscillation theorem: at the optimum the error reaches its maximum, with
    alternating signs, at ``inner + 2`` points)."""
    lo, hi = _u_range(target, f)
    s, u, g = _grid(target, f, grid)
    weight = 1.0 / np.abs(g)
    n = f.inner
    nodes = -np.cos(np.pi * np.arange(n + 2) / (n + 1))
    ref = np.unique(np.searchsorted(s, nodes).clip(0, s.size - 1))
    coef, err, done = np.zeros(n + 1), np.zeros_like(s), 0
    for done in range(1, iterations + 1):  # noqa: B007 (the count is reported)
        if ref.size != n + 2:
            break
        system = np.hstack([cheb.chebvander(s[ref], n), ((-1.0) ** np.arange(n + 2) / weight[ref])[:, None]])
        solution = np.linalg.solve(system, g[ref])
        coef, level = solution[:-1], abs(solution[-1])
        err = weight * (g - cheb.chebval(s, coef))
        worst = float(np.max(np.abs(err)))
        new = _alternating_extrema(err, n + 2)
        if new is None or worst - level <= max(tol * worst, 1e-15):
            break
        ref = new
    power = Chebyshev(coef, domain=[lo, hi]).convert(kind=Polynomial).coef
    return Minimax(np.pad(power, (0, n + 1 - power.size)), float(np.max(np.abs(err))), u[ref], err[ref], done)


def taylor(target: Target, f: Form) -> np.ndarray:
    """The Taylor polynomial's ``q`` coefficients (power series in ``u``, lowest first): about ``f.shift`` for
    a plain or shifted form, about 0 in ``x * x`` for an odd one."""
    import mpmath

    with mpmath.workdps(40):
        terms = mpmath.taylor(target.precise, f.shift, f.degree)
    terms = [float(t) for t in terms]
    if f.odd:
        return np.array(terms[1::2][: f.inner + 1])
    return np.array(terms[1:] if f.factor else terms)


def _horner(coefficients: Sequence[str], var: str) -> str:
    """``c0 + v * (c1 + v * (...))`` of literal texts."""
    q = coefficients[-1]
    for v in reversed(coefficients[:-1]):
        q = f"{v} + {var} * {q if q == coefficients[-1] else f'({q})'}"
    return q


SPLIT_SCALE = 2**24
"""The power of two a scaled split form (:func:`_program`) multiplies its factor by before adding the correction."""


def _program(f: Form, value: Callable[[str], str], dtype: type, split: str | None = None,
             centre: float | None = None) -> str:
    """The program of form ``f`` around ``value(var)``, the expression in the form's variable (``u = x * x``
    for an odd form, ``u = x - shift`` for a shifted one, else ``x``), times its factor ``v`` (``x`` or ``u``).

    ``split`` writes a factored form as its factor plus a correction, so that the last operation adds a small
    correction to an exact value, as libm writes ``log1p(u) = u + u * r(u)``: ``"plain"`` is ``v + v * q``;
    ``"scaled"`` is ``(w + w * q) / 2**24`` with ``w = v * 2**24``, for a correction ``v * c`` that would be
    subnormal (and flushed to 0 by XLA) where ``v`` is near the smallest normal number. Both integers are exact,
    and integer literals are not constants the fit moves.

    ``centre`` writes ``q`` in ``v = x - centre`` instead (not for an odd form): centred on the middle of the
    domain, Horner's partial sums stay small, so their rounding errors do, where the same polynomial in
    ``u = x - 1`` on log2's [1, 2) sums terms of alternating sign near 0.5 at every step."""
    lines = ["# EVOLVE-BLOCK-START", "def f(x):"]
    var = "x"
    if f.odd:
        lines.append("    u = x * x")
        var = "u"
    elif f.shift != 0.0:
        lines.append(f"    u = x - {float(dtype(f.shift))!r}")
        var = "u"
    inner = var
    if centre is not None:
        if f.odd:
            raise ValueError("an odd form is a polynomial in x * x: it has no centre to shift to")
        lines.append(f"    v = x - {float(dtype(centre))!r}")
        inner = "v"
    q = value(inner)
    factor = "x" if f.odd else var if f.factor else None
    if factor is None or split is None:
        body = q if factor is None else f"{factor} * ({q})"
    elif split == "plain":
        body = f"{factor} + {factor} * ({q})"
    elif split == "scaled":
        lines.append(f"    w = {factor} * {SPLIT_SCALE}")
        body = f"(w + w * ({q})) / {SPLIT_SCALE}"
    else:
        raise ValueError(f"split must be None, 'plain' or 'scaled', got {split!r}")
    lines += [f"    return {body}", "# EVOLVE-BLOCK-END", ""]
    return "\n".join(lines)


def horner_source(f: Form, coefficients: np.ndarray, dtype: type = np.float32, split: str | None = None,
                  centre: float | None = None) -> str:
    """The program evaluating ``f`` with ``q``'s ``coefficients`` in Horner form, constants rounded to
    ``dtype``; ``split`` and ``centre`` as :func:`_program` (the coefficients are then those of ``q - 1``, and
    in ``x - centre``)."""
    return _program(f, lambda var: _horner([repr(float(dtype(v))) for v in coefficients], var), dtype, split,
                    centre)


def rational_source(f: Form, numerator: np.ndarray, denominator: np.ndarray, dtype: type = np.float32) -> str:
    """The program evaluating ``f`` as a rational, ``outer(p(u) / (1 + u * q(u)))``: ``p``'s coefficients
    ``numerator`` and ``q``'s ``denominator`` (power series in ``u``, lowest first) in Horner form, constants
    rounded to ``dtype``; the denominator's ``1`` an integer."""
    def ratio(var: str) -> str:
        p = _horner([repr(float(dtype(v))) for v in numerator], var)
        q = _horner(["1", *(repr(float(dtype(v))) for v in denominator)], var)
        return f"({p}) / ({q})"

    return _program(f, ratio, dtype)


def relative_points(target: Target, count: int) -> Any:
    """:class:`evolve.fitting.minimax.Points` for the relative error: ``count`` Chebyshev points of the domain with both
    ends, approaching the function's zero geometrically where it has one (left out itself)."""
    from evolve.fitting.minimax import Points

    k = np.arange(count)
    s = -np.cos(np.pi * (k + 0.5) / count)
    x = np.r_[target.low, target.low + (s + 1.0) * (target.high - target.low) / 2.0, target.high]
    if target.zero is not None:
        steps = (target.high - target.low) * np.geomspace(1e-12, 1e-3, 200)
        x = np.r_[x, target.zero + steps, target.zero - steps]
        x = x[(x >= target.low) & (x <= target.high) & (x != target.zero)]
    x = np.unique(x)
    with np.errstate(all="ignore"):
        t = np.asarray(target.reference(x), dtype=np.float64)
    keep = np.isfinite(t) & (t != 0)
    return Points(x[keep], t[keep], 1.0 / np.abs(t[keep]))


@dataclass(frozen=True)
class Rational:
    """A minimax rational: ``p``'s and ``q``'s coefficients (``q``'s constant 1 left out) and its largest
    relative error."""

    numerator: np.ndarray
    denominator: np.ndarray
    max_error: float


def rational_form(target: Target, m: int, n: int) -> tuple[Form, int, int] | None:
    """The form of a rational of degree ``m`` over ``n`` in ``x`` for ``target``, and the degrees of ``p`` and
    ``q`` in ``u``; None when the target's shape has no such rational (an odd function's numerator is odd and
    its denominator even)."""
    if n < 1 or m < 0:
        return None
    if target.odd:
        if m % 2 == 0 or n % 2 == 1:
            return None
        return Form(m, (m - 1) // 2, 0.0, False, True), (m - 1) // 2, n // 2
    if target.zero is not None:
        if m < 1:
            return None
        return Form(m, m - 1, target.zero, True, False), m - 1, n
    return Form(m, m, 0.0, False, False), m, n


def rational_minimax(target: Target, m: int, n: int, points: int = 1500, check: int = 20000) -> Rational | None:
    """The minimax rational of degree ``m`` over ``n`` of ``target`` in the relative error, fitted by
    :func:`evolve.fitting.minimax.fit` (trust-region sequential LP) from the minimax polynomial of degree ``m`` over
    the constant 1; None when the target's form has no such rational."""
    from evolve.fitting.minimax import Structure, fit, fixed_shifts
    from evolve.programs import program
    from evolve.programs.constants import lift_constants

    shape = rational_form(target, m, n)
    if shape is None:
        return None
    f, p_degree, q_degree = shape
    start = remez(target, f).coefficients if m > 0 or f.factor else np.array([1.0])
    source = rational_source(f, np.asarray(start)[: p_degree + 1], np.zeros(q_degree), np.float64)
    lifted, values = lift_constants(program.parse(program.split_block(source)[1]))
    anchors = () if target.zero is None else (target.zero,)
    structure = Structure(lifted, "f", len(values), fixed_shifts(lifted, values, anchors))
    result = fit(structure, np.asarray(values), relative_points(target, points), relative_points(target, check),
                 iterations=80, floor=1e-13)  # far below float32's 6e-8, above float64's rounding
    free = result.values[structure.free]
    return Rational(free[: p_degree + 1], free[p_degree + 1:], result.error)


@dataclass(frozen=True)
class Baseline:
    """One classic approximation of a target, as a program."""

    kind: str  # "taylor", "minimax" or "rational"
    degree: int
    source: str
    real_error: float  # the largest relative error in real numbers (minimax: from Remez; rational: its fit)
    denominator: int = 0  # a rational's denominator degree (its numerator's is ``degree``)


def baselines(target: Target, degrees: tuple[int, ...] = DEGREES, dtype: type = np.float32,
              rational_degrees: int = RATIONAL_DEGREES) -> list[Baseline]:
    """The Taylor and minimax polynomials of ``target`` of each degree its form allows, and the minimax
    rationals ``p_m / q_n`` with ``m + n <= rational_degrees`` (0: none), as programs."""
    out = []
    centre = (target.low + target.high) / 2.0
    for degree in degrees:
        plain = form(target, degree)
        if plain is None:
            continue
        fit = remez(target, plain)
        out.append(Baseline("minimax", degree, horner_source(plain, fit.coefficients, dtype), fit.max_error))
        about = form(target, degree, centre=centre)
        assert about is not None
        series = taylor(target, about)
        out.append(Baseline("taylor", degree, horner_source(about, series, dtype),
                            relative_error(target, about, series)))
    for total in range(1, rational_degrees + 1):
        for n in range(1, total + 1):
            shape = rational_form(target, total - n, n)
            if shape is None:
                continue
            r = rational_minimax(target, total - n, n)
            assert r is not None
            out.append(Baseline("rational", total - n, rational_source(shape[0], r.numerator, r.denominator, dtype),
                                r.max_error, denominator=n))
    return out


def measure_baselines(problem_name: str, options: dict[str, Any] | None = None,
                      degrees: tuple[int, ...] = DEGREES, rational_degrees: int = RATIONAL_DEGREES
                      ) -> list[dict[str, Any]]:
    """The baselines of a float32 problem (``exp2``, ``log2``..., ``exp2_real``, or a user's target module by
    file path or dotted name, one that defines ``TARGET``), each measured by the problem itself with
    ``options``: dicts of ``kind``, ``degree``, ``denominator``, ``source``, ``real_error`` and ``metrics``
    (None, with ``error``, for a rational the problem cannot measure: a pole among its points).

    Raises:
        ValueError: the problem is not a float32 target (its module defines no ``TARGET``).
    """
    import importlib
    import importlib.util
    from pathlib import Path

    from evolve import load_problem
    from evolve.fitting.tuning import constant_fit
    from evolve.programs import program

    module: Any = None
    try:
        if problem_name.endswith(".py"):
            spec = importlib.util.spec_from_file_location(Path(problem_name).stem, problem_name)
            if spec is not None and spec.loader is not None:
                module = importlib.util.module_from_spec(spec)
                spec.loader.exec_module(module)
        else:
            dotted = problem_name if "." in problem_name else f"problems.float32.{problem_name}"
            module = importlib.import_module(dotted)
        target = module.TARGET
    except (ImportError, AttributeError, FileNotFoundError):
        raise ValueError(f"baselines exist for float32 targets only (a module that defines TARGET, as in "
                         f"problems/float32); {problem_name!r} is not one") from None
    if not isinstance(target, Target):
        raise ValueError(f"{problem_name!r}: TARGET is a {type(target).__name__}, not a float32 Target")
    problem = load_problem(problem_name, **(options or {}))
    dtype = np.float64 if constant_fit(problem).constant_dtype == "float64" else np.float32
    out = []
    for b in baselines(target, degrees, dtype, rational_degrees):
        try:
            result = problem.evaluate(program.compile_program(program.parse(b.source), problem.entrypoint))
        except Exception as exc:  # noqa: BLE001 (a rational's pole, or a non-finite output, is recorded)
            out.append({"kind": b.kind, "degree": b.degree, "denominator": b.denominator, "source": b.source,
                        "real_error": b.real_error, "metrics": None, "error": f"{type(exc).__name__}: {exc}"})
            continue
        out.append({"kind": b.kind, "degree": b.degree, "denominator": b.denominator, "source": b.source,
                    "real_error": b.real_error, "metrics": result.metrics})
    return out

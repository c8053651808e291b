"""A library of candidate terms for formulas, and the choice among them that a fit's residual guides.

A term is a small expression of a formula's variables: a factor (``x``, ``x * x``, ``jnp.sin(x)``,
``jnp.exp(0.5 * x)``, ``1 / x``...) or the product of two factors (``x * jnp.cos(x)``, ``x * v``). Given what a
fitted formula leaves unexplained on its training data (the residual), the terms most correlated with it are
the ones worth adding, as in FFX and SINDy: the new term's coefficient is then one linear fit away, where blind
insertion has to find both the term and its coefficient by chance.

Everything here is pure ``numpy``; the library of a data set is built once and reused (:func:`matrix`).
"""

from __future__ import annotations

import ast
from collections import OrderedDict
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from types import SimpleNamespace

import numpy as np

MAX_DEGREE = 3
"""Highest total polynomial degree of a term (``x * x * v`` is 3)."""

# Rates of exponentials, in units of the inverse of the variable's largest magnitude, so ``exp(c * x)`` changes
# by a factor e**|k| over the data whatever the variable's scale.
_EXP_RATES = (-2.0, -1.0, 1.0, 2.0)
_FREQUENCIES = (0.5, 1.0, 2.0)

# What the term sources call, in numpy, to evaluate them here.
_NUMPY = SimpleNamespace(sin=np.sin, cos=np.cos, exp=np.exp, log=np.log, sqrt=np.sqrt, abs=np.abs, tanh=np.tanh)


@dataclass(frozen=True)
class Term:
    """One candidate term.

    Attributes:
        source: the expression, e.g. ``"x * jnp.cos(x)"``.
        constants: the float literals it writes (each is fitted, so each takes a parameter).
        degree: its total polynomial degree (``1 / x`` counts 1).
        variable: the variable of a one-variable factor (empty for products).
    """

    source: str
    constants: int = 0
    degree: int = 0
    variable: str = ""


def _literal(value: float) -> str:
    text = f"{value:.4g}"
    return text if any(c in text for c in ".e") else text + ".0"


def _scaled(c: float, var: str) -> tuple[str, int]:
    """``c * var`` as written in a term, and the literals that takes (``var`` and ``-var`` take none)."""
    if c == 1.0:
        return var, 0
    if c == -1.0:
        return f"-{var}", 0
    return f"{_literal(c)} * {var}", 1


def factors(
    names: Sequence[str],
    ranges: Mapping[str, tuple[float, float]],
    unary_functions: Sequence[str],
    binops: Sequence[str],
) -> list[Term]:
    """The one-variable factors of each variable: powers up to :data:`MAX_DEGREE`, and where the problem allows
    them ``sin``/``cos`` at a few frequencies, ``exp`` at rates scaled to the variable's range, ``log`` and
    ``sqrt`` where the range is positive (non-negative for ``sqrt``), and ``1 / x`` where it excludes zero."""
    out: list[Term] = []
    for x in names:
        low, high = ranges[x]
        scale = max(abs(low), abs(high)) or 1.0
        out += [Term(x, 0, 1, x), Term(f"{x} * {x}", 0, 2, x), Term(f"{x} * {x} * {x}", 0, 3, x)]
        for f in ("sin", "cos"):
            if f in unary_functions:
                for c in _FREQUENCIES:
                    arg, k = _scaled(c, x)
                    out.append(Term(f"jnp.{f}({arg})", k, 0, x))
        if "exp" in unary_functions:
            for k in _EXP_RATES:
                arg, n = _scaled(float(f"{k / scale:.3g}"), x)
                out.append(Term(f"jnp.exp({arg})", n, 0, x))
        if "log" in unary_functions and low > 0:
            out.append(Term(f"jnp.log({x})", 0, 0, x))
        if "sqrt" in unary_functions and low >= 0:
            out.append(Term(f"jnp.sqrt({x})", 0, 0, x))
        if "/" in binops and (low > 0 or high < 0):
            out.append(Term(f"1 / {x}", 0, 1, x))
    return out


def _pairs(a: Term, b: Term) -> bool:
    """Whether the product of two factors is in the library: within :data:`MAX_DEGREE`; of one variable only as
    ``x * f(x)`` (``x * jnp.cos(x)``, ``x * jnp.exp(x)``: its powers are factors already, and higher powers
    times functions are seldom laws); a power of two or more times a function only across variables."""
    if a.degree + b.degree > MAX_DEGREE:
        return False
    functions = (a.degree == 0) + (b.degree == 0)
    if a.variable == b.variable:
        return functions == 1 and a.degree + b.degree == 1
    return functions != 1 or a.degree + b.degree <= 2


def library(
    names: Sequence[str],
    ranges: Mapping[str, tuple[float, float]],
    unary_functions: Sequence[str] = (),
    binops: Sequence[str] = ("+", "-", "*", "/"),
) -> list[Term]:
    """Every factor (:func:`factors`), the products of two of them that :func:`_pairs` admits, and the products
    of two variables and a factor of a third (``r * F * jnp.sin(theta)``, ``x * y * z``), the shape of many
    laws of physics."""
    if "*" not in binops:
        return []
    single = factors(names, ranges, unary_functions, binops)
    out = list(single)
    for i, a in enumerate(single):
        for b in single[i + 1:]:
            if not _pairs(a, b):
                continue
            out.append(Term(f"{a.source} * {b.source}", a.constants + b.constants, a.degree + b.degree))
    for i, x in enumerate(names):
        for j in range(i + 1, len(names)):
            for c in single:
                # x * y * z once, in the order of the names; x * y * f(z) for any other z
                if c.variable not in (x, names[j]) and (c.degree == 0 or (c.degree == 1
                                                                          and names.index(c.variable) > j)):
                    out.append(Term(f"{x} * {names[j]} * {c.source}", c.constants, 2 + c.degree))
    return out


def values(terms: Sequence[Term], inputs: Mapping[str, np.ndarray]) -> np.ndarray:
    """The terms evaluated on ``inputs`` (each ``(rows,)``), as ``(rows, terms)`` float64; a term that is not
    finite on every row is a column of NaN."""
    rows = len(next(iter(inputs.values())))
    scope = {"jnp": _NUMPY, **{k: np.asarray(v, dtype=np.float64) for k, v in inputs.items()}}
    out = np.empty((rows, len(terms)))
    with np.errstate(all="ignore"):
        for j, term in enumerate(terms):
            column = np.broadcast_to(eval(term.source, {"__builtins__": {}}, scope), (rows,))  # noqa: S307 (our own terms)
            out[:, j] = column if np.isfinite(column).all() else np.nan
    return out


def _orthonormal(fitted: np.ndarray | None, rows: int) -> np.ndarray:
    """An orthonormal basis ``(rows, k)`` of the intercept and the finite columns of ``fitted``."""
    columns = [np.ones((rows, 1))]
    if fitted is not None and fitted.size:
        fitted = np.asarray(fitted, dtype=np.float64).reshape(rows, -1)
        columns.append(fitted[:, np.isfinite(fitted).all(axis=0)])
    q, r = np.linalg.qr(np.hstack(columns))
    keep = np.abs(np.diag(r)) > 1e-10 * max(1.0, float(np.abs(np.diag(r)).max()))
    return q[:, keep]


def explained(columns: np.ndarray, residual: np.ndarray, fitted: np.ndarray | None = None) -> np.ndarray:
    """The share of the residual's variance each column would explain if added to the model and everything
    refitted: its squared partial correlation with the residual given an intercept and ``fitted`` (the model's
    sensitivities to its fitted constants, ``(rows, n)``, e.g. the columns of a linear model). ``(terms,)`` in
    [0, 1]; 0 for NaN columns and columns the model already spans.

    Correlating with the residual alone (matching pursuit) misleads when the fit has bent an existing term to
    stand in for the missing one; projecting out what the model can already do gives the gain of forward
    selection."""
    basis = _orthonormal(fitted, len(residual))
    table = np.where(np.isfinite(columns), columns, 0.0)
    free = table - basis @ (basis.T @ table)
    r = residual - basis @ (basis.T @ residual)
    norms = np.linalg.norm(free, axis=0)
    with np.errstate(all="ignore"):
        corr = (free.T @ r) / (norms * np.linalg.norm(r))
    spanned = norms <= 1e-9 * np.maximum(np.linalg.norm(table, axis=0), 1e-300)
    return np.where(np.isfinite(corr) & ~spanned & np.isfinite(columns).all(axis=0), corr**2, 0.0)


def slope(column: np.ndarray, residual: np.ndarray, fitted: np.ndarray | None = None) -> float:
    """The least-squares coefficient of ``column`` for ``residual`` alongside an intercept and the columns of
    ``fitted`` (see :func:`explained`)."""
    basis = _orthonormal(fitted, len(residual))
    c = column - basis @ (basis.T @ column)
    denominator = float(c @ c)
    return float(c @ residual) / denominator if denominator > 0 else 0.0


SIMPLER = 0.75
"""Weight factor per syntax node when :func:`choose` draws among the best terms."""
ODDS_FLOOR = 1e-3
"""Shares of the residual left unexplained below which :func:`choose` tells terms apart by size alone."""


def _nodes(source: str) -> int:
    """Syntax nodes of an expression, contexts and operator tokens left out."""
    return sum(1 for n in ast.walk(ast.parse(source, mode="eval").body)
               if not isinstance(n, ast.expr_context | ast.operator | ast.unaryop))


_CACHE: OrderedDict[tuple, tuple[list[Term], np.ndarray, Mapping]] = OrderedDict()
_CACHE_SIZE = 8


def matrix(
    inputs: Mapping[str, np.ndarray],
    unary_functions: Sequence[str] = (),
    binops: Sequence[str] = ("+", "-", "*", "/"),
) -> tuple[list[Term], np.ndarray]:
    """The library for these inputs (ranges taken from them) and its values ``(rows, terms)``, cached by the
    identity of ``inputs``: a problem that hands out the same training inputs each time builds it once."""
    key = (id(inputs), tuple(unary_functions), tuple(binops))
    if key in _CACHE and _CACHE[key][2] is inputs:
        _CACHE.move_to_end(key)
        return _CACHE[key][0], _CACHE[key][1]
    ranges = {k: (float(np.min(v)), float(np.max(v))) for k, v in inputs.items()}
    terms = library(list(inputs), ranges, unary_functions, binops)
    table = values(terms, inputs)
    _CACHE[key] = (terms, table, inputs)  # keeping ``inputs`` keeps its id from being reused
    if len(_CACHE) > _CACHE_SIZE:
        _CACHE.popitem(last=False)
    return terms, table


def choose(
    terms: Sequence[Term],
    table: np.ndarray,
    residual: np.ndarray,
    rng: np.random.Generator,
    room: int,
    fitted: np.ndarray | None = None,
    top: int = 8,
) -> tuple[Term, float, float] | None:
    """Pick a term to add for ``residual`` (given ``fitted``, see :func:`explained`): one of the ``top`` terms
    explaining most of it among those taking at most ``room`` literals, with probability proportional to the
    odds of what it explains (``share / (1 - share)``, so a term that leaves 1% beats one that leaves 4% by
    four to one; below :data:`ODDS_FLOOR` left they count as equal) times :data:`SIMPLER` per syntax node.
    Over a narrow range many terms are nearly the same column (``sin(0.5 * x) * v`` and ``x * v``); the
    simpler one is likelier to be the law and to hold outside the data.

    Returns ``(term, coefficient, share explained)``, or None when no term explains anything."""
    share = explained(table, residual, fitted)
    share = np.where([t.constants <= room for t in terms], share, 0.0)
    order = np.argsort(-share)[:top]
    order = order[share[order] > 1e-12]
    if not len(order):
        return None
    odds = share[order] / np.maximum(1.0 - share[order], ODDS_FLOOR)
    weights = odds * SIMPLER ** np.array([_nodes(terms[j].source) for j in order])
    weights = weights / weights.sum()
    j = int(order[rng.choice(len(order), p=weights)])
    return terms[j], slope(table[:, j], residual, fitted), float(share[j])


__all__ = ["MAX_DEGREE", "ODDS_FLOOR", "SIMPLER", "Term", "choose", "explained", "factors", "library", "matrix",
           "slope", "values"]

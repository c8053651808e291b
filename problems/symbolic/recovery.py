"""Whether a fitted formula recovers a known law exactly: a symbolic solution as SRBench defines one.

A model is an exact recovery of the law ``truth`` when, with its constants rationalised (each fitted value
replaced by the simplest rational, or rational multiple of pi, within :data:`TOLERANCE` of it, and values
smaller than that by zero), ``model - truth`` is a constant or ``model / truth`` a nonzero constant (SRBench,
La Cava et al. 2021). Two checks:

- **at points**: the difference (or the ratio) is the same at :data:`POINTS` random rational points, half in the
  law's training box and half far outside it (rationals with denominator 2**20), the model and the law evaluated
  there to :data:`DIGITS` significant digits. A model that fails
  this is not a recovery; a term fitted away to rounding level, or a huge constant standing in for a variable,
  fails it.
- **symbolic**: for a model that passes, sympy simplifies the difference or the ratio to a number, which the
  verdict then cites (bounded in time, as ``simplify`` can run for minutes on an unlucky expression; when it
  gives up, the points stand).

Models come from this engine's programs (:func:`program_expression`), from infix strings as pyoperon writes them
(:func:`infix_expression`) and from gplearn's prefix programs (:func:`gplearn_expression`).
"""

from __future__ import annotations

import ast
import re
import signal
from collections.abc import Sequence
from dataclasses import dataclass
from fractions import Fraction
from typing import Any

import numpy as np

from evolve.programs.constants import lift_constants
from evolve.sandbox.limits import interval_timer

TOLERANCE = 1e-6
"""Relative distance within which a fitted constant is taken for a simple rational (or rational multiple of
pi); absolute below 1 (a coefficient under it in magnitude is a vanishing term, taken as zero)."""

POINTS = 16
"""Random points the difference is compared at."""

DIGITS = 60
"""Significant digits of the evaluation at points; values agree when they do to :data:`AGREE` digits."""

AGREE = 40

SIMPLIFY_SECONDS = 10.0
"""Time sympy may spend simplifying a difference or a ratio before the points decide."""

POINTS_SECONDS = 30.0
"""Time the evaluation at the points may take: a nested ``exp`` far outside the box needs its value to millions of
digits (gplearn's programs have such nests), so a model still unevaluated after this long is not counted as a
recovery."""

_FUNCTIONS = ("exp", "log", "sqrt", "sin", "cos", "tan", "tanh", "sinh", "cosh", "arctan", "arcsin", "arccos",
              "abs", "log1p", "expm1", "square")


class Unreadable(ValueError):
    """A model that is not a closed-form expression this module can read."""


class _TooSlow(Exception):
    pass


def _beyond(exc: BaseException, seconds: float) -> str:
    """Why sympy could not finish, in words: on a model far from its law (a nest of ``exp`` evaluated far outside
    the box) it may meet the time bound, Python's recursion limit, numbers larger than the memory holds, or an
    error of its own."""
    if isinstance(exc, _TooSlow):
        return f"took longer than {seconds:g} s"
    if isinstance(exc, RecursionError):
        return "is nested deeper than Python's recursion limit"
    if isinstance(exc, MemoryError):
        return "needs numbers larger than the memory holds"
    return f"failed in sympy ({type(exc).__name__}: {str(exc)[:200]})"


@dataclass(frozen=True)
class Recovery:
    """The verdict on one model against one law.

    Attributes:
        exact: the model, constants rationalised, equals the law up to an added or a multiplying constant.
        how: why: which check decided, or where the model departs from the law.
        model: the model with rationalised constants (sympy's text).
    """

    exact: bool
    how: str
    model: str


def _sympy() -> Any:
    import sympy

    return sympy


def rationalise(value: float, tolerance: float = TOLERANCE) -> Any:
    """The simplest sympy number within ``tolerance`` of ``value`` (relative; absolute below 1): zero, a rational,
    or a rational multiple of pi or of 1/pi; the exact rational value of the float when none is that close."""
    sp = _sympy()
    value = float(value)
    if not np.isfinite(value):
        raise Unreadable(f"a constant is not finite ({value})")
    allowed = tolerance * max(abs(value), 1.0)
    if abs(value) <= allowed:
        return sp.Integer(0)
    # The smallest denominator first, a multiple of pi as simple as a rational (2*pi before 710/113): continued
    # fractions give the closest fraction under each bound.
    for denominator in (1, 2, 3, 4, 5, 6, 8, 10, 12, 16, 100, 1000, 10**4):
        for scale in (sp.Integer(1), sp.pi, 1 / sp.pi) if denominator <= 16 else (sp.Integer(1),):
            fraction = Fraction(value / float(scale)).limit_denominator(denominator)
            if abs(float(fraction) * float(scale) - value) <= allowed:
                return sp.Rational(fraction.numerator, fraction.denominator) * scale
    return sp.Rational(Fraction(value))


def rationalised(expr: Any, tolerance: float = TOLERANCE, seconds: float = 5.0) -> Any:
    """``expr`` with every float in it rationalised (:func:`rationalise`), after products are multiplied out
    (``0.1425 * (14.035 * x + y)`` has the coefficient 2.0 on ``x``, which neither factor shows; given ``seconds``
    for that, else the expression as written)."""
    sp = _sympy()
    try:
        with interval_timer(signal.ITIMER_REAL, signal.SIGALRM, seconds, _TooSlow):
            expr = sp.expand_mul(expr)
    except Exception:  # too slow, too deep or too large (:func:`_beyond`): the expression as written is checked
        pass
    floats = expr.atoms(sp.Float)
    return expr.xreplace({f: rationalise(float(f), tolerance) for f in floats}) if floats else expr


def _symbols(inputs: Sequence[str]) -> dict[str, Any]:
    sp = _sympy()
    return {name: sp.Symbol(name, real=True) for name in inputs}


def law_expression(formula: str, inputs: Sequence[str]) -> Any:
    """A law written as ``"y = expression"`` (or the expression alone), with ``inputs`` as symbols (names such as
    ``gamma`` or ``E`` are variables here, not sympy's functions) and ``pi`` as pi."""
    sp = _sympy()
    text = formula.split("=", 1)[1] if "=" in formula else formula
    local = {**_symbols(inputs), "pi": sp.pi}
    for name in ("exp", "log", "sqrt", "sin", "cos", "tan", "tanh", "sinh", "cosh", "asin", "acos", "atan"):
        local.setdefault(name, getattr(sp, name))
    return sp.parse_expr(text.strip(), local_dict=local, evaluate=True)


class _ToSympy:
    """An engine program's entrypoint (its constants lifted into ``_P``) as a sympy expression."""

    def __init__(self, inputs: dict[str, Any], theta: Sequence[float]) -> None:
        self.names = dict(inputs)
        self.theta = list(theta)

    def function(self, name: str, args: list[Any]) -> Any:
        sp = _sympy()
        one = {"exp": sp.exp, "log": sp.log, "sqrt": sp.sqrt, "sin": sp.sin, "cos": sp.cos, "tan": sp.tan,
               "tanh": sp.tanh, "sinh": sp.sinh, "cosh": sp.cosh, "arctan": sp.atan, "arcsin": sp.asin,
               "arccos": sp.acos, "abs": sp.Abs, "log1p": lambda a: sp.log(1 + a), "expm1": lambda a: sp.exp(a) - 1,
               "square": lambda a: a**2}
        if name in one and len(args) == 1:
            return one[name](args[0])
        if name in ("power", "pow") and len(args) == 2:
            return args[0] ** args[1]
        raise Unreadable(f"the function {name}({len(args)} arguments) has no closed form here")

    def expr(self, node: ast.expr) -> Any:
        sp = _sympy()
        if isinstance(node, ast.Constant) and type(node.value) in (int, float):
            return sp.Integer(node.value) if type(node.value) is int else sp.Float(node.value)
        if isinstance(node, ast.Name):
            if node.id in self.names:
                return self.names[node.id]
            raise Unreadable(f"the name {node.id!r} is neither an input nor a value the formula defines")
        if isinstance(node, ast.Subscript) and isinstance(node.value, ast.Name) and node.value.id == "_P":
            index = node.slice
            if isinstance(index, ast.Constant) and type(index.value) is int and 0 <= index.value < len(self.theta):
                return sp.Float(self.theta[index.value])
            raise Unreadable(f"{ast.unparse(node)} has no fitted value")
        if isinstance(node, ast.Attribute) and isinstance(node.value, ast.Name) and node.attr in ("pi", "e"):
            return sp.pi if node.attr == "pi" else sp.E
        if isinstance(node, ast.UnaryOp) and isinstance(node.op, (ast.USub, ast.UAdd)):
            value = self.expr(node.operand)
            return -value if isinstance(node.op, ast.USub) else value
        if isinstance(node, ast.BinOp):
            a, b = self.expr(node.left), self.expr(node.right)
            ops = {ast.Add: lambda: a + b, ast.Sub: lambda: a - b, ast.Mult: lambda: a * b, ast.Div: lambda: a / b,
                   ast.Pow: lambda: a**b}
            if type(node.op) in ops:
                return ops[type(node.op)]()
        if isinstance(node, ast.Call) and not node.keywords:
            func = node.func
            name = func.attr if isinstance(func, ast.Attribute) else func.id if isinstance(func, ast.Name) else None
            if name is not None:
                return self.function(name, [self.expr(a) for a in node.args])
        raise Unreadable(f"{ast.unparse(node)} has no closed form here")

    def body(self, statements: list[ast.stmt]) -> Any:
        for stmt in statements:
            if isinstance(stmt, ast.Expr) and isinstance(stmt.value, ast.Constant):  # a docstring
                continue
            if isinstance(stmt, ast.Assign) and len(stmt.targets) == 1 and isinstance(stmt.targets[0], ast.Name):
                self.names[stmt.targets[0].id] = self.expr(stmt.value)
            elif isinstance(stmt, ast.Return) and stmt.value is not None:
                return self.expr(stmt.value)
            else:
                raise Unreadable(f"the statement {ast.unparse(stmt)!r} has no closed form here")
        raise Unreadable("the formula returns nothing")


def program_expression(source: str, params: Sequence[float], inputs: Sequence[str], entrypoint: str = "equation",
                       params_name: str = "params") -> Any:
    """An engine formula (the source of a program whose ``entrypoint`` takes ``inputs`` then ``params_name``)
    with its fitted constants ``params`` (the metric of that name: every float literal and ``params[j]`` in order
    of first appearance, as :func:`evolve.programs.constants.lift_constants` numbers them) as a sympy expression."""
    tree = ast.parse(source)
    lifted, values = lift_constants(tree, params_name)
    if len(values) != len(params):
        raise Unreadable(f"the formula has {len(values)} constants but {len(params)} fitted values were given")
    entry = next((n for n in ast.walk(lifted) if isinstance(n, ast.FunctionDef) and n.name == entrypoint), None)
    if entry is None:
        raise Unreadable(f"no function {entrypoint!r} in the formula")
    args = [a.arg for a in entry.args.args]
    symbols = _symbols(inputs)
    # The program's own argument names stand for the inputs, in order.
    names = {arg: symbols[name] for arg, name in zip(args, inputs, strict=False)}
    return _ToSympy(names, params).body(list(entry.body))


def infix_expression(text: str, inputs: Sequence[str]) -> Any:
    """A model written in infix (``^`` or ``**`` for powers), as pyoperon's ``get_model_string`` writes it."""
    sp = _sympy()
    local = {**_symbols(inputs), "pi": sp.pi, "abs": sp.Abs, "square": lambda a: a**2}
    try:
        return sp.parse_expr(text.replace("^", "**"), local_dict=local, evaluate=True)
    except (SyntaxError, TypeError, ValueError) as exc:
        raise Unreadable(f"cannot read the model {text[:200]!r}: {exc}") from exc


def gplearn_expression(text: str, inputs: Sequence[str]) -> Any:
    """A gplearn program (``add(X0, mul(X1, 0.5))``, inputs as ``X0, X1, ...``), its protected operations read as
    the plain ones (as SRBench reads them)."""
    sp = _sympy()
    symbols = _symbols(inputs)
    local: dict[str, Any] = {f"X{i}": symbols[name] for i, name in enumerate(inputs)}
    local.update(add=lambda a, b: a + b, sub=lambda a, b: a - b, mul=lambda a, b: a * b, div=lambda a, b: a / b,
                 sqrt=lambda a: sp.sqrt(sp.Abs(a)), log=lambda a: sp.log(sp.Abs(a)), sin=sp.sin, cos=sp.cos,
                 tan=sp.tan, neg=lambda a: -a, inv=lambda a: 1 / a, abs=sp.Abs, max=sp.Max, min=sp.Min,
                 exp=sp.exp)
    if re.search(r"[^\w\s(),.\-+eE]", text):
        raise Unreadable(f"cannot read the gplearn program {text[:200]!r}")
    try:
        return sp.parse_expr(text, local_dict=local, evaluate=True)
    except (SyntaxError, TypeError, ValueError) as exc:
        raise Unreadable(f"cannot read the gplearn program {text[:200]!r}: {exc}") from exc


def _constant_after_simplify(expr: Any, seconds: float) -> Any:
    """The number ``expr`` simplifies to, or None (not a number, or sympy took longer than ``seconds``)."""
    sp = _sympy()
    try:
        with interval_timer(signal.ITIMER_REAL, signal.SIGALRM, seconds, _TooSlow):
            simple = sp.simplify(expr)
    except Exception:  # too slow, too deep or too large (:func:`_beyond`): the points stand
        return None
    return simple if not simple.free_symbols and simple.is_finite else None


def _rational_points(ranges: Sequence[tuple[float, float]], rng: np.random.Generator, n: int) -> list[list[Any]]:
    sp = _sympy()
    lows, highs = np.array([r[0] for r in ranges], dtype=float), np.array([r[1] for r in ranges], dtype=float)
    return [[sp.Rational(int(round(v * 2**20)), 2**20) for v in rng.uniform(lows, highs)] for _ in range(n)]


def _far(ranges: Sequence[tuple[float, float]]) -> list[tuple[float, float]]:
    """A box far outside ``ranges`` on the side the law's domain extends to: past the top (up to ten times it)
    for an input whose range is positive, both sides otherwise."""
    out = []
    for lo, hi in ranges:
        width = hi - lo
        out.append((hi + width, hi + 10 * width) if lo >= 0 else (lo - 10 * width, hi + 10 * width))
    return out


def _agree(values: list[Any]) -> bool:
    first = values[0]
    scale = max(abs(first), 1)
    return all(abs(v - first) <= scale * 10 ** (-AGREE) for v in values[1:])


def check(model: Any, truth: Any, inputs: Sequence[str], box: Sequence[tuple[float, float]], *, seed: int = 0,
          tolerance: float = TOLERANCE, simplify_seconds: float = SIMPLIFY_SECONDS,
          points_seconds: float = POINTS_SECONDS) -> Recovery:
    """Whether the sympy expression ``model`` (its floats are rationalised here) recovers the law ``truth``, whose
    ``inputs`` range over ``box`` in training (see the module docstring); ``points_seconds`` bounds the evaluation
    at the points (a model that takes longer is not a recovery)."""
    model = rationalised(model, tolerance)
    text = str(model)
    symbols = _symbols(inputs)
    stray = {str(s) for s in model.free_symbols} - set(symbols)
    if stray:
        return Recovery(False, f"the model uses unknown names {sorted(stray)}", text)
    try:
        with interval_timer(signal.ITIMER_REAL, signal.SIGALRM, points_seconds, _TooSlow):
            at_points = _at_points(model, truth, [symbols[name] for name in inputs], box, seed)
    except Exception as exc:  # one model sympy cannot evaluate must not end a benchmark of hundreds
        return Recovery(False, f"undecided: evaluating the model at the points {_beyond(exc, points_seconds)} (not "
                               "counted as a recovery)", text)
    if isinstance(at_points, str):
        return Recovery(False, at_points, text)
    diffs, ratios = at_points
    for name, values, expr in (("difference", diffs, model - truth), ("ratio", ratios, model / truth)):
        if not _agree(values) or (name == "ratio" and abs(values[0]) <= 10 ** (-AGREE)):
            continue
        # The points say equal; sympy, given the time, says why (the points stand when it cannot).
        value = _constant_after_simplify(expr, simplify_seconds)
        if value is not None and (name == "difference" or value != 0):
            return Recovery(True, f"the {name} simplifies to {value}", text)
        return Recovery(True, f"the {name} is the same at {len(values)} points to {AGREE} digits", text)
    spread = max(abs(float(r) - float(ratios[0])) for r in ratios) / max(abs(float(ratios[0])), 1e-300)
    return Recovery(False, f"neither the difference nor the ratio is constant (the ratio varies by {spread:.3g} "
                           "relative across the points)", text)


def _at_points(model: Any, truth: Any, order: list[Any], box: Sequence[tuple[float, float]],
               seed: int) -> tuple[list[Any], list[Any]] | str:
    """The differences and ratios of ``model`` to ``truth`` at the points (half in ``box``, half far outside it),
    or why they cannot decide."""
    rng = np.random.default_rng(seed)
    diffs, ratios = [], []
    for where_from in (box, _far(box)):
        # Half the points in each box, drawn until as many fall where the law is a real number (far outside the
        # box, v > c makes sqrt(1 - v**2/c**2) imaginary), or 8 times as many were tried.
        kept = 0
        for point in _rational_points(where_from, rng, 8 * (POINTS // 2)):
            at = dict(zip(order, point, strict=True))
            # evalf with subs evaluates numerically at the exact point; substituting first would make sympy
            # simplify powers such as n**(13778545/4503599627370496) exactly (factoring big integers, for minutes).
            want = truth.evalf(DIGITS, subs=at)
            if not (want.is_real and want.is_finite and want != 0):
                continue  # outside the law's own domain (a square root of a negative, a pole)
            got = model.evalf(DIGITS, subs=at)
            if not (got.is_real and got.is_finite):
                spot = ", ".join(f"{k}={float(v):.6g}" for k, v in at.items())
                return f"the model is not a finite real number at {spot}, where the law is"
            diffs.append(got - want)
            ratios.append(got / want)
            kept += 1
            if kept == POINTS // 2:
                break
    if len(diffs) < POINTS // 2:
        return f"the law is a real number at only {len(diffs)} of the points drawn"
    return diffs, ratios


__all__ = ["AGREE", "DIGITS", "POINTS", "POINTS_SECONDS", "SIMPLIFY_SECONDS", "TOLERANCE", "Recovery", "Unreadable",
           "check", "gplearn_expression", "infix_expression", "law_expression", "program_expression", "rationalise",
           "rationalised"]

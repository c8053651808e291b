"""The formula family's problem extension (:class:`Formula`, beside the engine's
:class:`~evolve.mutators.extensions.FittedParameters`) and the GP operators that read it: new fitted-parameter
terms and factors, unary functions, shapes scaled to the data, and the term that explains most of a parent's
residual. Each operator is declared in :mod:`evolve.mutators.registry`, which imports this module with the other
built-ins.
"""

from __future__ import annotations

import ast
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

import numpy as np

from evolve.mutators.ast_edit import (
    FunctionNode,
    Slot,
    allowed_ops,
    arg_names,
    binop,
    collect,
    edit_block,
    is_params,
    jnp_call,
    number,
    pick,
    replace,
    seed_variables,
    short,
    split,
)
from evolve.mutators.base import NotApplicable
from evolve.mutators.extensions import FittedParameters, vocabulary
from evolve.mutators.registry import register
from evolve.problem import Problem
from evolve.programs import program
from evolve.programs.constants import lift_constants
from problems.symbolic import terms

Residuals = Callable[[ast.Module, dict[str, Any]], tuple[dict[str, Any], Any, Any] | None]


@dataclass(frozen=True)
class Formula:
    """Problem extension of formulas fitted to data: what the formula operators below need to know. Its fitted
    constants are the engine's :class:`~evolve.mutators.extensions.FittedParameters`.

    Attributes:
        unary_functions: the ``jnp`` functions (e.g. ``"sin"``, ``"exp"``) the GP mutator may wrap around a
            subexpression; none for problems that allow no function calls.
        input_ranges: the training range ``(low, high)`` of each input variable, by the entrypoint's argument
            name. GP operators that write a new fitted shape of a variable (``multiply_shape``) start its
            constants inside this range; problems without it do not get those operators.
        residuals: ``residuals(tree, metrics) -> (inputs, residual, jacobian) | None``: the training inputs in
            the entrypoint's argument order (each ``(rows,)``), what the program with the fitted constants its
            ``metrics`` record leaves unexplained there (``target - prediction``, ``(rows,)``), and the
            prediction's derivatives in those constants (``(rows, n)``); None when the metrics hold no fit or
            it leaves nothing but rounding to explain. Return the same ``inputs`` object every time (it keys a
            cache). The GP operator ``add_residual_term`` adds the term that would explain most of the residual.
    """

    unary_functions: tuple[str, ...] = ()
    input_ranges: dict[str, tuple[float, float]] = field(default_factory=dict)
    residuals: Residuals | None = None


_NO_FORMULA = Formula()


def formula(problem: Problem) -> Formula:
    """The problem's :class:`Formula`, or an empty one (no functions, ranges or residuals) when it has none."""
    return problem.extension(Formula) or _NO_FORMULA


def _fitted(problem: Problem) -> FittedParameters | None:
    return problem.extension(FittedParameters)


def _expression_slots(tree: ast.Module, problem: Problem, purpose: str) -> list[Slot]:
    """Slots holding an expression that is neither a literal nor a bare fitted ``params[i]``.

    Raises:
        NotApplicable: there is none (``purpose`` says what for).
    """
    slots = [s for s in collect(tree) if not s.literal and not is_params(s.node, problem)]
    if not slots:
        raise NotApplicable(f"no subexpression to {purpose}")
    return slots


@register(1.0, order=80, applies=lambda problem: bool(formula(problem).unary_functions))
def insert_unary(source: str, problem: Problem, rng: np.random.Generator) -> str:
    """Wrap a subexpression (not a bare constant) in one of the formula's ``unary_functions``: ``e -> jnp.sin(e)``.

    Raises:
        NotApplicable: the problem allows no unary function, or there is nothing to wrap.
    """
    functions = formula(problem).unary_functions
    if not functions:
        raise NotApplicable(f"problem {problem.name!r} allows no unary functions")

    def edit(tree: ast.Module) -> None:
        slot = pick(_expression_slots(tree, problem, "wrap in a function"), rng)
        replace(slot, jnp_call(pick(functions, rng), slot.node))

    return edit_block(source, edit)


def _params_used(tree: ast.Module, problem: Problem) -> set[int]:
    return {n.slice.value for n in ast.walk(tree) if is_params(n, problem) and isinstance(n.slice, ast.Constant)
            and type(n.slice.value) is int}


def _free_params(tree: ast.Module, problem: Problem, fitted: FittedParameters) -> list[int]:
    """Indices of the problem's fitted parameters the program does not use yet, lowest first."""
    return [k for k in range(fitted.max_params) if k not in _params_used(tree, problem)]


def _param(fitted: FittedParameters, k: int) -> ast.Subscript:
    """``params[k]`` of the problem's fitted-parameters argument."""
    return ast.Subscript(value=ast.Name(id=fitted.arg, ctx=ast.Load()), slice=ast.Constant(k), ctx=ast.Load())


def _has_params(problem: Problem) -> bool:
    """Whether the problem fits at least one parameter."""
    fitted = _fitted(problem)
    return fitted is not None and fitted.max_params > 0


@register(1.5, order=90, applies=_has_params)
def add_param_term(source: str, problem: Problem, rng: np.random.Generator) -> str:
    """Add a term with a new fitted parameter to a whole returned or assigned value: ``e -> e + params[k] * t``,
    ``t`` a variable, a product of two variables, a variable squared, or a unary function of a variable.

    Raises:
        NotApplicable: the problem fits no parameters, all of them are in use, or there is no value to extend.
    """
    fitted = _fitted(problem)
    if fitted is None or fitted.max_params < 1:
        raise NotApplicable(f"problem {problem.name!r} has no fitted parameters")
    functions = formula(problem).unary_functions

    def edit(tree: ast.Module) -> None:
        free = _free_params(tree, problem, fitted)
        if not free:
            raise NotApplicable(f"all {fitted.max_params} parameters are in use")
        slots = [s for s in collect(tree) if s.root]
        if not slots:
            raise NotApplicable("no returned or assigned value to extend")
        slot = pick(slots, rng)
        names = arg_names(slot.func, problem)
        if not names:
            raise NotApplicable("the function has no variable to make a term of")

        def var() -> ast.expr:
            return ast.Name(id=pick(names, rng), ctx=ast.Load())

        forms: list[Callable[[], ast.expr]] = [var, var, lambda: binop(var(), "*", var()),
                                               lambda: ast.BinOp(var(), ast.Pow(), ast.Constant(2))]
        if functions:
            forms.append(lambda: jnp_call(pick(functions, rng), var()))
        replace(slot, ast.BinOp(slot.node, ast.Add(), binop(_param(fitted, free[0]), "*", pick(forms, rng)())))

    return edit_block(source, edit)


@register(1.5, order=130, applies=lambda problem: _fitted(problem) is not None and seed_variables(problem) > 0)
def multiply_factor(source: str, problem: Problem, rng: np.random.Generator) -> str:
    """Multiply a subexpression by a factor of one variable: ``e -> e * x ** params[k]`` (a power law with a
    fitted exponent), ``e * x`` or ``e / x``. Sums of terms are what ``add_param_term`` builds; products,
    ratios and powers of the variables, what laws of physics are mostly made of, come from here.

    Raises:
        NotApplicable: the problem fits no parameters, or its formula has no variable.
    """
    fitted = _fitted(problem)
    if fitted is None:
        raise NotApplicable(f"problem {problem.name!r} has no fitted parameters")

    def edit(tree: ast.Module) -> None:
        slots = [s for s in collect(tree) if not s.literal]
        if not slots:
            raise NotApplicable("no subexpression to multiply")
        slot = pick(slots, rng)
        names = arg_names(slot.func, problem)
        if not names:
            raise NotApplicable("the function has no variable to make a factor of")
        var = ast.Name(id=pick(names, rng), ctx=ast.Load())
        free = _free_params(tree, problem, fitted)
        forms = ["*", "/"]
        if free:
            forms.append("**")
        form = pick(forms, rng)
        if form == "**":
            exponent = _param(fitted, free[0])
            replace(slot, binop(slot.node, "*", ast.BinOp(var, ast.Pow(), exponent)))
        else:
            replace(slot, binop(slot.node, form, var))

    return edit_block(source, edit)


# --------------------------------------------------------------------------------------------------
# Guided by the parent's fit


_PROBE = 0.123456789012345
"""A literal no formula writes, marking where :func:`add_residual_term` probes the formula's sensitivity."""


def _residual_slots(tree: ast.Module, problem: Problem) -> list[Slot]:
    """Where ``add_residual_term`` may add a term: the returned value (half the draws) and every subexpression
    that is a term of a sum or a factor of a product (not a bare constant).

    Raises:
        NotApplicable: there is none.
    """
    slots = _expression_slots(tree, problem, "add a term to")
    roots = [s for s in slots if isinstance(s.parent, ast.Return)]
    inner = [s for s in slots if isinstance(s.parent, ast.BinOp)
             and isinstance(s.parent.op, ast.Add | ast.Sub | ast.Mult | ast.Div)]
    if not roots and not inner:
        raise NotApplicable("no returned value, term or factor to add a term to")
    return roots + inner if not roots or not inner else roots * len(inner) + inner


def _shape(form: str, var: str, low: float, high: float, at: float = 0.5, spread: float = 0.25) -> ast.expr:
    """A one-variable shape with its constants scaled to the variable's range ``[low, high]``: the
    half-saturation or centre at fraction ``at`` of the range, an optimum's width ``spread`` of it."""
    x = ast.Name(id=var, ctx=ast.Load())
    centre = short(low + at * (high - low))
    if form == "saturating":  # x / (|k| + x)
        return binop(x, "/", ast.BinOp(jnp_call("abs", number(centre)), ast.Add(), ast.Name(id=var, ctx=ast.Load())))
    # exp(-((x - c) / s) ** 2): an optimum at c, falling to exp(-1) at c +- s
    width = short(spread * (high - low) if high > low else max(abs(high), 1.0))
    scaled = binop(ast.BinOp(x, ast.Sub(), number(centre)), "/", number(width))
    return jnp_call("exp", ast.UnaryOp(ast.USub(), ast.BinOp(scaled, ast.Pow(), ast.Constant(2))))


def _shape_library(problem: Problem, names: Sequence[str]) -> list[terms.Term]:
    """The shapes guided ``multiply_shape`` chooses among, for the variables (by the data's names) whose range
    is non-negative: saturations at 1/8 to all of the range, optima centred across it at two widths."""
    out = []
    for var in names:
        low, high = formula(problem).input_ranges.get(var, (-1.0, 0.0))
        if low < 0:
            continue
        shapes = [("saturating", at, 0.25) for at in (0.125, 0.25, 0.5, 1.0)]
        shapes += [("optimum", at, spread) for at in (0.1, 0.3, 0.5, 0.7, 0.9) for spread in (0.25, 0.5)]
        out += [terms.Term(ast.unparse(_shape(form, var, low, high, at, spread)), SHAPE_CONSTANTS[form], 0, var)
                for form, at, spread in shapes]
    return out


SHAPE_CONSTANTS = {"saturating": 1, "optimum": 2}
"""Fitted constants each form of :func:`multiply_shape` adds."""


def _has_nonnegative_input(problem: Problem) -> bool:
    """Whether the problem fits parameters and knows an input whose range is non-negative (what a shape needs)."""
    return _fitted(problem) is not None and any(low >= 0 for low, _ in formula(problem).input_ranges.values())


@register(1.0, order=140, guided=True, applies=_has_nonnegative_input)
def multiply_shape(
    source: str, problem: Problem, rng: np.random.Generator, metrics: Mapping[str, Any] | None = None
) -> str:
    """Multiply a subexpression by a fitted response to one quantity that is never negative (a
    concentration, a temperature, a time), in one of the two shapes measured responses keep taking:
    saturation ``e * x / (jnp.abs(k) + x)`` (Michaelis-Menten, Monod) or an optimum
    ``e * jnp.exp(-((x - c) / s) ** 2)``. The constants are written scaled to the variable's training range
    (the formula's ``input_ranges``), so the fit starts with the shape bending inside the data rather than flat
    outside it. Both stay bounded (between 0 and 1) whatever the fit makes of their constants, so a shape
    fitted to the data cannot blow up beyond it; variables that change sign are left out.

    With the parent's fit (``metrics``) and a problem that gives residuals, the shape is chosen rather than
    drawn: among saturations and optima of every such variable, at several places and widths in its range,
    one of those that would explain most of the residual when ``e`` is multiplied by them and everything
    refitted (measured through the formula's sensitivity to scaling ``e``, as :func:`add_residual_term` does
    for sums). Without them the variable and shape are drawn at random, started mid-range.

    Raises:
        NotApplicable: the problem fits no constants or gives no input ranges, no variable is non-negative,
            or the new constants would take the formula over its ``max_params``.
    """
    fitted, ranges = _fitted(problem), formula(problem).input_ranges
    if fitted is None or not ranges:
        raise NotApplicable(f"problem {problem.name!r} gives no input ranges to scale a shape's constants to")
    guided = formula(problem).residuals is not None and bool((metrics or {}).get("params"))
    prefix, _, suffix = split(source)

    def edit(tree: ast.Module) -> None:
        slot = pick(_expression_slots(tree, problem, "multiply"), rng)
        # Counted as fitting counts them: every params[i] and float literal the lifted formula has.
        room = fitted.max_params - len(lift_constants(tree, fitted.arg)[1])
        if guided:
            # ``e * (1 + probe)``: the probe's column of the fit's Jacobian is e * d(pred)/d(e).
            probe = ast.BinOp(slot.node, ast.Mult(), ast.BinOp(ast.Constant(1), ast.Add(), ast.Constant(_PROBE)))
            inputs, residual, through, others = _probed(tree, slot, probe, problem, metrics, prefix, suffix)
            shapes = _shape_library(problem, list(inputs))
            if not shapes:
                raise NotApplicable("no variable with a known, non-negative range to make a shape of")
            picked = terms.choose(shapes, terms.values(shapes, inputs) * through[:, None], residual, rng, room,
                                  others)
            if picked is None:
                raise NotApplicable("no shape with room for its constants explains any of the residual there")
            replace(slot, binop(slot.node, "*", _renamed(picked[0].source, inputs, slot.func, problem)))
            return
        names = [n for n in arg_names(slot.func, problem) if n in ranges and ranges[n][0] >= 0]
        if not names:
            raise NotApplicable("no variable with a known, non-negative range to make a shape of")
        var = pick(names, rng)
        form = pick(list(SHAPE_CONSTANTS), rng)
        if SHAPE_CONSTANTS[form] > room:
            raise NotApplicable(f"the formula has no room for {SHAPE_CONSTANTS[form]} more fitted constants")
        low, high = (float(v) for v in ranges[var])
        replace(slot, binop(slot.node, "*", _shape(form, var, low, high)))

    return edit_block(source, edit)


class _Rename(ast.NodeTransformer):
    def __init__(self, names: Mapping[str, str]) -> None:
        self.names = names

    def visit_Name(self, node: ast.Name) -> ast.Name:
        return ast.Name(id=self.names.get(node.id, node.id), ctx=node.ctx)


def _renamed(term: str, inputs: Mapping[str, Any], func: FunctionNode, problem: Problem) -> ast.expr:
    """A term written in the data's variable names (``inputs``' keys), in the function's own names."""
    names = arg_names(func, problem)
    if len(names) != len(inputs):
        raise NotApplicable(f"`{func.name}` takes {len(names)} variables, the data has {len(inputs)}")
    return _Rename(dict(zip(inputs, names, strict=True))).visit(ast.parse(term, mode="eval").body)


def _probed(
    tree: ast.Module, slot: Slot, probe: ast.expr, problem: Problem, metrics: Mapping[str, Any] | None,
    prefix: str, suffix: str,
) -> tuple[Mapping[str, Any], np.ndarray, np.ndarray, np.ndarray]:
    """Put ``probe`` (the slot's expression with the :data:`_PROBE` literal in it, as ``e + probe`` or
    ``e * (1 + probe)``) at the slot and ask the formula's ``residuals`` about the program with the parent's fitted
    constants and the probe at 0. Returns ``(inputs, residual, through, others)``: the probe's column of the
    fit's Jacobian (how the prediction moves with the probe) and the other columns. The tree is left with the
    probe in place, for the caller to overwrite."""
    residuals, fitted = formula(problem).residuals, _fitted(problem)
    assert residuals is not None and fitted is not None
    theta = list((metrics or {}).get("params") or [])
    values = lift_constants(tree, fitted.arg)[1]
    replace(slot, probe)
    ast.fix_missing_locations(tree)
    probed = lift_constants(tree, fitted.arg)[1]
    at = next((k for k, v in enumerate(probed) if v == _PROBE), None)
    if at is None or len(probed) != len(values) + 1 or len(theta) != len(values):
        raise NotApplicable("the parent's metrics hold no fit of this formula's constants")
    found = residuals(program.parse(program.join_block(prefix, ast.unparse(tree), suffix)),
                              {**dict(metrics or {}), "params": [*theta[:at], 0.0, *theta[at:]]})
    if found is None:
        raise NotApplicable("the parent's metrics hold no fit to take the residual of, or it is exact")
    inputs, residual, jacobian = found
    jacobian = np.asarray(jacobian, dtype=np.float64)
    return inputs, np.asarray(residual, dtype=np.float64), jacobian[:, at], np.delete(jacobian, at, 1)


@register(1.0, order=150, guided=True,
          applies=lambda problem: _fitted(problem) is not None and formula(problem).residuals is not None)
def add_residual_term(
    source: str, problem: Problem, rng: np.random.Generator, metrics: Mapping[str, Any] | None = None
) -> str:
    """Add the term that explains most of what the parent's fit leaves unexplained: a subexpression ``e`` (the
    returned value or a term or factor inside it) becomes ``e + c * t``. ``t`` is drawn from the library of
    :mod:`problems.symbolic.terms` (powers, products and functions of the variables), among the terms that would
    explain most of the parent's residual on the training data if added and everything refitted; ``c`` is its
    least-squares coefficient, written as a literal so the fit starts from it. Inside the formula a term acts
    through the formula's sensitivity to ``e`` (in ``(a + b) * g`` a term added to ``a`` counts as ``t * g``),
    measured by the formula's ``residuals`` with a zero probe constant added at ``e`` and the parent's fitted
    constants (``metrics``): so ``b * growth(s)`` can learn a correction inside ``growth`` as readily as a sum
    gains a term. Sums of terms are how most laws are written, and a term found this way needs no luck with
    its coefficient.

    Raises:
        NotApplicable: the problem gives no residuals, the parent's metrics hold no fit or an exact one, the
            formula has no room for another fitted constant, or no term explains any of the residual.
    """
    fitted = _fitted(problem)
    if formula(problem).residuals is None or fitted is None:
        raise NotApplicable(f"problem {problem.name!r} gives no residuals to choose a term by")
    if not {"+", "*"} <= set(allowed_ops(problem)):
        raise NotApplicable(f"problem {problem.name!r} does not allow writing `e + c * t`")
    prefix, _, suffix = split(source)

    def edit(tree: ast.Module) -> None:
        slot = pick(_residual_slots(tree, problem), rng)
        room = fitted.max_params - len(lift_constants(tree, fitted.arg)[1]) - 1
        if room < 0:
            raise NotApplicable(f"the formula has no room for another fitted constant ({fitted.max_params} in use)")
        # ``e + probe``: the probe's column of the fit's Jacobian is d(pred)/d(e).
        probe = ast.BinOp(slot.node, ast.Add(), ast.Constant(_PROBE))
        inputs, residual, through, others = _probed(tree, slot, probe, problem, metrics, prefix, suffix)
        library, table = terms.matrix(inputs, formula(problem).unary_functions, allowed_ops(problem))
        picked = terms.choose(library, table * through[:, None], residual, rng, room, others)
        if picked is None:
            raise NotApplicable("no term of the library explains any of the residual there")
        term, coefficient, _ = picked
        coefficient = short(coefficient, 4) or 1e-6  # a float literal, so it is fitted
        sign = "-" if coefficient < 0 and "-" in vocabulary(problem).binops else "+"
        size = abs(coefficient) if sign == "-" else coefficient
        replace(slot, binop(slot.node, sign, binop(number(size), "*",
                                                     _renamed(term.source, inputs, slot.func, problem))))

    return edit_block(source, edit)

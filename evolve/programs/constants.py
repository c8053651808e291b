"""Lifting a candidate's float literals into a parameter vector ``_P``, and lowering them back.

Constant tuning and parameter fitting work on the lifted tree (:func:`lift_constants`), compiled once with
:func:`evolve.programs.program.compile_lifted`, then write the fitted values back as literals (:func:`lower_constants`).
Both are pure: they return new trees and leave their arguments alone.
"""

from __future__ import annotations

import ast
import copy
import math
from typing import Any

import numpy as np

from evolve.programs.program import PARAMS_NAME, ProgramError


class _Lifter(ast.NodeTransformer):
    def __init__(self, params_name: str | None = None) -> None:
        self.values: list[float | None] = []
        self.depth = 0  # > 0 inside a function body
        self.params_name = params_name
        self.param_slots: dict[int, int] = {}  # index into params_name -> index into _P

    def _param(self, value: float, node: ast.AST) -> ast.AST:
        index = ast.Constant(len(self.values))
        self.values.append(value)
        sub = ast.Subscript(value=ast.Name(PARAMS_NAME, ast.Load()), slice=index, ctx=ast.Load())
        for n in (sub, sub.value, index):
            ast.copy_location(n, node)
        return sub

    def _body(self, stmts: list[ast.stmt]) -> list[ast.stmt]:
        self.depth += 1
        try:
            out: list[ast.stmt] = []
            for stmt in stmts:
                new = self.visit(stmt)
                if isinstance(new, list):
                    out.extend(new)
                elif new is not None:
                    out.append(new)
            return out
        finally:
            self.depth -= 1

    def visit_FunctionDef(self, node: ast.FunctionDef) -> ast.AST:
        node.body = self._body(node.body)  # defaults, annotations and decorators are left alone
        return node

    visit_AsyncFunctionDef = visit_FunctionDef  # type: ignore[assignment]

    def visit_Lambda(self, node: ast.Lambda) -> ast.AST:
        self.depth += 1
        try:
            node.body = self.visit(node.body)
        finally:
            self.depth -= 1
        return node

    def visit_UnaryOp(self, node: ast.UnaryOp) -> ast.AST:
        operand = node.operand
        if (
            self.depth
            and isinstance(node.op, (ast.USub, ast.UAdd))
            and isinstance(operand, ast.Constant)
            and type(operand.value) is float
        ):
            value = -operand.value if isinstance(node.op, ast.USub) else operand.value
            return self._param(value, node)
        self.generic_visit(node)
        return node

    def visit_Constant(self, node: ast.Constant) -> ast.AST:
        if self.depth and type(node.value) is float:
            return self._param(node.value, node)
        return node

    def visit_Subscript(self, node: ast.Subscript) -> ast.AST:
        if (self.depth and self.params_name is not None and isinstance(node.value, ast.Name)
                and node.value.id == self.params_name and isinstance(node.slice, ast.Constant)
                and type(node.slice.value) is int):
            slot = self.param_slots.get(node.slice.value)
            if slot is None:
                lifted = self._param(None, node)  # type: ignore[arg-type]
                self.param_slots[node.slice.value] = lifted.slice.value  # type: ignore[attr-defined]
                return lifted
            sub = ast.Subscript(value=ast.Name(PARAMS_NAME, ast.Load()), slice=ast.Constant(slot), ctx=ast.Load())
            for n in (sub, sub.value, sub.slice):
                ast.copy_location(n, node)
            return sub
        self.generic_visit(node)
        return node


def lift_constants(tree: ast.Module, params_name: str | None = None) -> tuple[ast.Module, list[float]]:
    """Replace the float literals inside function bodies by ``_P[i]``.

    A unary minus (or plus) on a float literal is folded in (``-0.5`` becomes one value, ``-0.5``).
    Indices follow AST traversal order (source order, except e.g. ``b if t else c`` visits ``t`` first).
    Int literals, literals in default argument values and module-level literals are left alone.

    With ``params_name`` (e.g. ``"params"``), subscripts ``params[j]`` with an int literal ``j`` are lifted
    too, each distinct ``j`` to one ``_P[i]`` in order of first appearance, with value ``None`` (they have
    no written value). The result is canonical: programs that differ only in their constants, or in which
    ``params`` index they use where, lift to the same tree.

    Returns:
        ``(lifted, values)``: a new tree (the argument is not modified) and the list of lifted values,
        ``len(values) == number of _P[i] introduced``.
    """
    lifter = _Lifter(params_name)
    lifted = lifter.visit(copy.deepcopy(tree))
    return ast.fix_missing_locations(lifted), lifter.values


def _shortest_literal(value: float, dtype: np.dtype) -> float:
    """The float64 whose repr is the shortest decimal that rounds to ``value`` in ``dtype``."""
    if dtype == np.float64 or not math.isfinite(value):
        return float(value)
    with np.errstate(over="ignore"):
        target = np.asarray(value, dtype=dtype)[()]
    if not np.isfinite(target):
        return float(target)
    candidates = [
        np.format_float_positional(target, unique=True, trim="0"),
        np.format_float_scientific(target, unique=True, trim="0"),
    ]
    for text in sorted(candidates, key=len):
        literal = float(text)
        if np.asarray(literal, dtype=dtype)[()] == target:  # guard against double rounding
            return literal
    return float(target)  # exact, hence round-trips


class _Lowerer(ast.NodeTransformer):
    def __init__(self, values: list[float], dtype: np.dtype) -> None:
        self.values = values
        self.dtype = dtype

    def visit_Subscript(self, node: ast.Subscript) -> ast.AST:
        if (
            isinstance(node.value, ast.Name)
            and node.value.id == PARAMS_NAME
            and isinstance(node.slice, ast.Constant)
            and type(node.slice.value) is int
        ):
            i = node.slice.value
            if not 0 <= i < len(self.values):
                raise ProgramError(f"{PARAMS_NAME}[{i}] is out of range ({len(self.values)} values)")
            literal = _shortest_literal(self.values[i], self.dtype)
            if math.copysign(1.0, literal) < 0:
                new: ast.AST = ast.UnaryOp(ast.USub(), ast.Constant(-literal))
            else:
                new = ast.Constant(literal)
            return ast.copy_location(new, node)
        self.generic_visit(node)
        return node


def lower_constants(lifted: ast.Module, values: Any, dtype: str = "float32") -> ast.Module:
    """Replace every ``_P[i]`` in a lifted tree by the literal ``values[i]``; inverse of lift.

    Each value is written as the shortest decimal that rounds back to the same number in ``dtype``
    (``"float32"``: e.g. ``0.1`` rather than ``0.10000000149011612``; ``"float64"``: ``repr``).
    Negative values become ``-literal`` (a unary minus on a positive constant), so the unparsed source
    reparses to the same tree.

    Args:
        lifted: a tree from :func:`lift_constants` (not modified).
        values: shape ``(n,)`` numbers (list, numpy or JAX array).
        dtype: the float dtype the values must round-trip in.

    Raises:
        ProgramError: an index is out of range of ``values``.
    """
    flat = [float(v) for v in np.asarray(values, dtype=np.float64).reshape(-1)]
    lowered = _Lowerer(flat, np.dtype(dtype)).visit(copy.deepcopy(lifted))
    return ast.fix_missing_locations(lowered)

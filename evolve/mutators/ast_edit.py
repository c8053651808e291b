"""What every GP operator is built from: where in a program's AST an operator may act, fresh numeric literals,
and the round trip of an EVOLVE block through a tree (:func:`edit_block`).

Operators only touch expressions inside function bodies: never function names, argument lists, default
values, decorators, assignment targets, attribute names (the ``exp`` of ``jnp.exp``), subscripts, the
callee of a call, integer arguments of calls (shapes, axes) or literal exponents of ``**``
(:func:`collect` lists the positions they may rewrite). They only write the binary operators the problem's
:class:`~evolve.mutators.extensions.Vocabulary` lists.
"""

from __future__ import annotations

import ast
import math
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np

from evolve.mutators.base import NotApplicable
from evolve.mutators.extensions import FittedParameters, vocabulary
from evolve.problem import Problem
from evolve.programs import program

BINOP_TYPES: dict[str, type[ast.operator]] = {
    "+": ast.Add,
    "-": ast.Sub,
    "*": ast.Mult,
    "/": ast.Div,
    "**": ast.Pow,
}
"""The binary operators a problem may allow (``Vocabulary.binops``), by how they are written."""

FunctionNode = ast.FunctionDef | ast.AsyncFunctionDef


# --------------------------------------------------------------------------------------------------
# Where an operator may act


@dataclass(frozen=True)
class Slot:
    """One expression position that operators may rewrite: ``parent.field`` (or ``parent.field[index]``)."""

    parent: ast.AST
    field: str
    index: int | None
    node: ast.expr
    func: FunctionNode
    literal: bool  # a numeric literal, sign folded (``2.0`` or ``-2.0``)
    root: bool  # the whole value of a statement (``return <e>``, ``y = <e>``)


def _is_number(value: object) -> bool:
    return isinstance(value, int | float) and not isinstance(value, bool)


def is_literal(node: ast.AST) -> bool:
    """Whether ``node`` is a numeric literal, a leading ``-``/``+`` folded in."""
    if isinstance(node, ast.UnaryOp) and isinstance(node.op, ast.USub | ast.UAdd):
        node = node.operand
    return isinstance(node, ast.Constant) and _is_number(node.value)


def literal_value(node: ast.AST) -> float:
    """The signed value of a numeric literal (see :func:`is_literal`)."""
    if isinstance(node, ast.UnaryOp):
        value = literal_value(node.operand)
        return -value if isinstance(node.op, ast.USub) else value
    assert isinstance(node, ast.Constant)
    return node.value


def literal_is_int(node: ast.AST) -> bool:
    """Whether ``node`` is an integer literal (a leading sign folded in)."""
    if isinstance(node, ast.UnaryOp):
        node = node.operand
    return isinstance(node, ast.Constant) and isinstance(node.value, int)


def collect(tree: ast.Module) -> list[Slot]:
    """Every expression position inside function bodies that operators may rewrite, in source order."""
    slots: list[Slot] = []

    def add(parent: ast.AST, field: str, index: int | None, node: ast.expr, func: FunctionNode,
            literal: bool) -> None:
        slots.append(Slot(parent, field, index, node, func, literal, root=isinstance(parent, ast.stmt)))

    def expr(parent: ast.AST, field: str, index: int | None, node: ast.expr, func: FunctionNode,
             role: str = "") -> None:
        if is_literal(node):
            protected = role == "exponent" or (role == "call_arg" and literal_is_int(node))
            if not protected:
                add(parent, field, index, node, func, literal=True)
            return
        if isinstance(node, ast.Name):
            if isinstance(node.ctx, ast.Load):
                add(parent, field, index, node, func, literal=False)
        elif isinstance(node, ast.Subscript):
            add(parent, field, index, node, func, literal=False)  # a leaf: its index is never touched
        elif isinstance(node, ast.BinOp):
            add(parent, field, index, node, func, literal=False)
            expr(node, "left", None, node.left, func)
            expr(node, "right", None, node.right, func, "exponent" if isinstance(node.op, ast.Pow) else "")
        elif isinstance(node, ast.UnaryOp):
            add(parent, field, index, node, func, literal=False)
            expr(node, "operand", None, node.operand, func)
        elif isinstance(node, ast.Call):
            add(parent, field, index, node, func, literal=False)
            branches = is_where(node)
            for i, arg in enumerate(node.args):
                if not isinstance(arg, ast.Starred):
                    # A where's branches are values (a policy's actions), not shapes or axes: never protected.
                    expr(node, "args", i, arg, func, "" if branches and i in (1, 2) else "call_arg")
            for keyword in node.keywords:
                expr(keyword, "value", None, keyword.value, func, "call_arg")
        elif isinstance(node, ast.IfExp):
            add(parent, field, index, node, func, literal=False)
            expr(node, "test", None, node.test, func)
            expr(node, "body", None, node.body, func)
            expr(node, "orelse", None, node.orelse, func)
        elif isinstance(node, ast.Compare):
            expr(node, "left", None, node.left, func)
            for i, comparator in enumerate(node.comparators):
                expr(node, "comparators", i, comparator, func)
        elif isinstance(node, ast.BoolOp):
            for i, value in enumerate(node.values):
                expr(node, "values", i, value, func)
        elif isinstance(node, ast.Tuple | ast.List) and isinstance(node.ctx, ast.Load):
            for i, element in enumerate(node.elts):
                if not isinstance(element, ast.Starred):
                    expr(node, "elts", i, element, func)
        elif isinstance(node, ast.Lambda):
            expr(node, "body", None, node.body, func)
        # Anything else (attributes, strings, comprehensions, f-strings...) is left alone.

    def statements(body: list[ast.stmt], func: FunctionNode | None) -> None:
        for stmt in body:
            if isinstance(stmt, ast.FunctionDef | ast.AsyncFunctionDef):
                statements(stmt.body, stmt)
                continue
            if isinstance(stmt, ast.ClassDef):
                statements(stmt.body, None)
                continue
            if func is not None:
                if isinstance(stmt, ast.Assign | ast.AugAssign | ast.AnnAssign | ast.Return | ast.Expr):
                    if stmt.value is not None:
                        expr(stmt, "value", None, stmt.value, func)
                elif isinstance(stmt, ast.If | ast.While):
                    expr(stmt, "test", None, stmt.test, func)
            for name in ("body", "orelse", "finalbody"):
                statements(getattr(stmt, name, None) or [], func)
            for handler in getattr(stmt, "handlers", None) or []:
                statements(handler.body, func)

    statements(tree.body, None)
    return slots


def is_where(node: ast.AST) -> bool:
    """Whether ``node`` is a three-argument ``jnp.where`` (a policy's branch)."""
    return (isinstance(node, ast.Call) and isinstance(node.func, ast.Attribute) and node.func.attr == "where"
            and len(node.args) == 3)


def replace(slot: Slot, new: ast.expr) -> None:
    """Put ``new`` where ``slot.node`` was (in place, on a tree the operator owns)."""
    if slot.index is None:
        setattr(slot.parent, slot.field, new)
    else:
        getattr(slot.parent, slot.field)[slot.index] = new


def pick(items: Sequence, rng: np.random.Generator) -> Any:
    """One of ``items``, drawn uniformly (one draw of ``rng``)."""
    return items[int(rng.integers(len(items)))]


def pick_literal(slots: Sequence[Slot], rng: np.random.Generator, missing: str) -> Slot:
    """One of the ``slots`` that holds a numeric literal, drawn uniformly; :class:`NotApplicable` with ``missing``
    when none does."""
    literal = [s for s in slots if s.literal]
    if not literal:
        raise NotApplicable(missing)
    return pick(literal, rng)


def size(node: ast.AST) -> int:
    """How many AST nodes ``node`` holds, itself included."""
    return sum(1 for _ in ast.walk(node))


def params_arg(problem: Problem) -> str | None:
    """The name of the entrypoint's argument that holds fitted parameters (:class:`FittedParameters`); None
    when the problem fits none."""
    fitted = problem.extension(FittedParameters)
    return fitted.arg if fitted is not None else None


def is_params(node: ast.AST, problem: Problem) -> bool:
    """Whether ``node`` is ``params[i]`` of the problem's fitted-parameters argument."""
    arg = params_arg(problem)
    return (arg is not None and isinstance(node, ast.Subscript) and isinstance(node.value, ast.Name)
            and node.value.id == arg)


# --------------------------------------------------------------------------------------------------
# Numbers


def number(value: float) -> ast.expr:
    """A literal for ``value``; negative values become ``-c`` so that ``ast.unparse`` parenthesises them."""
    value = float(value)
    if value == 0.0:
        value = 0.0  # no "-0.0"
    if value < 0 or (value == 0 and math.copysign(1.0, value) < 0):
        return ast.UnaryOp(op=ast.USub(), operand=ast.Constant(-value))
    return ast.Constant(value)


def round32(value: float) -> float:
    """``value`` rounded to float32 and written back as its shortest round-tripping decimal."""
    single = np.float32(value)
    if not np.isfinite(single):
        return float(value)
    return float(str(single))


def short(value: float, digits: int = 3) -> float:
    """``value`` rounded to a few significant digits (fresh constants stay readable)."""
    value = float(f"{value:.{digits}g}")
    return 0.0 if value == 0 else value


# --------------------------------------------------------------------------------------------------
# Block handling


def split(source: str) -> tuple[str, str, str]:
    """``source`` as (code before its EVOLVE block, the block, code after).

    Raises:
        NotApplicable: the markers are malformed.
    """
    try:
        return program.split_block(source)
    except program.ProgramError as exc:
        raise NotApplicable(f"the parent's EVOLVE markers are malformed: {exc}") from exc


def parse_block(block: str) -> ast.Module:
    """The tree of an EVOLVE block.

    Raises:
        NotApplicable: the block does not parse.
    """
    try:
        return program.parse(block)
    except program.ProgramError as exc:
        raise NotApplicable(f"the parent's EVOLVE block does not parse: {exc}") from exc


def edit_block(source: str, edit: Callable[[ast.Module], None]) -> str:
    """Apply ``edit`` (in place) to a fresh tree of ``source``'s EVOLVE block; return the new full source."""
    prefix, block, suffix = split(source)
    tree = parse_block(block)
    edit(tree)
    ast.fix_missing_locations(tree)
    return program.join_block(prefix, ast.unparse(tree), suffix)


def allowed_ops(problem: Problem) -> list[str]:
    """The binary operators the problem lets operators write, each once.

    Raises:
        ValueError: the problem names an operator that is not one of :data:`BINOP_TYPES`.
    """
    binops = vocabulary(problem).binops
    unknown = [op for op in binops if op not in BINOP_TYPES]
    if unknown:
        raise ValueError(
            f"problem {problem.name!r}: unknown binops {unknown}; use some of {list(BINOP_TYPES)}"
        )
    return list(dict.fromkeys(binops))


def binop(left: ast.expr, op: str, right: ast.expr) -> ast.BinOp:
    """``left op right``, ``op`` written as in :data:`BINOP_TYPES`."""
    return ast.BinOp(left=left, op=BINOP_TYPES[op](), right=right)


def jnp_call(name: str, arg: ast.expr) -> ast.Call:
    """``jnp.<name>(arg)``."""
    return ast.Call(func=ast.Attribute(value=ast.Name(id="jnp", ctx=ast.Load()), attr=name, ctx=ast.Load()),
                    args=[arg], keywords=[])


def arg_names(func: FunctionNode, problem: Problem | None = None) -> list[str]:
    """The function's arguments that are variables (the problem's fitted-parameters argument is not)."""
    args = func.args
    skip = params_arg(problem) if problem is not None else None
    return [a.arg for a in (*args.posonlyargs, *args.args, *args.kwonlyargs) if a.arg != skip]


def entry_arg_names(tree: ast.Module, problem: Problem) -> list[str] | None:
    """The variables ``tree``'s entrypoint takes (its fitted-parameters argument left out); None without one."""
    return next((arg_names(n, problem) for n in ast.walk(tree)
                 if isinstance(n, FunctionNode) and n.name == problem.entrypoint), None)


def seed_arg_names(problem: Problem) -> list[str] | None:
    """The variables the seed's entrypoint takes; None when the seed does not parse or lacks it."""
    try:
        return entry_arg_names(program.parse(problem.seed), problem)
    except program.ProgramError:
        return None


def seed_variables(problem: Problem) -> int:
    """How many variables the seed's entrypoint takes (its fitted-parameters argument left out)."""
    return len(seed_arg_names(problem) or [])

"""The offline genetic-programming mutator: AST operators that need no network.

Every operator is a pure function of a parent's source (two for :func:`crossover`), the problem and a
``numpy`` random generator: it parses the parent's EVOLVE block (the whole source when it has no markers),
edits a fresh tree, unparses it and joins it back with the untouched code around the block. The same
generator state always gives the same child.

Operators only touch expressions inside function bodies: never function names, argument lists, default
values, decorators, assignment targets, attribute names (the ``exp`` of ``jnp.exp``), subscripts, the
callee of a call, integer arguments of calls (shapes, axes) or literal exponents of ``**``. They only write
the binary operators listed in ``problem.binops``.
"""

from __future__ import annotations

import ast
import copy
import math
from collections import OrderedDict
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np

from evolve import program
from evolve.mutators import terms
from evolve.mutators.base import NotApplicable, Parent, Proposal
from evolve.optimize import bfgs
from evolve.problem import Problem

OPERATORS = (
    "perturb_constant",
    "replace_constant",
    "swap_operator",
    "insert_term",
    "delete_subexpression",
    "crossover",
    "tune_constants",
    "insert_unary",
    "add_param_term",
    "remove_term",
    "replace_variable",
    "simplify_constants",
    "multiply_factor",
    "multiply_shape",
    "add_residual_term",
    "insert_where",
    "add_feature_term",
    "replace_action",
    "insert_rational",
    "name_square",
    "square_half",
    "write_structure",
)

DEFAULT_WEIGHTS: dict[str, float] = {
    "perturb_constant": 3.0,
    "replace_constant": 1.0,
    "swap_operator": 1.5,
    "insert_term": 2.0,
    "delete_subexpression": 1.0,
    "crossover": 1.0,
    "tune_constants": 1.0,
    "insert_unary": 1.0,
    "add_param_term": 1.5,
    "remove_term": 0.5,
    "replace_variable": 0.5,
    "simplify_constants": 0.5,
    "multiply_factor": 1.5,
    "multiply_shape": 1.0,
    "add_residual_term": 1.0,
    "insert_where": 1.5,
    "add_feature_term": 1.5,
    "replace_action": 1.0,
    "insert_rational": 1.0,
    "name_square": 0.5,
    "square_half": 0.25,
    "write_structure": 1.0,
}

_BINOP_TYPES: dict[str, type[ast.operator]] = {
    "+": ast.Add,
    "-": ast.Sub,
    "*": ast.Mult,
    "/": ast.Div,
    "**": ast.Pow,
}

# Fresh values for ``replace_constant``; a normal sample is added at draw time.
_FRESH_CONSTANTS = (0.0, 0.5, 1.0, 2.0, -1.0, math.log(2.0))

_FunctionNode = ast.FunctionDef | ast.AsyncFunctionDef


# --------------------------------------------------------------------------------------------------
# Where an operator may act


@dataclass(frozen=True)
class _Slot:
    """One expression position that operators may rewrite: ``parent.field`` (or ``parent.field[index]``)."""

    parent: ast.AST
    field: str
    index: int | None
    node: ast.expr
    func: _FunctionNode
    literal: bool  # a numeric literal, sign folded (``2.0`` or ``-2.0``)
    root: bool  # the whole value of a statement (``return <e>``, ``y = <e>``)


def _is_number(value: object) -> bool:
    return isinstance(value, int | float) and not isinstance(value, bool)


def _is_literal(node: ast.AST) -> bool:
    """Whether ``node`` is a numeric literal, a leading ``-``/``+`` folded in."""
    if isinstance(node, ast.UnaryOp) and isinstance(node.op, ast.USub | ast.UAdd):
        node = node.operand
    return isinstance(node, ast.Constant) and _is_number(node.value)


def _literal_value(node: ast.AST) -> float:
    """The signed value of a numeric literal (see :func:`_is_literal`)."""
    if isinstance(node, ast.UnaryOp):
        value = _literal_value(node.operand)
        return -value if isinstance(node.op, ast.USub) else value
    assert isinstance(node, ast.Constant)
    return node.value


def _literal_is_int(node: ast.AST) -> bool:
    if isinstance(node, ast.UnaryOp):
        node = node.operand
    return isinstance(node, ast.Constant) and isinstance(node.value, int)


def _collect(tree: ast.Module) -> list[_Slot]:
    """Every expression position inside function bodies that operators may rewrite, in source order."""
    slots: list[_Slot] = []

    def add(parent: ast.AST, field: str, index: int | None, node: ast.expr, func: _FunctionNode,
            literal: bool) -> None:
        slots.append(_Slot(parent, field, index, node, func, literal, root=isinstance(parent, ast.stmt)))

    def expr(parent: ast.AST, field: str, index: int | None, node: ast.expr, func: _FunctionNode,
             role: str = "") -> None:
        if _is_literal(node):
            protected = role == "exponent" or (role == "call_arg" and _literal_is_int(node))
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
            branches = _where(node)
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

    def statements(body: list[ast.stmt], func: _FunctionNode | None) -> None:
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


def _replace(slot: _Slot, new: ast.expr) -> None:
    """Put ``new`` where ``slot.node`` was (in place, on a tree the operator owns)."""
    if slot.index is None:
        setattr(slot.parent, slot.field, new)
    else:
        getattr(slot.parent, slot.field)[slot.index] = new


def _pick(items: Sequence, rng: np.random.Generator):
    return items[int(rng.integers(len(items)))]


def _size(node: ast.AST) -> int:
    return sum(1 for _ in ast.walk(node))


# --------------------------------------------------------------------------------------------------
# Numbers


def _number(value: float) -> ast.expr:
    """A literal for ``value``; negative values become ``-c`` so that ``ast.unparse`` parenthesises them."""
    value = float(value)
    if value == 0.0:
        value = 0.0  # no "-0.0"
    if value < 0 or (value == 0 and math.copysign(1.0, value) < 0):
        return ast.UnaryOp(op=ast.USub(), operand=ast.Constant(-value))
    return ast.Constant(value)


def _round32(value: float) -> float:
    """``value`` rounded to float32 and written back as its shortest round-tripping decimal."""
    single = np.float32(value)
    if not np.isfinite(single):
        return float(value)
    return float(str(single))


def _short(value: float, digits: int = 3) -> float:
    """``value`` rounded to a few significant digits (fresh constants stay readable)."""
    value = float(f"{value:.{digits}g}")
    return 0.0 if value == 0 else value


def _perturbed(old: float, rng: np.random.Generator) -> float:
    """``old * (1 + eps)``, ``eps ~ N(0, s)`` with ``s`` log-uniform in [1e-7, 1e-1], rounded to float32.

    Zero gets a small absolute move instead. A move that float32 rounding would undo becomes a move to
    the neighbouring float32 in the same direction: one-ULP steps are what fine-tuning needs.
    """
    s = 10.0 ** rng.uniform(-7.0, -1.0)
    eps = rng.normal(0.0, s)
    if old == 0:
        return _round32(rng.normal(0.0, 10.0 ** rng.uniform(-4.0, -1.0)))
    new = _round32(old * (1.0 + eps))
    start = np.float32(old)
    if np.float32(new) == start and eps != 0 and np.isfinite(start):
        target = np.float32(np.inf if old * eps > 0 else -np.inf)
        new = _round32(float(np.nextafter(start, target)))
    return new


# --------------------------------------------------------------------------------------------------
# Block handling


def _split(source: str) -> tuple[str, str, str]:
    try:
        return program.split_block(source)
    except program.ProgramError as exc:
        raise NotApplicable(f"the parent's EVOLVE markers are malformed: {exc}") from exc


def _parse_block(block: str) -> ast.Module:
    try:
        return program.parse(block)
    except program.ProgramError as exc:
        raise NotApplicable(f"the parent's EVOLVE block does not parse: {exc}") from exc


def _edit(source: str, edit: Callable[[ast.Module], None]) -> str:
    """Apply ``edit`` (in place) to a fresh tree of ``source``'s EVOLVE block; return the new full source."""
    prefix, block, suffix = _split(source)
    tree = _parse_block(block)
    edit(tree)
    ast.fix_missing_locations(tree)
    return program.join_block(prefix, ast.unparse(tree), suffix)


def _allowed_ops(problem: Problem) -> list[str]:
    unknown = [op for op in problem.binops if op not in _BINOP_TYPES]
    if unknown:
        raise ValueError(
            f"problem {problem.name!r}: unknown binops {unknown}; use some of {list(_BINOP_TYPES)}"
        )
    return list(dict.fromkeys(problem.binops))


def _binop(left: ast.expr, op: str, right: ast.expr) -> ast.BinOp:
    return ast.BinOp(left=left, op=_BINOP_TYPES[op](), right=right)


def _arg_names(func: _FunctionNode, problem: Problem | None = None) -> list[str]:
    """The function's arguments that are variables (the problem's fitted-parameters argument is not)."""
    args = func.args
    skip = problem.params_arg if problem is not None else None
    return [a.arg for a in (*args.posonlyargs, *args.args, *args.kwonlyargs) if a.arg != skip]


# --------------------------------------------------------------------------------------------------
# Operators


def perturb_constant(source: str, problem: Problem, rng: np.random.Generator) -> str:
    """Multiply one numeric literal by ``1 + eps`` (small, log-uniformly scaled relative move).

    Raises:
        NotApplicable: the block has no numeric literal that may change.
    """

    def edit(tree: ast.Module) -> None:
        slots = [s for s in _collect(tree) if s.literal]
        if not slots:
            raise NotApplicable("no numeric constant to perturb")
        slot = _pick(slots, rng)
        _replace(slot, _number(_perturbed(_literal_value(slot.node), rng)))

    return _edit(source, edit)


def replace_constant(source: str, problem: Problem, rng: np.random.Generator) -> str:
    """Replace one numeric literal by a fresh value (0, 0.5, 1, 2, -1, ln 2 or a normal sample).

    Raises:
        NotApplicable: the block has no numeric literal that may change.
    """

    def edit(tree: ast.Module) -> None:
        slots = [s for s in _collect(tree) if s.literal]
        if not slots:
            raise NotApplicable("no numeric constant to replace")
        slot = _pick(slots, rng)
        old = _literal_value(slot.node)
        fresh = [_round32(v) for v in _FRESH_CONSTANTS] + [_short(rng.normal(0.0, 1.0))]
        choices = [v for v in fresh if v != old] or fresh
        _replace(slot, _number(_pick(choices, rng)))

    return _edit(source, edit)


def swap_operator(source: str, problem: Problem, rng: np.random.Generator) -> str:
    """Change one binary operator to a different one among ``problem.binops``.

    Raises:
        NotApplicable: no binary operation, or no other allowed operator to swap in.
    """
    allowed = _allowed_ops(problem)

    def alternatives(node: ast.BinOp) -> list[str]:
        return [op for op in allowed if not isinstance(node.op, _BINOP_TYPES[op])]

    def edit(tree: ast.Module) -> None:
        slots = [s for s in _collect(tree) if isinstance(s.node, ast.BinOp) and alternatives(s.node)]
        if not slots:
            raise NotApplicable("no binary operation whose operator could be swapped")
        node = _pick(slots, rng).node
        assert isinstance(node, ast.BinOp)
        node.op = _BINOP_TYPES[_pick(alternatives(node), rng)]()

    return _edit(source, edit)


def _named_before(slot: _Slot) -> list[str]:
    """Names assigned by plain statements of the enclosing function before the statement holding ``slot``
    (``u = x * x``): values a new term may reuse."""
    names: list[str] = []
    for stmt in slot.func.body:
        if any(node is slot.node for node in ast.walk(stmt)):
            break
        if isinstance(stmt, ast.Assign):
            names += [t.id for t in stmt.targets if isinstance(t, ast.Name)]
    return list(dict.fromkeys(names))


def _term_variable(slot: _Slot, slots: list[_Slot], rng: np.random.Generator,
                   problem: Problem | None = None) -> ast.expr | None:
    """A variable for a new term: an argument of the enclosing function or a value named before it (``u`` of
    ``u = x * x``), sometimes a small subexpression."""
    names = _arg_names(slot.func, problem) + _named_before(slot)
    pool = [
        s.node
        for s in slots
        if s.func is slot.func
        and not s.literal
        and not isinstance(s.node, ast.Name)
        and _size(s.node) <= 7
    ]
    if names and (not pool or rng.random() < 0.75):
        return ast.Name(id=_pick(names, rng), ctx=ast.Load())
    if pool:
        return copy.deepcopy(_pick(pool, rng))
    return None


def insert_term(source: str, problem: Problem, rng: np.random.Generator) -> str:
    """Replace a subexpression ``e`` by a bigger one that extends it.

    The forms (each offered only when its operators are in ``problem.binops``): ``e + c*v``,
    ``e * (c + c2*v)``, ``e + c``, ``e * c``, ``e OP v`` and, for a constant, the Horner step
    ``c -> (c + c2*v)``. ``v`` is an argument of the enclosing function (sometimes a small
    subexpression of it); the new constants are small (additive) or near 1 (multiplicative).

    Raises:
        NotApplicable: no expression to extend, or no form the allowed operators can write.
    """
    allowed = _allowed_ops(problem)
    add = next((op for op in ("+", "-") if op in allowed), None)
    fac = next((op for op in ("*", "/") if op in allowed), None)
    mul = "*" in allowed

    def small() -> float:
        return _short(rng.normal(0.0, 0.1))

    def near_one() -> ast.expr:
        return _number(_short(1.0 + rng.normal(0.0, 0.1)))

    def plus(left: ast.expr, coef: float, right: ast.expr | None = None) -> ast.expr:
        """``left + coef * right`` (``left + coef`` without ``right``), as ``left - |coef|...`` if it can."""
        op = add
        if coef < 0 and "-" in allowed:
            op, coef = "-", -coef
        term = _number(coef) if right is None else _binop(_number(coef), "*", right)
        return _binop(left, op, term)

    def edit(tree: ast.Module) -> None:
        slots = _collect(tree)
        if not slots:
            raise NotApplicable("no expression to extend")
        slot = _pick(slots, rng)
        e = slot.node
        v = _term_variable(slot, slots, rng, problem)
        forms: list[Callable[[], ast.expr]] = []
        if v is not None and add and mul:
            forms.append(lambda: plus(e, small(), v))  # e + c*v; for a constant, the Horner step
            if fac:
                forms.append(lambda: _binop(e, fac, plus(near_one(), small(), v)))  # e * (c + c2*v)
            if slot.literal:  # favour Horner growth c -> (c + c2*v) for constants
                forms += [lambda: plus(e, small(), v)] * 2
        if add:
            forms.append(lambda: plus(e, small()))
        if fac:
            forms.append(lambda: _binop(e, fac, near_one()))
        if v is not None and allowed:
            forms.append(lambda: _binop(e, _pick(allowed, rng), v))
        if not forms:
            raise NotApplicable(f"binops {allowed} cannot write any insert_term form")
        _replace(slot, _pick(forms, rng)())

    return _edit(source, edit)


def insert_rational(source: str, problem: Problem, rng: np.random.Generator) -> str:
    """Turn a subexpression ``e`` (the whole result half of the time) into a rational one,
    ``e / (1 + c*v)`` with a small ``c``: a denominator that ``insert_term`` then grows, and the constant fitter
    fits with the numerator. The ``1`` is an integer, so no fit moves it (``p / q`` is fixed only up to a
    common factor otherwise).

    Raises:
        NotApplicable: the problem's operators cannot divide or add, or there is nothing to divide.
    """
    allowed = _allowed_ops(problem)
    if "/" not in allowed or "+" not in allowed or "*" not in allowed:
        raise NotApplicable("a rational needs + * and / among the problem's binops")

    def edit(tree: ast.Module) -> None:
        slots = [s for s in _collect(tree) if not s.literal]
        if not slots:
            raise NotApplicable("no expression to divide")
        roots = [s for s in slots if s.root and isinstance(s.parent, ast.Return)]
        slot = _pick(roots, rng) if roots and rng.random() < 0.5 else _pick(slots, rng)
        v = _term_variable(slot, _collect(tree), rng, problem)
        if v is None:
            raise NotApplicable("no variable for the denominator")
        denominator = _binop(ast.Constant(1), "+", _binop(_number(_short(rng.normal(0.0, 0.1))), "*", v))
        _replace(slot, _binop(slot.node, "/", denominator))

    return _edit(source, edit)


def _fresh_name(func: _FunctionNode, stem: str) -> str:
    taken = {n.id for n in ast.walk(func) if isinstance(n, ast.Name)} | set(_arg_names(func))
    return next(f"{stem}{i}" for i in range(len(taken) + 1) if f"{stem}{i}" not in taken)


def name_square(source: str, problem: Problem, rng: np.random.Generator) -> str:
    """Name the square of a variable, ``u = v * v`` (``v`` an argument or a value named earlier), and use it
    for one occurrence of ``v`` in the result: one multiplication that later terms reuse for free (a reused
    value counts once), the step from ``q(x)`` to ``q(x * x)`` that odd and even functions need.

    Raises:
        NotApplicable: no multiplication allowed, or no variable in the result.
    """
    if "*" not in _allowed_ops(problem):
        raise NotApplicable("naming a square needs * among the problem's binops")

    def edit(tree: ast.Module) -> None:
        slots = [s for s in _collect(tree) if isinstance(s.node, ast.Name)
                 and isinstance(s.func.body[-1], ast.Return)
                 and any(n is s.node for n in ast.walk(s.func.body[-1]))]
        slots = [s for s in slots if s.node.id in _arg_names(s.func, problem) + _named_before(s)]
        if not slots:
            raise NotApplicable("no variable in the result to square")
        slot = _pick(slots, rng)
        var = slot.node.id
        name = _fresh_name(slot.func, "u")
        assign = ast.Assign(targets=[ast.Name(name, ast.Store())],
                            value=_binop(ast.Name(var, ast.Load()), "*", ast.Name(var, ast.Load())))
        slot.func.body.insert(len(slot.func.body) - 1, assign)
        _replace(slot, ast.Name(name, ast.Load()))

    return _edit(source, edit)


class _Substitute(ast.NodeTransformer):
    def __init__(self, name: str, new: ast.expr) -> None:
        self.name, self.new = name, new

    def visit_Name(self, node: ast.Name) -> ast.AST:
        return copy.deepcopy(self.new) if node.id == self.name and isinstance(node.ctx, ast.Load) else node


def square_half(source: str, problem: Problem, rng: np.random.Generator) -> str:
    """Write the result ``r(x)`` as ``h * h`` with ``h = r(x * 0.5)``: the argument halved and the result
    squared, the doubling step of exponentials (``2**x = (2**(x/2))**2``) that lets a lower-degree ``r`` on half
    the range do the work. The function must end in ``return r`` over its first argument; the halving is
    applied there only, so earlier named values keep the full argument.

    Raises:
        NotApplicable: no ``*``, or no final return over the first argument.
    """
    if "*" not in _allowed_ops(problem):
        raise NotApplicable("squaring needs * among the problem's binops")

    def edit(tree: ast.Module) -> None:
        funcs = [n for n in ast.walk(tree) if isinstance(n, _FunctionNode) and n.name == problem.entrypoint]
        if not funcs or not funcs[0].body or not isinstance(funcs[0].body[-1], ast.Return):
            raise NotApplicable("no final return to square")
        func = funcs[0]
        args = _arg_names(func, problem)
        ret = func.body[-1]
        if not args or ret.value is None or not any(isinstance(n, ast.Name) and n.id == args[0]
                                                    for n in ast.walk(ret.value)):
            raise NotApplicable("the result does not use the first argument")
        half = _binop(ast.Name(args[0], ast.Load()), "*", ast.Constant(0.5))
        name = _fresh_name(func, "h")
        body = _Substitute(args[0], half).visit(ret.value)
        func.body[-1:] = [ast.Assign(targets=[ast.Name(name, ast.Store())], value=body),
                          ast.Return(_binop(ast.Name(name, ast.Load()), "*", ast.Name(name, ast.Load())))]

    return _edit(source, edit)


def write_structure(source: str, problem: Problem, rng: np.random.Generator) -> str:
    """Replace the parent's EVOLVE block by one of the problem's own structures (``Problem.structures``: a
    Horner polynomial or a rational of some degree, its constants placeholders for the fit that follows), so
    the search holds the classical forms beside what it grows. An entry that is a family is one pick, then one
    of its members.

    Raises:
        NotApplicable: the problem lists no structure.
    """
    if not problem.structures:
        raise NotApplicable(f"problem {problem.name!r} lists no structure to write")
    prefix, _, suffix = _split(source)
    entry = _pick(problem.structures, rng)
    _, block, _ = _split(entry if isinstance(entry, str) else _pick(entry, rng))
    return program.join_block(prefix, block, suffix) if prefix or suffix else block


def _deletions(node: ast.expr) -> list[ast.expr]:
    """What ``node`` may shrink to: an operand of an operation, an argument of a call, a branch."""
    if isinstance(node, ast.BinOp):
        return [node.left, node.right]
    if isinstance(node, ast.UnaryOp) and not _is_literal(node):
        return [node.operand]
    if isinstance(node, ast.Call):
        return [a for a in node.args if not isinstance(a, ast.Starred)]
    if isinstance(node, ast.IfExp):
        return [node.body, node.orelse]
    return []


def delete_subexpression(source: str, problem: Problem, rng: np.random.Generator) -> str:
    """Replace a binary operation by one of its operands (a unary operation, call or conditional
    expression by its operand, one of its arguments or one of its branches).

    Raises:
        NotApplicable: nothing in the block can shrink.
    """

    def edit(tree: ast.Module) -> None:
        slots = [s for s in _collect(tree) if _deletions(s.node)]
        if not slots:
            raise NotApplicable("no operation or call to delete")
        slot = _pick(slots, rng)
        _replace(slot, _pick(_deletions(slot.node), rng))

    return _edit(source, edit)


def crossover(source: str, other: str, problem: Problem, rng: np.random.Generator) -> str:
    """Replace a random subexpression of ``source`` by a random subexpression of ``other``.

    Both act on their EVOLVE blocks; the code around ``source``'s block is kept. The replaced
    subexpression is not the whole value of a statement when a smaller one exists (so the child
    keeps material from both parents), and the donor differs from what it replaces when possible.

    Raises:
        NotApplicable: either block has no expression to exchange.
    """
    _, other_block, _ = _split(other)
    donors = _collect(_parse_block(other_block))
    if not donors:
        raise NotApplicable("the second parent has no expression to give")

    def edit(tree: ast.Module) -> None:
        slots = _collect(tree)
        inner = [s for s in slots if not s.root]
        slots = inner or slots
        if not slots:
            raise NotApplicable("the first parent has no expression to replace")
        for _ in range(16):
            slot, donor = _pick(slots, rng), _pick(donors, rng)
            if ast.dump(slot.node) != ast.dump(donor.node):
                break
        _replace(slot, copy.deepcopy(donor.node))

    return _edit(source, edit)


def _is_params(node: ast.AST, problem: Problem) -> bool:
    """Whether ``node`` is ``params[i]`` of the problem's fitted-parameters argument."""
    return (problem.params_arg is not None and isinstance(node, ast.Subscript) and isinstance(node.value, ast.Name)
            and node.value.id == problem.params_arg)


def _expression_slots(tree: ast.Module, problem: Problem, purpose: str) -> list[_Slot]:
    """Slots holding an expression that is neither a literal nor a bare fitted ``params[i]``.

    Raises:
        NotApplicable: there is none (``purpose`` says what for).
    """
    slots = [s for s in _collect(tree) if not s.literal and not _is_params(s.node, problem)]
    if not slots:
        raise NotApplicable(f"no subexpression to {purpose}")
    return slots


def _jnp_call(name: str, arg: ast.expr) -> ast.Call:
    return ast.Call(func=ast.Attribute(value=ast.Name(id="jnp", ctx=ast.Load()), attr=name, ctx=ast.Load()),
                    args=[arg], keywords=[])


def insert_unary(source: str, problem: Problem, rng: np.random.Generator) -> str:
    """Wrap a subexpression (not a bare constant) in one of ``problem.unary_functions``: ``e -> jnp.sin(e)``.

    Raises:
        NotApplicable: the problem allows no unary function, or there is nothing to wrap.
    """
    if not problem.unary_functions:
        raise NotApplicable(f"problem {problem.name!r} allows no unary functions")

    def edit(tree: ast.Module) -> None:
        slot = _pick(_expression_slots(tree, problem, "wrap in a function"), rng)
        _replace(slot, _jnp_call(_pick(problem.unary_functions, rng), slot.node))

    return _edit(source, edit)


def _params_used(tree: ast.Module, problem: Problem) -> set[int]:
    return {n.slice.value for n in ast.walk(tree) if _is_params(n, problem) and isinstance(n.slice, ast.Constant)
            and type(n.slice.value) is int}


def _free_params(tree: ast.Module, problem: Problem) -> list[int]:
    """Indices of the problem's fitted parameters the program does not use yet, lowest first."""
    return [k for k in range(problem.max_params) if k not in _params_used(tree, problem)]


def _param(problem: Problem, k: int) -> ast.Subscript:
    """``params[k]`` of the problem's fitted-parameters argument."""
    return ast.Subscript(value=ast.Name(id=problem.params_arg, ctx=ast.Load()), slice=ast.Constant(k),
                         ctx=ast.Load())


def add_param_term(source: str, problem: Problem, rng: np.random.Generator) -> str:
    """Add a term with a new fitted parameter to a whole returned or assigned value: ``e -> e + params[k] * t``,
    ``t`` a variable, a product of two variables, a variable squared, or a unary function of a variable.

    Raises:
        NotApplicable: the problem fits no parameters, all of them are in use, or there is no value to extend.
    """
    if problem.params_arg is None or problem.max_params < 1:
        raise NotApplicable(f"problem {problem.name!r} has no fitted parameters")

    def edit(tree: ast.Module) -> None:
        free = _free_params(tree, problem)
        if not free:
            raise NotApplicable(f"all {problem.max_params} parameters are in use")
        slots = [s for s in _collect(tree) if s.root]
        if not slots:
            raise NotApplicable("no returned or assigned value to extend")
        slot = _pick(slots, rng)
        names = _arg_names(slot.func, problem)
        if not names:
            raise NotApplicable("the function has no variable to make a term of")

        def var() -> ast.expr:
            return ast.Name(id=_pick(names, rng), ctx=ast.Load())

        forms: list[Callable[[], ast.expr]] = [var, var, lambda: _binop(var(), "*", var()),
                                               lambda: ast.BinOp(var(), ast.Pow(), ast.Constant(2))]
        if problem.unary_functions:
            forms.append(lambda: _jnp_call(_pick(problem.unary_functions, rng), var()))
        _replace(slot, ast.BinOp(slot.node, ast.Add(), _binop(_param(problem, free[0]), "*", _pick(forms, rng)())))

    return _edit(source, edit)


def multiply_factor(source: str, problem: Problem, rng: np.random.Generator) -> str:
    """Multiply a subexpression by a factor of one variable: ``e -> e * x ** params[k]`` (a power law with a
    fitted exponent), ``e * x`` or ``e / x``. Sums of terms are what ``add_param_term`` builds; products,
    ratios and powers of the variables, what laws of physics are mostly made of, come from here.

    Raises:
        NotApplicable: the problem fits no parameters, or its formula has no variable.
    """
    if problem.params_arg is None:
        raise NotApplicable(f"problem {problem.name!r} has no fitted parameters")

    def edit(tree: ast.Module) -> None:
        slots = [s for s in _collect(tree) if not s.literal]
        if not slots:
            raise NotApplicable("no subexpression to multiply")
        slot = _pick(slots, rng)
        names = _arg_names(slot.func, problem)
        if not names:
            raise NotApplicable("the function has no variable to make a factor of")
        var = ast.Name(id=_pick(names, rng), ctx=ast.Load())
        free = _free_params(tree, problem)
        forms = ["*", "/"]
        if free:
            forms.append("**")
        form = _pick(forms, rng)
        if form == "**":
            exponent = _param(problem, free[0])
            _replace(slot, _binop(slot.node, "*", ast.BinOp(var, ast.Pow(), exponent)))
        else:
            _replace(slot, _binop(slot.node, form, var))

    return _edit(source, edit)


_PROBE = 0.123456789012345
"""A literal no formula writes, marking where :func:`add_residual_term` probes the formula's sensitivity."""


def _residual_slots(tree: ast.Module, problem: Problem) -> list[_Slot]:
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
    centre = _short(low + at * (high - low))
    if form == "saturating":  # x / (|k| + x)
        return _binop(x, "/", ast.BinOp(_jnp_call("abs", _number(centre)), ast.Add(), ast.Name(id=var, ctx=ast.Load())))
    # exp(-((x - c) / s) ** 2): an optimum at c, falling to exp(-1) at c +- s
    width = _short(spread * (high - low) if high > low else max(abs(high), 1.0))
    scaled = _binop(ast.BinOp(x, ast.Sub(), _number(centre)), "/", _number(width))
    return _jnp_call("exp", ast.UnaryOp(ast.USub(), ast.BinOp(scaled, ast.Pow(), ast.Constant(2))))


def _shape_library(problem: Problem, names: Sequence[str]) -> list[terms.Term]:
    """The shapes guided ``multiply_shape`` chooses among, for the variables (by the data's names) whose range
    is non-negative: saturations at 1/8 to all of the range, optima centred across it at two widths."""
    out = []
    for var in names:
        low, high = problem.input_ranges.get(var, (-1.0, 0.0))
        if low < 0:
            continue
        shapes = [("saturating", at, 0.25) for at in (0.125, 0.25, 0.5, 1.0)]
        shapes += [("optimum", at, spread) for at in (0.1, 0.3, 0.5, 0.7, 0.9) for spread in (0.25, 0.5)]
        out += [terms.Term(ast.unparse(_shape(form, var, low, high, at, spread)), SHAPE_CONSTANTS[form], 0, var)
                for form, at, spread in shapes]
    return out


SHAPE_CONSTANTS = {"saturating": 1, "optimum": 2}
"""Fitted constants each form of :func:`multiply_shape` adds."""


def multiply_shape(
    source: str, problem: Problem, rng: np.random.Generator, metrics: Mapping[str, Any] | None = None
) -> str:
    """Multiply a subexpression by a fitted response to one quantity that is never negative (a
    concentration, a temperature, a time), in one of the two shapes measured responses keep taking:
    saturation ``e * x / (jnp.abs(k) + x)`` (Michaelis-Menten, Monod) or an optimum
    ``e * jnp.exp(-((x - c) / s) ** 2)``. The constants are written scaled to the variable's training range
    (``problem.input_ranges``), so the fit starts with the shape bending inside the data rather than flat
    outside it. Both stay bounded (between 0 and 1) whatever the fit makes of their constants, so a shape
    fitted to the data cannot blow up beyond it; variables that change sign are left out.

    With the parent's fit (``metrics``) and a problem that gives residuals, the shape is chosen rather than
    drawn: among saturations and optima of every such variable, at several places and widths in its range,
    one of those that would explain most of the residual when ``e`` is multiplied by them and everything
    refitted (measured through the formula's sensitivity to scaling ``e``, as :func:`add_residual_term` does
    for sums). Without them the variable and shape are drawn at random, started mid-range.

    Raises:
        NotApplicable: the problem fits no constants or gives no input ranges, no variable is non-negative,
            or the new constants would take the formula over ``problem.max_params``.
    """
    if problem.params_arg is None or not problem.input_ranges:
        raise NotApplicable(f"problem {problem.name!r} gives no input ranges to scale a shape's constants to")
    guided = problem.residuals is not None and bool((metrics or {}).get("params"))
    prefix, _, suffix = _split(source)

    def edit(tree: ast.Module) -> None:
        slot = _pick(_expression_slots(tree, problem, "multiply"), rng)
        # Counted as fitting counts them: every params[i] and float literal the lifted formula has.
        room = problem.max_params - len(program.lift_constants(tree, problem.params_arg)[1])
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
            _replace(slot, _binop(slot.node, "*", _renamed(picked[0].source, inputs, slot.func, problem)))
            return
        names = [n for n in _arg_names(slot.func, problem) if n in problem.input_ranges
                 and problem.input_ranges[n][0] >= 0]
        if not names:
            raise NotApplicable("no variable with a known, non-negative range to make a shape of")
        var = _pick(names, rng)
        form = _pick(list(SHAPE_CONSTANTS), rng)
        if SHAPE_CONSTANTS[form] > room:
            raise NotApplicable(f"the formula has no room for {SHAPE_CONSTANTS[form]} more fitted constants")
        low, high = (float(v) for v in problem.input_ranges[var])
        _replace(slot, _binop(slot.node, "*", _shape(form, var, low, high)))

    return _edit(source, edit)


class _Rename(ast.NodeTransformer):
    def __init__(self, names: Mapping[str, str]) -> None:
        self.names = names

    def visit_Name(self, node: ast.Name) -> ast.Name:
        return ast.Name(id=self.names.get(node.id, node.id), ctx=node.ctx)


def _renamed(term: str, inputs: Mapping[str, Any], func: _FunctionNode, problem: Problem) -> ast.expr:
    """A term written in the data's variable names (``inputs``' keys), in the function's own names."""
    names = _arg_names(func, problem)
    if len(names) != len(inputs):
        raise NotApplicable(f"`{func.name}` takes {len(names)} variables, the data has {len(inputs)}")
    return _Rename(dict(zip(inputs, names, strict=True))).visit(ast.parse(term, mode="eval").body)


def _probed(
    tree: ast.Module, slot: _Slot, probe: ast.expr, problem: Problem, metrics: Mapping[str, Any] | None,
    prefix: str, suffix: str,
) -> tuple[Mapping[str, Any], np.ndarray, np.ndarray, np.ndarray]:
    """Put ``probe`` (the slot's expression with the :data:`_PROBE` literal in it, as ``e + probe`` or
    ``e * (1 + probe)``) at the slot and ask ``problem.residuals`` about the program with the parent's fitted
    constants and the probe at 0. Returns ``(inputs, residual, through, others)``: the probe's column of the
    fit's Jacobian (how the prediction moves with the probe) and the other columns. The tree is left with the
    probe in place, for the caller to overwrite."""
    assert problem.residuals is not None and problem.params_arg is not None
    theta = list((metrics or {}).get("params") or [])
    values = program.lift_constants(tree, problem.params_arg)[1]
    _replace(slot, probe)
    ast.fix_missing_locations(tree)
    probed = program.lift_constants(tree, problem.params_arg)[1]
    at = next((k for k, v in enumerate(probed) if v == _PROBE), None)
    if at is None or len(probed) != len(values) + 1 or len(theta) != len(values):
        raise NotApplicable("the parent's metrics hold no fit of this formula's constants")
    found = problem.residuals(program.parse(program.join_block(prefix, ast.unparse(tree), suffix)),
                              {**dict(metrics or {}), "params": [*theta[:at], 0.0, *theta[at:]]})
    if found is None:
        raise NotApplicable("the parent's metrics hold no fit to take the residual of, or it is exact")
    inputs, residual, jacobian = found
    jacobian = np.asarray(jacobian, dtype=np.float64)
    return inputs, np.asarray(residual, dtype=np.float64), jacobian[:, at], np.delete(jacobian, at, 1)


def add_residual_term(
    source: str, problem: Problem, rng: np.random.Generator, metrics: Mapping[str, Any] | None = None
) -> str:
    """Add the term that explains most of what the parent's fit leaves unexplained: a subexpression ``e`` (the
    returned value or a term or factor inside it) becomes ``e + c * t``. ``t`` is drawn from the library of
    :mod:`evolve.mutators.terms` (powers, products and functions of the variables), among the terms that would
    explain most of the parent's residual on the training data if added and everything refitted; ``c`` is its
    least-squares coefficient, written as a literal so the fit starts from it. Inside the formula a term acts
    through the formula's sensitivity to ``e`` (in ``(a + b) * g`` a term added to ``a`` counts as ``t * g``),
    measured by ``problem.residuals`` with a zero probe constant added at ``e`` and the parent's fitted
    constants (``metrics``): so ``b * growth(s)`` can learn a correction inside ``growth`` as readily as a sum
    gains a term. Sums of terms are how most laws are written, and a term found this way needs no luck with
    its coefficient.

    Raises:
        NotApplicable: the problem gives no residuals, the parent's metrics hold no fit or an exact one, the
            formula has no room for another fitted constant, or no term explains any of the residual.
    """
    if problem.residuals is None or problem.params_arg is None:
        raise NotApplicable(f"problem {problem.name!r} gives no residuals to choose a term by")
    if not {"+", "*"} <= set(_allowed_ops(problem)):
        raise NotApplicable(f"problem {problem.name!r} does not allow writing `e + c * t`")
    prefix, _, suffix = _split(source)

    def edit(tree: ast.Module) -> None:
        slot = _pick(_residual_slots(tree, problem), rng)
        room = problem.max_params - len(program.lift_constants(tree, problem.params_arg)[1]) - 1
        if room < 0:
            raise NotApplicable(f"the formula has no room for another fitted constant ({problem.max_params} in use)")
        # ``e + probe``: the probe's column of the fit's Jacobian is d(pred)/d(e).
        probe = ast.BinOp(slot.node, ast.Add(), ast.Constant(_PROBE))
        inputs, residual, through, others = _probed(tree, slot, probe, problem, metrics, prefix, suffix)
        library, table = terms.matrix(inputs, problem.unary_functions, _allowed_ops(problem))
        picked = terms.choose(library, table * through[:, None], residual, rng, room, others)
        if picked is None:
            raise NotApplicable("no term of the library explains any of the residual there")
        term, coefficient, _ = picked
        coefficient = _short(coefficient, 4) or 1e-6  # a float literal, so it is fitted
        sign = "-" if coefficient < 0 and "-" in problem.binops else "+"
        size = abs(coefficient) if sign == "-" else coefficient
        _replace(slot, _binop(slot.node, sign, _binop(_number(size), "*",
                                                     _renamed(term.source, inputs, slot.func, problem))))

    return _edit(source, edit)


def _feature(problem: Problem, rng: np.random.Generator) -> tuple[str, ast.expr]:
    """One of ``problem.features``, drawn, with its expression."""
    name = _pick(problem.features, rng)
    return name, ast.parse(name, mode="eval").body


def _threshold(problem: Problem, feature: str, rng: np.random.Generator) -> float:
    """A threshold for a feature: 0 half the time, otherwise a point inside its range when it is known."""
    low, high = problem.input_ranges.get(feature, (0.0, 0.0))
    if high <= low or rng.random() < 0.5:
        return 0.0
    return _short(rng.uniform(low, high))


def _where(node: ast.AST) -> bool:
    return (isinstance(node, ast.Call) and isinstance(node.func, ast.Attribute) and node.func.attr == "where"
            and len(node.args) == 3)


def _clip(node: ast.AST) -> bool:
    return (isinstance(node, ast.Call) and isinstance(node.func, ast.Attribute) and node.func.attr == "clip"
            and len(node.args) == 3)


def _action_slots(tree: ast.Module) -> list[_Slot]:
    """Where a program's action is chosen: its returned value and the branches of a ``jnp.where``."""
    return [s for s in _collect(tree) if isinstance(s.parent, ast.Return)
            or (_where(s.parent) and s.field == "args" and s.index in (1, 2))]


def _output_slots(tree: ast.Module) -> list[_Slot]:
    """:func:`_action_slots` and the clipped value of a ``jnp.clip``."""
    return _action_slots(tree) + [s for s in _collect(tree)
                                  if _clip(s.parent) and s.field == "args" and s.index == 0]


def _action(value: float) -> ast.expr:
    """An action as a literal: a whole number as an int (a discrete action), anything else as a float."""
    return ast.Constant(int(value)) if float(value).is_integer() else _number(value)


def _uses_seed_names(tree: ast.Module, problem: Problem) -> None:
    """Features are written in the seed's argument names; refuse a program that renamed them."""
    wanted, have = _seed_arg_names(problem), _entry_arg_names(tree, problem)
    if have is not None and wanted is not None and have != wanted:
        raise NotApplicable(f"`{problem.entrypoint}` takes {have}, not {wanted} as the problem's features are named")


def insert_where(source: str, problem: Problem, rng: np.random.Generator) -> str:
    """Branch on a feature: the returned value, or a branch of an existing ``jnp.where``, ``e`` becomes
    ``jnp.where(f > c, e, a)`` (or with the branches swapped): ``f`` one of ``problem.features``, ``c`` 0 or a
    point inside its range, ``a`` another of ``problem.output_values`` (a different action) or a small
    constant. Nested, these are the decision trees and bang-bang controllers that policies are made of.

    Raises:
        NotApplicable: the problem names no features, or the program renamed its arguments.
    """
    if not problem.features:
        raise NotApplicable(f"problem {problem.name!r} names no features to branch on")

    def edit(tree: ast.Module) -> None:
        _uses_seed_names(tree, problem)
        slots = _action_slots(tree)
        if not slots:
            raise NotApplicable("no returned value or branch to split")
        slot = _pick(slots, rng)
        name, feature = _feature(problem, rng)
        current = _literal_value(slot.node) if slot.literal else None
        others = [v for v in problem.output_values if v != current]
        value = _pick(others, rng) if others else _short(rng.normal(0.0, 1.0))
        other = _action(value) if problem.output_values else _number(value)
        test = ast.Compare(feature, [ast.Gt()], [_number(_threshold(problem, name, rng))])
        branches = [slot.node, other] if rng.random() < 0.5 else [other, slot.node]
        call = _jnp_call("where", test)
        call.args = [test, *branches]
        _replace(slot, call)

    return _edit(source, edit)


def add_feature_term(source: str, problem: Problem, rng: np.random.Generator) -> str:
    """Grow a linear combination of features by one: in a side of a comparison, in an output that is computed
    (returned, a branch of a ``jnp.where``; not a branch itself, and not a constant unless the problem has
    ``output_bounds``: a continuous action's constant leaf may become a feedback law) or in the value a
    ``jnp.clip`` bounds, ``e`` becomes ``e + w * f`` (a computed output of a problem with ``output_bounds`` becomes
    ``jnp.clip(e + w * f, low, high)``) with ``f`` one of
    ``problem.features`` and ``|w|`` log-uniform over a tenth to ten times the ratio of the features' ranges
    (``problem.input_ranges``, 1 when they are not known).

    Raises:
        NotApplicable: the problem names no features, the program renamed its arguments, or there is no
            comparison and no computed output.
    """
    if not problem.features:
        raise NotApplicable(f"problem {problem.name!r} names no features to combine")

    def edit(tree: ast.Module) -> None:
        _uses_seed_names(tree, problem)
        clipped = [s for s in _output_slots(tree) if _clip(s.parent)]
        # A literal leaf of a bounded (continuous) output may become a feedback law; a discrete action may not.
        computed = [s for s in _output_slots(tree) if (not s.literal or problem.output_bounds is not None)
                    and not _where(s.node) and not _clip(s.node) and not _clip(s.parent)]
        slots = [s for s in _collect(tree) if isinstance(s.parent, ast.Compare)] + computed + clipped
        if not slots:
            raise NotApplicable("no comparison or computed output to add a feature to")
        slot = _pick(slots, rng)
        name, feature = _feature(problem, rng)
        scale = 1.0
        old = ast.unparse(slot.node)
        if old in problem.input_ranges and name in problem.input_ranges:
            spans = [problem.input_ranges[k][1] - problem.input_ranges[k][0] for k in (old, name)]
            scale = spans[0] / spans[1] if spans[1] > 0 else 1.0
        # Log-uniform over two decades around the scale: a feature may matter far more than the one it joins.
        weight = _short(rng.choice([-1.0, 1.0]) * scale * 10.0 ** rng.uniform(-1.0, 1.0))
        sign = "-" if weight < 0 and "-" in problem.binops else "+"
        grown: ast.expr = _binop(slot.node, sign, _binop(_number(abs(weight) if sign == "-" else weight), "*",
                                                         feature))
        if problem.output_bounds is not None and any(slot is s for s in computed):
            # A bounded output (a torque) that grows unclipped soon leaves its range and fails the candidate;
            # clipping it first would change nothing the hash sees, so the clip comes with the growth.
            grown = _jnp_call("clip", grown)
            grown.args += [_number(problem.output_bounds[0]), _number(problem.output_bounds[1])]
        _replace(slot, grown)

    return _edit(source, edit)


def replace_action(source: str, problem: Problem, rng: np.random.Generator) -> str:
    """Change the action of one leaf: a literal that is the returned value or a branch of a ``jnp.where``
    becomes another of ``problem.output_values`` (turn a decision tree's leaf, or flip one side of a bang-bang
    controller, in one step; ``replace_constant`` would draw an arbitrary number instead).

    Raises:
        NotApplicable: the problem names no output values, or no leaf is a literal.
    """
    if len(problem.output_values) < 2:
        raise NotApplicable(f"problem {problem.name!r} names fewer than two output values")

    def edit(tree: ast.Module) -> None:
        slots = [s for s in _action_slots(tree) if s.literal]
        if not slots:
            raise NotApplicable("no returned value or branch is a literal action")
        slot = _pick(slots, rng)
        current = _literal_value(slot.node)
        value = _pick([v for v in problem.output_values if v != current], rng)
        _replace(slot, _action(value))

    return _edit(source, edit)


def remove_term(source: str, problem: Problem, rng: np.random.Generator) -> str:
    """Drop one term of a sum or difference: ``a + b -> a`` or ``b`` (``a - b -> a`` or ``-b``).

    Raises:
        NotApplicable: the block has no sum or difference.
    """

    def edit(tree: ast.Module) -> None:
        slots = [s for s in _collect(tree)
                 if isinstance(s.node, ast.BinOp) and isinstance(s.node.op, ast.Add | ast.Sub)]
        if not slots:
            raise NotApplicable("no sum or difference to drop a term of")
        slot = _pick(slots, rng)
        node = slot.node
        assert isinstance(node, ast.BinOp)
        right = node.right if isinstance(node.op, ast.Add) else ast.UnaryOp(ast.USub(), node.right)
        _replace(slot, _pick([node.left, right], rng))

    return _edit(source, edit)


def replace_variable(source: str, problem: Problem, rng: np.random.Generator) -> str:
    """Replace one use of a variable (an argument of the function) by another argument.

    Raises:
        NotApplicable: no function with two or more variables uses one of them.
    """

    def edit(tree: ast.Module) -> None:
        slots = [s for s in _collect(tree) if isinstance(s.node, ast.Name)
                 and s.node.id in _arg_names(s.func, problem) and len(_arg_names(s.func, problem)) > 1]
        if not slots:
            raise NotApplicable("no variable that another one could replace")
        slot = _pick(slots, rng)
        assert isinstance(slot.node, ast.Name)
        others = [n for n in _arg_names(slot.func, problem) if n != slot.node.id]
        _replace(slot, ast.Name(id=_pick(others, rng), ctx=ast.Load()))

    return _edit(source, edit)


class _Simplifier(ast.NodeTransformer):
    """Folds constant arithmetic and drops identities, bottom-up; counts what it changed."""

    def __init__(self, problem: Problem) -> None:
        self.problem = problem
        self.changes = 0

    def visit_BinOp(self, node: ast.BinOp) -> ast.AST:
        self.generic_visit(node)
        left, right, op = node.left, node.right, node.op
        if _is_literal(left) and _is_literal(right):
            a, b = _literal_value(left), _literal_value(right)
            try:
                value = {ast.Add: a + b, ast.Sub: a - b, ast.Mult: a * b}.get(type(op))
                if value is None and isinstance(op, ast.Div) and b != 0:
                    value = a / b
                if value is None and isinstance(op, ast.Pow) and a > 0 and abs(b) <= 16:
                    value = a ** b
            except (OverflowError, ZeroDivisionError):
                value = None
            if value is not None and math.isfinite(value):
                self.changes += 1
                is_int = _literal_is_int(left) and _literal_is_int(right) and float(value).is_integer()
                return _number(value) if not is_int else ast.Constant(int(value))
        one = {ast.Mult: (left, right), ast.Div: (None, right)}.get(type(op))
        if one is not None:
            for keep, other in ((right, one[0]), (left, one[1])):
                if other is not None and _is_literal(other) and _literal_value(other) == 1:
                    self.changes += 1
                    return keep
        if isinstance(op, ast.Add | ast.Sub) and _is_literal(right) and _literal_value(right) == 0:
            self.changes += 1
            return left
        if isinstance(op, ast.Add) and _is_literal(left) and _literal_value(left) == 0:
            self.changes += 1
            return right
        # Two fitted constants combined are one constant: params[i] * params[j] -> params[i].
        problem = self.problem
        if _is_params(left, problem) and (_is_params(right, problem) or _is_literal(right)):
            self.changes += 1
            return left
        if _is_literal(left) and _is_params(right, problem) and not isinstance(op, ast.Pow):
            self.changes += 1
            return right
        return node


def simplify_constants(source: str, problem: Problem, rng: np.random.Generator) -> str:
    """Fold constant arithmetic (``2.0 * 3.0 -> 6.0``), drop identities (``e * 1``, ``e + 0``, ``e / 1``) and,
    for problems with fitted parameters, merge constants that fitting makes one (``params[0] * params[1]``,
    ``2.0 * params[0]``); everywhere in the block at once.

    Raises:
        NotApplicable: there is nothing to simplify.
    """

    def edit(tree: ast.Module) -> None:
        simplifier = _Simplifier(problem)
        for node in tree.body:
            if isinstance(node, ast.FunctionDef | ast.AsyncFunctionDef):
                node.body = [simplifier.visit(stmt) for stmt in node.body]
        if not simplifier.changes:
            raise NotApplicable("nothing to simplify")

    return _edit(source, edit)


def _float_constants(source: str) -> int:
    """How many float literals :func:`tune_constants` would tune in ``source``'s EVOLVE block."""
    _, block, _ = _split(source)
    try:
        _, values = program.lift_constants(program.parse(block))
    except program.ProgramError:
        return 0
    return len(values)


# Compiled tuners by program structure (the lifted source, constants as parameters): a child that only
# moved constants, or a parent tuned again, reuses the compiled fit instead of paying ~0.6 s again.
_TUNERS: OrderedDict[tuple, tuple[Callable, Callable]] = OrderedDict()
_TUNER_CACHE_SIZE = 256


def _tuner(lifted_source: str, problem: Problem, steps: int, wide: bool) -> Callable:
    """Return ``run(u0, p0) -> (best params, best loss, starting loss)``, jitted, for one structure."""
    import jax
    import jax.numpy as jnp

    key = (lifted_source, problem.entrypoint, steps, wide)
    cached = _TUNERS.get(key)
    if cached is not None and cached[0] is problem.loss:
        _TUNERS.move_to_end(key)
        return cached[1]
    loss_of = problem.loss
    dtype = jnp.float64 if wide else jnp.float32
    make = program.compile_lifted(program.parse(lifted_source), problem.entrypoint)

    @jax.jit
    def run(u0: jax.Array, p0: jax.Array) -> tuple[jax.Array, jax.Array, jax.Array]:
        scale = jnp.where(p0 != 0, jnp.abs(p0), jnp.ones_like(p0))

        def loss(u: jax.Array) -> jax.Array:
            return jnp.asarray(loss_of(make(p0 + scale * u)), dtype=dtype).reshape(())

        start = loss(jnp.zeros_like(u0))
        best_u, best = bfgs(loss, u0, steps)
        return p0 + scale * best_u, best, start

    _TUNERS[key] = (loss_of, run)
    if len(_TUNERS) > _TUNER_CACHE_SIZE:
        _TUNERS.popitem(last=False)
    return run


SEARCH_SAMPLES = 16
"""Parameter vectors per round of the gradient-free constant search (one batch, one compiled call)."""


def _searcher(lifted_source: str, problem: Problem, rounds: int) -> Callable:
    """Return ``run(key, p0) -> (best params, best loss, starting loss)``, jitted, for one structure: a
    (1 + lambda) evolution strategy on ``problem.batch_loss``: each round draws :data:`SEARCH_SAMPLES`
    vectors around the best so far, steps relative to each constant's size, and widens the step after a
    success and narrows it after a failure (the one-fifth rule's spirit)."""
    import jax
    import jax.numpy as jnp

    key = (lifted_source, problem.entrypoint, rounds, "search")
    cached = _TUNERS.get(key)
    if cached is not None and cached[0] is problem.batch_loss:
        _TUNERS.move_to_end(key)
        return cached[1]
    batch_loss = problem.batch_loss
    assert batch_loss is not None
    losses_of = batch_loss(program.compile_lifted(program.parse(lifted_source), problem.entrypoint))

    def finite(losses: jax.Array) -> jax.Array:
        losses = jnp.asarray(losses, dtype=jnp.float32).reshape(-1)
        return jnp.where(jnp.isfinite(losses), losses, jnp.inf)

    @jax.jit
    def run(rng: jax.Array, p0: jax.Array) -> tuple[jax.Array, jax.Array, jax.Array]:
        scale = jnp.where(p0 != 0, jnp.abs(p0), jnp.ones_like(p0))
        start = finite(losses_of(p0[None, :]))[0]

        def round_(i: jax.Array, carry: tuple) -> tuple:
            best_p, best, sigma = carry
            u = jax.random.normal(jax.random.fold_in(rng, i), (SEARCH_SAMPLES, p0.shape[0])) * sigma
            candidates = best_p[None, :] + scale[None, :] * u
            losses = finite(losses_of(candidates))
            j = jnp.argmin(losses)
            better = losses[j] < best
            return (jnp.where(better, candidates[j], best_p), jnp.where(better, losses[j], best),
                    jnp.where(better, sigma * 1.5, sigma * 0.5))

        best_p, best, _ = jax.lax.fori_loop(0, rounds, round_, (p0, start, jnp.float32(0.1)))
        return best_p, best, start

    _TUNERS[key] = (batch_loss, run)
    if len(_TUNERS) > _TUNER_CACHE_SIZE:
        _TUNERS.popitem(last=False)
    return run


def tune_constants(source: str, problem: Problem, steps: int = 300, seed: int = 0) -> str:
    """Fit every float literal of the EVOLVE block to minimise ``problem.loss``.

    A problem with its own fitter (``problem.fit_constants``, e.g. the float32 problems' minimax fit) is fitted
    by it first; the tuner below runs only when that fitter fails or changes nothing (another basin of a
    nonlinear structure, from perturbed constants).

    The literals are lifted into a parameter vector ``p = p0 + |p0| * u`` (``|p0|`` taken as 1 for
    zeros), so steps are relative to each constant's size (order-1 constants and tiny high-order
    coefficients move alike). Dense BFGS (:func:`evolve.optimize.bfgs`) then minimises the loss in ``u`` for up to
    ``steps`` iterations, stopping early once no step lowers it, all inside one jitted function (one
    compilation). The fit runs in ``problem.tune_dtype``: with ``"float64"`` inside
    ``jax.enable_x64`` (switched off again on return), so that the real-valued function is fitted to
    the last bits, which ill-conditioned constants such as a Horner polynomial's coefficients need
    and float32 rounding noise in the loss would hide. The best parameters are written back as
    literals of ``problem.constant_dtype`` (float32 unless the program runs in float64).

    (On exp2, BFGS reached lower max ULP errors than the Adam this replaced, in float32 as well.)

    A problem whose fitness has no gradient (``batch_loss`` instead of ``loss``, e.g. a policy's return) gets
    a gradient-free search instead: ``max(4, steps // 25)`` rounds of a (1 + 16) evolution strategy in the same
    relative steps, every round's 16 parameter vectors evaluated in one batch inside one jitted function.

    Args:
        source: the program's full source.
        problem: supplies ``loss(fn) -> scalar`` (JAX-differentiable) or ``batch_loss``, the entrypoint name
            and ``tune_dtype``.
        steps: the most BFGS iterations.
        seed: 0 starts from the program's constants; any other seed starts from constants moved by
            a random relative amount (normal, its scale log-uniform in [1e-3, 1e-1]), so re-tuning
            one parent explores other basins of a non-convex loss.

    Returns:
        The source with tuned constants; the code around the EVOLVE block is unchanged.

    Raises:
        NotApplicable: no loss, no float constant, a loss that is not finite, cannot be computed
            or does not improve (or improves only below float32 precision of the constants).
    """
    import contextlib

    import jax
    import jax.numpy as jnp

    if steps < 1:
        raise ValueError(f"steps must be at least 1, got {steps}")
    if problem.fit_constants is not None:
        try:
            fitted = problem.fit_constants(source)
        except Exception as exc:  # the problem's fitter cannot fit this structure: tune it as before
            fitted, reason = source, f"{type(exc).__name__}: {exc}"
        else:
            reason = "the problem's fitter changed no constant"
        if fitted != source:
            return fitted
        if problem.loss is None and problem.batch_loss is None:
            raise NotApplicable(reason)
    if problem.loss is None and problem.batch_loss is None:
        raise NotApplicable(f"problem {problem.name!r} has no loss to tune constants against")
    prefix, block, suffix = _split(source)
    lifted, values = program.lift_constants(_parse_block(block))
    if not values:
        raise NotApplicable("no float constant to tune")
    wide = problem.tune_dtype == "float64"
    rng = np.random.default_rng(seed)
    spread = 0.0 if seed == 0 else float(10.0 ** rng.uniform(-3.0, -1.0))
    u_start = rng.normal(0.0, 1.0, len(values)) * spread

    try:
        with jax.enable_x64(True) if wide else contextlib.nullcontext():
            dtype = jnp.float64 if wide else jnp.float32
            full_source = program.join_block(prefix, program.unparse(lifted), suffix)
            p0 = jnp.asarray(values, dtype=dtype)
            if problem.loss is None:  # no gradient: search
                search = _searcher(full_source, problem, max(4, steps // 25))
                best_params, best, start = search(jax.random.key(seed), p0)
            else:
                run = _tuner(full_source, problem, steps, wide)
                best_params, best, start = run(jnp.asarray(u_start, dtype=dtype), p0)
            best_params = np.asarray(best_params, dtype=np.float64)
            best, start = float(best), float(start)
    except NotApplicable:
        raise
    except Exception as exc:  # a candidate whose loss cannot be traced cannot be tuned
        raise NotApplicable(f"cannot compute the loss of this program: {type(exc).__name__}: {exc}") from exc

    if not math.isfinite(best):
        raise NotApplicable("the loss is not finite")
    if math.isfinite(start) and not best < start:
        raise NotApplicable(f"tuning did not lower the loss ({start:.6g})")
    kept = np.dtype(problem.constant_dtype)
    if np.array_equal(best_params.astype(kept), np.asarray(values, dtype=kept)):
        raise NotApplicable(f"tuning did not change any constant at {kept} precision")
    tuned = program.lower_constants(lifted, [float(v) for v in best_params], dtype=problem.constant_dtype)
    return program.join_block(prefix, program.unparse(tuned), suffix)


# --------------------------------------------------------------------------------------------------
# The mutator


def applies_to(operator: str, problem: Problem) -> bool:
    """Whether an operator can ever act on this problem's programs (``tune_constants`` needs a loss or a
    batch loss, ``insert_unary`` unary functions, ``add_param_term`` fitted parameters, ``replace_variable`` a
    seed with two variables or more, ``multiply_factor`` fitted parameters and a variable, ``multiply_shape``
    fitted parameters and a variable whose range is non-negative, ``add_residual_term`` fitted parameters and
    residuals, ``insert_where`` and ``add_feature_term`` features, ``replace_action`` two output values or
    more)."""
    if operator == "tune_constants":
        return problem.loss is not None or problem.batch_loss is not None or problem.fit_constants is not None
    if operator == "insert_unary":
        return bool(problem.unary_functions)
    if operator == "add_param_term":
        return problem.params_arg is not None and problem.max_params > 0
    if operator == "replace_variable":
        return _seed_variables(problem) > 1
    if operator == "multiply_factor":
        return problem.params_arg is not None and _seed_variables(problem) > 0
    if operator == "multiply_shape":
        return problem.params_arg is not None and any(low >= 0 for low, _ in problem.input_ranges.values())
    if operator == "add_residual_term":
        return problem.params_arg is not None and problem.residuals is not None
    if operator in ("insert_where", "add_feature_term"):
        return bool(problem.features)
    if operator == "insert_rational":
        return {"+", "*", "/"} <= set(problem.binops) and problem.params_arg is None and not problem.features
    if operator == "write_structure":
        return bool(problem.structures)
    if operator in ("name_square", "square_half"):
        return "*" in problem.binops and problem.params_arg is None and not problem.features
    if operator == "replace_action":
        return len(problem.output_values) > 1
    return operator in OPERATORS


def _entry_arg_names(tree: ast.Module, problem: Problem) -> list[str] | None:
    """The variables ``tree``'s entrypoint takes (its fitted-parameters argument left out); None without one."""
    return next((_arg_names(n, problem) for n in ast.walk(tree)
                 if isinstance(n, _FunctionNode) and n.name == problem.entrypoint), None)


def _seed_arg_names(problem: Problem) -> list[str] | None:
    """The variables the seed's entrypoint takes; None when the seed does not parse or lacks it."""
    try:
        return _entry_arg_names(program.parse(problem.seed), problem)
    except program.ProgramError:
        return None


def _seed_variables(problem: Problem) -> int:
    """How many variables the seed's entrypoint takes (its fitted-parameters argument left out)."""
    return len(_seed_arg_names(problem) or [])


def portfolio(problem: Problem, weights: Mapping[str, float] | None = None) -> list[str]:
    """The GP operators with a positive weight (default: :data:`DEFAULT_WEIGHTS`) that apply to the problem."""
    weights = weights or DEFAULT_WEIGHTS
    return [op for op in OPERATORS if weights.get(op, 0.0) > 0 and applies_to(op, problem)]


FIT_AFTER = ("swap_operator", "delete_subexpression", "remove_term", "crossover", "simplify_constants")
"""Operators whose children are refitted too when the problem brings its own fitter (``Problem.fit_constants``,
milliseconds per structure, as the float32 problems' minimax fit): a structure is worth what its best constants
make of it, and a deletion that leaves a redundant constant's work to the others loses nothing once refitted."""


class GPMutator:
    """Proposes children with the AST operators of this module, sampled by weight.

    Args:
        weights: relative weight of each operator in :data:`OPERATORS`; operators missing from the
            mapping get weight 0. ``None`` uses :data:`DEFAULT_WEIGHTS`.
        tune_steps: optimiser steps of ``tune_constants``.
        tune_after: operators whose children get their constants tuned before evaluation when the
            problem has a ``loss`` (recorded as e.g. ``insert_term+tune``). A new term with a random
            coefficient is almost always worse than its parent until it is fitted, so without this
            structural growth is discarded before it can pay off.
    """

    def __init__(
        self,
        weights: Mapping[str, float] | None = None,
        tune_steps: int = 300,
        tune_after: Sequence[str] = ("insert_term", "insert_where", "add_feature_term", "insert_rational",
                                     "name_square", "square_half", "write_structure"),
    ) -> None:
        if weights is None:
            weights = DEFAULT_WEIGHTS
        unknown = sorted(set(weights) - set(OPERATORS))
        if unknown:
            raise ValueError(f"unknown GP operators {unknown}; valid ones are {list(OPERATORS)}")
        negative = {op: w for op, w in weights.items() if not w >= 0}
        if negative:
            raise ValueError(f"GP operator weights must be >= 0, got {negative}")
        if not any(weights.values()):
            raise ValueError(f"no GP operator has a positive weight; valid ones are {list(OPERATORS)}")
        if tune_steps < 1:
            raise ValueError(f"tune_steps must be at least 1, got {tune_steps}")
        self.weights: dict[str, float] = {op: float(weights.get(op, 0.0)) for op in OPERATORS}
        self.tune_steps = tune_steps
        unknown = sorted(set(tune_after) - set(OPERATORS))
        if unknown:
            raise ValueError(f"tune_after names unknown GP operators {unknown}; valid ones are {list(OPERATORS)}")
        self.tune_after = tuple(tune_after)

    def _may_apply(self, operator: str, parents: Sequence[Parent], problem: Problem) -> bool:
        if operator == "crossover":
            return len(parents) >= 2
        if operator == "tune_constants":
            return applies_to(operator, problem) and _float_constants(parents[0].source) > 0
        return applies_to(operator, problem)

    def apply(
        self, operator: str, parents: Sequence[Parent], problem: Problem, rng: np.random.Generator
    ) -> Proposal:
        """Apply the named operator to ``parents[0]`` (and ``parents[1]`` for crossover).

        Raises:
            ValueError: unknown operator or no parent.
            NotApplicable: the operator cannot act on these parents.
        """
        if operator not in OPERATORS:
            raise ValueError(f"unknown GP operator {operator!r}; valid ones are {list(OPERATORS)}")
        if not parents:
            raise ValueError("a GP operator needs at least one parent")
        parent = parents[0]
        if operator == "crossover":
            if len(parents) < 2:
                raise NotApplicable("crossover needs two parents")
            child = crossover(parent.source, parents[1].source, problem, rng)
            return self._tuned(operator, child, problem, rng, {"other_parent": parents[1].id})
        if operator == "tune_constants":
            seed = int(rng.integers(1, 2**31 - 1))
            child = tune_constants(parent.source, problem, steps=self.tune_steps, seed=seed)
            return Proposal(child, operator, {"steps": self.tune_steps, "seed": seed})
        if operator in ("add_residual_term", "multiply_shape"):  # guided by the parent's fit
            guided = add_residual_term if operator == "add_residual_term" else multiply_shape
            return Proposal(guided(parent.source, problem, rng, parent.metrics), operator)
        single: dict[str, Callable[[str, Problem, np.random.Generator], str]] = {
            "perturb_constant": perturb_constant,
            "replace_constant": replace_constant,
            "swap_operator": swap_operator,
            "insert_term": insert_term,
            "delete_subexpression": delete_subexpression,
            "insert_unary": insert_unary,
            "add_param_term": add_param_term,
            "remove_term": remove_term,
            "replace_variable": replace_variable,
            "simplify_constants": simplify_constants,
            "multiply_factor": multiply_factor,
            "insert_where": insert_where,
            "add_feature_term": add_feature_term,
            "replace_action": replace_action,
            "insert_rational": insert_rational,
            "name_square": name_square,
            "square_half": square_half,
            "write_structure": write_structure,
        }
        return self._tuned(operator, single[operator](parent.source, problem, rng), problem, rng)

    def _tuned(self, operator: str, child: str, problem: Problem, rng: np.random.Generator,
               meta: dict[str, Any] | None = None) -> Proposal:
        """``child`` with its constants tuned when ``operator`` calls for it (``tune_after``, or
        :data:`FIT_AFTER` for a problem with its own fitter), recorded as ``operator+tune``."""
        meta = dict(meta or {})
        refit = operator in self.tune_after or (problem.fit_constants is not None and operator in FIT_AFTER)
        if refit and applies_to("tune_constants", problem):
            seed = int(rng.integers(1, 2**31 - 1))
            try:
                tuned = tune_constants(child, problem, steps=self.tune_steps, seed=seed)
            except NotApplicable:
                return Proposal(child, operator, meta)
            return Proposal(tuned, f"{operator}+tune", {**meta, "steps": self.tune_steps, "seed": seed})
        return Proposal(child, operator, meta)

    def propose(
        self, parents: Sequence[Parent], problem: Problem, rng: np.random.Generator, exclude: Sequence[str] = ()
    ) -> Proposal:
        """Sample an operator by weight among those that apply (and are not in ``exclude``) and return its
        child.

        An operator that turns out not to apply (:class:`NotApplicable`) is dropped and another is
        sampled.

        Raises:
            NotApplicable: no operator with positive weight can act on these parents.
        """
        if not parents:
            raise ValueError("a GP operator needs at least one parent")
        enabled = [op for op in OPERATORS if self.weights[op] > 0 and op not in exclude]
        candidates = [op for op in enabled if self._may_apply(op, parents, problem)]
        reasons: dict[str, str] = {}
        while candidates:
            weights = np.array([self.weights[op] for op in candidates])
            operator = candidates[int(rng.choice(len(candidates), p=weights / weights.sum()))]
            try:
                return self.apply(operator, parents, problem, rng)
            except NotApplicable as exc:
                reasons[operator] = str(exc)
                candidates.remove(operator)
        raise NotApplicable(f"no GP operator applies to parent {parents[0].id}: {reasons or 'none enabled'}")

"""The generic GP operators: AST edits that any problem's programs admit, each declared in the operator registry.

Every operator is a pure function of a parent's source (two for :func:`crossover`), the problem and a
``numpy`` random generator: it parses the parent's EVOLVE block (the whole source when it has no markers),
edits a fresh tree, unparses it and joins it back with the untouched code around the block. The same
generator state always gives the same child. :mod:`evolve.mutators.ast_edit` says where they may act.
"""

from __future__ import annotations

import ast
import copy
import math
from collections.abc import Callable

import numpy as np

from evolve.mutators.ast_edit import (
    BINOP_TYPES,
    FunctionNode,
    Slot,
    allowed_ops,
    arg_names,
    binop,
    collect,
    edit_block,
    is_literal,
    is_params,
    literal_is_int,
    literal_value,
    number,
    parse_block,
    pick,
    pick_literal,
    replace,
    round32,
    seed_variables,
    short,
    size,
    split,
)
from evolve.mutators.base import NotApplicable
from evolve.mutators.extensions import vocabulary
from evolve.mutators.registry import register
from evolve.problem import Problem
from evolve.programs import program

# Fresh values for ``replace_constant``; a normal sample is added at draw time.
_FRESH_CONSTANTS = (0.0, 0.5, 1.0, 2.0, -1.0, math.log(2.0))


def _perturbed(old: float, rng: np.random.Generator) -> float:
    """``old * (1 + eps)``, ``eps ~ N(0, s)`` with ``s`` log-uniform in [1e-7, 1e-1], rounded to float32.

    Zero gets a small absolute move instead. A move that float32 rounding would undo becomes a move to
    the neighbouring float32 in the same direction: one-ULP steps are what fine-tuning needs.
    """
    s = 10.0 ** rng.uniform(-7.0, -1.0)
    eps = rng.normal(0.0, s)
    if old == 0:
        return round32(rng.normal(0.0, 10.0 ** rng.uniform(-4.0, -1.0)))
    new = round32(old * (1.0 + eps))
    start = np.float32(old)
    if np.float32(new) == start and eps != 0 and np.isfinite(start):
        target = np.float32(np.inf if old * eps > 0 else -np.inf)
        new = round32(float(np.nextafter(start, target)))
    return new


@register(3.0, order=10)
def perturb_constant(source: str, problem: Problem, rng: np.random.Generator) -> str:
    """Multiply one numeric literal by ``1 + eps`` (small, log-uniformly scaled relative move).

    Raises:
        NotApplicable: the block has no numeric literal that may change.
    """

    def edit(tree: ast.Module) -> None:
        slot = pick_literal(collect(tree), rng, "no numeric constant to perturb")
        replace(slot, number(_perturbed(literal_value(slot.node), rng)))

    return edit_block(source, edit)


@register(1.0, order=20)
def replace_constant(source: str, problem: Problem, rng: np.random.Generator) -> str:
    """Replace one numeric literal by a fresh value (0, 0.5, 1, 2, -1, ln 2 or a normal sample).

    Raises:
        NotApplicable: the block has no numeric literal that may change.
    """

    def edit(tree: ast.Module) -> None:
        slot = pick_literal(collect(tree), rng, "no numeric constant to replace")
        old = literal_value(slot.node)
        fresh = [round32(v) for v in _FRESH_CONSTANTS] + [short(rng.normal(0.0, 1.0))]
        choices = [v for v in fresh if v != old] or fresh
        replace(slot, number(pick(choices, rng)))

    return edit_block(source, edit)


@register(1.5, order=30, refit=True)
def swap_operator(source: str, problem: Problem, rng: np.random.Generator) -> str:
    """Change one binary operator to a different one among the problem's binops.

    Raises:
        NotApplicable: no binary operation, or no other allowed operator to swap in.
    """
    allowed = allowed_ops(problem)

    def alternatives(node: ast.BinOp) -> list[str]:
        return [op for op in allowed if not isinstance(node.op, BINOP_TYPES[op])]

    def edit(tree: ast.Module) -> None:
        slots = [s for s in collect(tree) if isinstance(s.node, ast.BinOp) and alternatives(s.node)]
        if not slots:
            raise NotApplicable("no binary operation whose operator could be swapped")
        node = pick(slots, rng).node
        assert isinstance(node, ast.BinOp)
        node.op = BINOP_TYPES[pick(alternatives(node), rng)]()

    return edit_block(source, edit)


def _named_before(slot: Slot) -> list[str]:
    """Names assigned by plain statements of the enclosing function before the statement holding ``slot``
    (``u = x * x``): values a new term may reuse."""
    names: list[str] = []
    for stmt in slot.func.body:
        if any(node is slot.node for node in ast.walk(stmt)):
            break
        if isinstance(stmt, ast.Assign):
            names += [t.id for t in stmt.targets if isinstance(t, ast.Name)]
    return list(dict.fromkeys(names))


def _term_variable(slot: Slot, slots: list[Slot], rng: np.random.Generator,
                   problem: Problem | None = None) -> ast.expr | None:
    """A variable for a new term: an argument of the enclosing function or a value named before it (``u`` of
    ``u = x * x``), sometimes a small subexpression."""
    names = arg_names(slot.func, problem) + _named_before(slot)
    pool = [
        s.node
        for s in slots
        if s.func is slot.func
        and not s.literal
        and not isinstance(s.node, ast.Name)
        and size(s.node) <= 7
    ]
    if names and (not pool or rng.random() < 0.75):
        return ast.Name(id=pick(names, rng), ctx=ast.Load())
    if pool:
        return copy.deepcopy(pick(pool, rng))
    return None


@register(2.0, order=40, tune_after=True)
def insert_term(source: str, problem: Problem, rng: np.random.Generator) -> str:
    """Replace a subexpression ``e`` by a bigger one that extends it.

    The forms (each offered only when its operators are among the problem's binops): ``e + c*v``,
    ``e * (c + c2*v)``, ``e + c``, ``e * c``, ``e OP v`` and, for a constant, the Horner step
    ``c -> (c + c2*v)``. ``v`` is an argument of the enclosing function (sometimes a small
    subexpression of it); the new constants are small (additive) or near 1 (multiplicative).

    Raises:
        NotApplicable: no expression to extend, or no form the allowed operators can write.
    """
    allowed = allowed_ops(problem)
    add = next((op for op in ("+", "-") if op in allowed), None)
    fac = next((op for op in ("*", "/") if op in allowed), None)
    mul = "*" in allowed

    def small() -> float:
        return short(rng.normal(0.0, 0.1))

    def near_one() -> ast.expr:
        return number(short(1.0 + rng.normal(0.0, 0.1)))

    def plus(left: ast.expr, coef: float, right: ast.expr | None = None) -> ast.expr:
        """``left + coef * right`` (``left + coef`` without ``right``), as ``left - |coef|...`` if it can."""
        op = add
        if coef < 0 and "-" in allowed:
            op, coef = "-", -coef
        term = number(coef) if right is None else binop(number(coef), "*", right)
        return binop(left, op, term)

    def edit(tree: ast.Module) -> None:
        slots = collect(tree)
        if not slots:
            raise NotApplicable("no expression to extend")
        slot = pick(slots, rng)
        e = slot.node
        v = _term_variable(slot, slots, rng, problem)
        forms: list[Callable[[], ast.expr]] = []
        if v is not None and add and mul:
            forms.append(lambda: plus(e, small(), v))  # e + c*v; for a constant, the Horner step
            if fac:
                forms.append(lambda: binop(e, fac, plus(near_one(), small(), v)))  # e * (c + c2*v)
            if slot.literal:  # favour Horner growth c -> (c + c2*v) for constants
                forms += [lambda: plus(e, small(), v)] * 2
        if add:
            forms.append(lambda: plus(e, small()))
        if fac:
            forms.append(lambda: binop(e, fac, near_one()))
        if v is not None and allowed:
            forms.append(lambda: binop(e, pick(allowed, rng), v))
        if not forms:
            raise NotApplicable(f"binops {allowed} cannot write any insert_term form")
        replace(slot, pick(forms, rng)())

    return edit_block(source, edit)


def _deletions(node: ast.expr) -> list[ast.expr]:
    """What ``node`` may shrink to: an operand of an operation, an argument of a call, a branch."""
    if isinstance(node, ast.BinOp):
        return [node.left, node.right]
    if isinstance(node, ast.UnaryOp) and not is_literal(node):
        return [node.operand]
    if isinstance(node, ast.Call):
        return [a for a in node.args if not isinstance(a, ast.Starred)]
    if isinstance(node, ast.IfExp):
        return [node.body, node.orelse]
    return []


@register(1.0, order=50, refit=True)
def delete_subexpression(source: str, problem: Problem, rng: np.random.Generator) -> str:
    """Replace a binary operation by one of its operands (a unary operation, call or conditional
    expression by its operand, one of its arguments or one of its branches).

    Raises:
        NotApplicable: nothing in the block can shrink.
    """

    def edit(tree: ast.Module) -> None:
        slots = [s for s in collect(tree) if _deletions(s.node)]
        if not slots:
            raise NotApplicable("no operation or call to delete")
        slot = pick(slots, rng)
        replace(slot, pick(_deletions(slot.node), rng))

    return edit_block(source, edit)


@register(1.0, order=60, parents=2, refit=True)
def crossover(source: str, other: str, problem: Problem, rng: np.random.Generator) -> str:
    """Replace a random subexpression of ``source`` by a random subexpression of ``other``.

    Both act on their EVOLVE blocks; the code around ``source``'s block is kept. The replaced
    subexpression is not the whole value of a statement when a smaller one exists (so the child
    keeps material from both parents), and the donor differs from what it replaces when possible.

    Raises:
        NotApplicable: either block has no expression to exchange.
    """
    _, other_block, _ = split(other)
    donors = collect(parse_block(other_block))
    if not donors:
        raise NotApplicable("the second parent has no expression to give")

    def edit(tree: ast.Module) -> None:
        slots = collect(tree)
        inner = [s for s in slots if not s.root]
        slots = inner or slots
        if not slots:
            raise NotApplicable("the first parent has no expression to replace")
        for _ in range(16):
            slot, donor = pick(slots, rng), pick(donors, rng)
            if ast.dump(slot.node) != ast.dump(donor.node):
                break
        replace(slot, copy.deepcopy(donor.node))

    return edit_block(source, edit)


@register(0.5, order=100, refit=True)
def remove_term(source: str, problem: Problem, rng: np.random.Generator) -> str:
    """Drop one term of a sum or difference: ``a + b -> a`` or ``b`` (``a - b -> a`` or ``-b``).

    Raises:
        NotApplicable: the block has no sum or difference.
    """

    def edit(tree: ast.Module) -> None:
        slots = [s for s in collect(tree)
                 if isinstance(s.node, ast.BinOp) and isinstance(s.node.op, ast.Add | ast.Sub)]
        if not slots:
            raise NotApplicable("no sum or difference to drop a term of")
        slot = pick(slots, rng)
        node = slot.node
        assert isinstance(node, ast.BinOp)
        right = node.right if isinstance(node.op, ast.Add) else ast.UnaryOp(ast.USub(), node.right)
        replace(slot, pick([node.left, right], rng))

    return edit_block(source, edit)


@register(0.5, order=110, applies=lambda problem: seed_variables(problem) > 1)
def replace_variable(source: str, problem: Problem, rng: np.random.Generator) -> str:
    """Replace one use of a variable (an argument of the function) by another argument.

    Raises:
        NotApplicable: no function with two or more variables uses one of them.
    """

    def edit(tree: ast.Module) -> None:
        slots = [s for s in collect(tree) if isinstance(s.node, ast.Name)
                 and s.node.id in arg_names(s.func, problem) and len(arg_names(s.func, problem)) > 1]
        if not slots:
            raise NotApplicable("no variable that another one could replace")
        slot = pick(slots, rng)
        assert isinstance(slot.node, ast.Name)
        others = [n for n in arg_names(slot.func, problem) if n != slot.node.id]
        replace(slot, ast.Name(id=pick(others, rng), ctx=ast.Load()))

    return edit_block(source, edit)


class _Simplifier(ast.NodeTransformer):
    """Folds constant arithmetic and drops identities, bottom-up; counts what it changed."""

    def __init__(self, problem: Problem) -> None:
        self.problem = problem
        self.changes = 0

    def visit_BinOp(self, node: ast.BinOp) -> ast.AST:
        self.generic_visit(node)
        left, right, op = node.left, node.right, node.op
        if is_literal(left) and is_literal(right):
            a, b = literal_value(left), literal_value(right)
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
                is_int = literal_is_int(left) and literal_is_int(right) and float(value).is_integer()
                return number(value) if not is_int else ast.Constant(int(value))
        one = {ast.Mult: (left, right), ast.Div: (None, right)}.get(type(op))
        if one is not None:
            for keep, other in ((right, one[0]), (left, one[1])):
                if other is not None and is_literal(other) and literal_value(other) == 1:
                    self.changes += 1
                    return keep
        if isinstance(op, ast.Add | ast.Sub) and is_literal(right) and literal_value(right) == 0:
            self.changes += 1
            return left
        if isinstance(op, ast.Add) and is_literal(left) and literal_value(left) == 0:
            self.changes += 1
            return right
        # Two fitted constants combined are one constant: params[i] * params[j] -> params[i].
        problem = self.problem
        if is_params(left, problem) and (is_params(right, problem) or is_literal(right)):
            self.changes += 1
            return left
        if is_literal(left) and is_params(right, problem) and not isinstance(op, ast.Pow):
            self.changes += 1
            return right
        return node


@register(0.5, order=120, refit=True)
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

    return edit_block(source, edit)


# --------------------------------------------------------------------------------------------------
# Operators that write the forms a practitioner writes first (not for fitted-parameter or policy programs: their
# extensions exclude these, see evolve.mutators.extensions.PLAIN_FUNCTION_FORMS)


def _allows(problem: Problem, *ops: str) -> bool:
    """Whether ``ops`` are among the problem's binops (the forms below need them)."""
    return set(ops) <= set(vocabulary(problem).binops)


@register(1.0, order=190, tune_after=True, applies=lambda problem: _allows(problem, "+", "*", "/"))
def insert_rational(source: str, problem: Problem, rng: np.random.Generator) -> str:
    """Turn a subexpression ``e`` (the whole result half of the time) into a rational one,
    ``e / (1 + c*v)`` with a small ``c``: a denominator that ``insert_term`` then grows, and the constant fitter
    fits with the numerator. The ``1`` is an integer, so no fit moves it (``p / q`` is fixed only up to a
    common factor otherwise).

    Raises:
        NotApplicable: the problem's operators cannot divide or add, or there is nothing to divide.
    """
    allowed = allowed_ops(problem)
    if "/" not in allowed or "+" not in allowed or "*" not in allowed:
        raise NotApplicable("a rational needs + * and / among the problem's binops")

    def edit(tree: ast.Module) -> None:
        slots = [s for s in collect(tree) if not s.literal]
        if not slots:
            raise NotApplicable("no expression to divide")
        roots = [s for s in slots if s.root and isinstance(s.parent, ast.Return)]
        slot = pick(roots, rng) if roots and rng.random() < 0.5 else pick(slots, rng)
        v = _term_variable(slot, collect(tree), rng, problem)
        if v is None:
            raise NotApplicable("no variable for the denominator")
        denominator = binop(ast.Constant(1), "+", binop(number(short(rng.normal(0.0, 0.1))), "*", v))
        replace(slot, binop(slot.node, "/", denominator))

    return edit_block(source, edit)


def _fresh_name(func: FunctionNode, stem: str) -> str:
    taken = {n.id for n in ast.walk(func) if isinstance(n, ast.Name)} | set(arg_names(func))
    return next(f"{stem}{i}" for i in range(len(taken) + 1) if f"{stem}{i}" not in taken)


@register(0.5, order=200, tune_after=True, applies=lambda problem: _allows(problem, "*"))
def name_square(source: str, problem: Problem, rng: np.random.Generator) -> str:
    """Name the square of a variable, ``u = v * v`` (``v`` an argument or a value named earlier), and use it
    for one occurrence of ``v`` in the result: one multiplication that later terms reuse for free (a reused
    value counts once), the step from ``q(x)`` to ``q(x * x)`` that odd and even functions need.

    Raises:
        NotApplicable: no multiplication allowed, or no variable in the result.
    """
    if "*" not in allowed_ops(problem):
        raise NotApplicable("naming a square needs * among the problem's binops")

    def edit(tree: ast.Module) -> None:
        slots = [s for s in collect(tree) if isinstance(s.node, ast.Name)
                 and isinstance(s.func.body[-1], ast.Return)
                 and any(n is s.node for n in ast.walk(s.func.body[-1]))]
        slots = [s for s in slots if s.node.id in arg_names(s.func, problem) + _named_before(s)]
        if not slots:
            raise NotApplicable("no variable in the result to square")
        slot = pick(slots, rng)
        var = slot.node.id
        name = _fresh_name(slot.func, "u")
        assign = ast.Assign(targets=[ast.Name(name, ast.Store())],
                            value=binop(ast.Name(var, ast.Load()), "*", ast.Name(var, ast.Load())))
        slot.func.body.insert(len(slot.func.body) - 1, assign)
        replace(slot, ast.Name(name, ast.Load()))

    return edit_block(source, edit)


class _Substitute(ast.NodeTransformer):
    def __init__(self, name: str, new: ast.expr) -> None:
        self.name, self.new = name, new

    def visit_Name(self, node: ast.Name) -> ast.AST:
        return copy.deepcopy(self.new) if node.id == self.name and isinstance(node.ctx, ast.Load) else node


@register(0.25, order=210, tune_after=True, applies=lambda problem: _allows(problem, "*"))
def square_half(source: str, problem: Problem, rng: np.random.Generator) -> str:
    """Write the result ``r(x)`` as ``h * h`` with ``h = r(x * 0.5)``: the argument halved and the result
    squared, the doubling step of exponentials (``2**x = (2**(x/2))**2``) that lets a lower-degree ``r`` on half
    the range do the work. The function must end in ``return r`` over its first argument; the halving is
    applied there only, so earlier named values keep the full argument.

    Raises:
        NotApplicable: no ``*``, or no final return over the first argument.
    """
    if "*" not in allowed_ops(problem):
        raise NotApplicable("squaring needs * among the problem's binops")

    def edit(tree: ast.Module) -> None:
        funcs = [n for n in ast.walk(tree) if isinstance(n, FunctionNode) and n.name == problem.entrypoint]
        if not funcs or not funcs[0].body or not isinstance(funcs[0].body[-1], ast.Return):
            raise NotApplicable("no final return to square")
        func = funcs[0]
        args = arg_names(func, problem)
        ret = func.body[-1]
        if not args or ret.value is None or not any(isinstance(n, ast.Name) and n.id == args[0]
                                                    for n in ast.walk(ret.value)):
            raise NotApplicable("the result does not use the first argument")
        half = binop(ast.Name(args[0], ast.Load()), "*", ast.Constant(0.5))
        name = _fresh_name(func, "h")
        body = _Substitute(args[0], half).visit(ret.value)
        func.body[-1:] = [ast.Assign(targets=[ast.Name(name, ast.Store())], value=body),
                          ast.Return(binop(ast.Name(name, ast.Load()), "*", ast.Name(name, ast.Load())))]

    return edit_block(source, edit)


@register(1.0, order=220, tune_after=True, applies=lambda problem: bool(vocabulary(problem).structures))
def write_structure(source: str, problem: Problem, rng: np.random.Generator) -> str:
    """Replace the parent's EVOLVE block by one of the problem's own structures (``Vocabulary.structures``: a
    Horner polynomial or a rational of some degree, its constants placeholders for the fit that follows), so
    the search holds the classical forms beside what it grows. An entry that is a family is one pick, then one
    of its members.

    Raises:
        NotApplicable: the problem lists no structure.
    """
    structures = vocabulary(problem).structures
    if not structures:
        raise NotApplicable(f"problem {problem.name!r} lists no structure to write")
    prefix, _, suffix = split(source)
    entry = pick(structures, rng)
    _, block, _ = split(entry if isinstance(entry, str) else pick(entry, rng))
    return program.join_block(prefix, block, suffix) if prefix or suffix else block

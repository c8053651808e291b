"""Formulas as data: a lifted formula translated into a short instruction list, run by one jitted interpreter.

Compiling each new formula with XLA costs far more than fitting it (``bench/formula_eval.py`` measures
both), and a search proposes a new structure almost every time. Here a formula becomes arrays (one
instruction per node: an operation, the nodes it reads, the input or parameter it loads), so one compiled
fitter serves every formula of the same code size; a new formula costs no compilation at all.

Each instruction writes one row of a ``(code size, rows)`` buffer; ``lax.switch`` on the operation (not
batched, so only the chosen branch runs) computes it from earlier rows. The translation covers what
formulas are made of: the inputs, ``_P[i]``, numbers, ``jnp.pi``/``jnp.e``, ``+ - * / **``, unary minus,
``jnp.<f>`` of :data:`UNARY`, ``jnp.power``/``jnp.square``, and local names assigned once before the
``return``. :func:`translate` returns None for anything else, and the caller compiles that formula
instead, so the interpreter never changes what a formula means.
"""

from __future__ import annotations

import ast
import math
from collections.abc import Callable, Sequence
from typing import Any, NamedTuple

import numpy as np

from evolve.programs import program

MAX_NODES = 64
"""Largest formula (instructions) the interpreter runs; larger ones are compiled."""
MIN_BUFFER = 16
"""Code arrays are padded to a power of two at least this long: the interpreter's buffer has a row per
instruction, and a buffer sized to the formula is much faster than one sized for the largest (one compiled
fitter per size)."""

INPUT, PARAM, CONST, ADD, SUB, MUL, DIV, POW, POWC, NEG = range(10)
UNARY = ("sin", "cos", "tan", "exp", "log", "sqrt", "abs", "tanh", "sinh", "cosh", "arctan", "log1p", "expm1")
"""``jnp`` functions of one argument the interpreter runs, each its own operation after :data:`NEG`."""
_BINARY = {ast.Add: ADD, ast.Sub: SUB, ast.Mult: MUL, ast.Div: DIV}
_CONSTANTS = {"pi": math.pi, "e": math.e}
_MODULES = ("jnp", "math", "np")  # whose pi and e are numbers; only jnp's functions are translated


class Code(NamedTuple):
    """A translated formula: instruction ``i`` computes node ``i`` from nodes ``a[i]``, ``b[i]``, input or
    parameter ``k[i]`` and number ``c[i]``; the last of ``length`` instructions is the result.
    Arrays have shape ``(size,)``: a power of two from
    :data:`MIN_BUFFER` to :data:`MAX_NODES`."""

    op: np.ndarray
    a: np.ndarray
    b: np.ndarray
    k: np.ndarray
    c: np.ndarray
    length: int


class _Untranslatable(Exception):
    pass


class _Builder:
    def __init__(self, inputs: Sequence[str], params_name: str) -> None:
        self.inputs = {name: i for i, name in enumerate(inputs)}
        self.params_name = params_name
        self.rows: list[tuple[int, int, int, int, float]] = []
        self.memo: dict[tuple, int] = {}
        self.names: dict[str, int] = {}

    def emit(self, op: int, a: int = 0, b: int = 0, k: int = 0, c: float = 0.0) -> int:
        key = (op, a, b, k, c)
        if key not in self.memo:  # a repeated subexpression is computed once
            if len(self.rows) >= MAX_NODES:
                raise _Untranslatable
            self.rows.append(key)
            self.memo[key] = len(self.rows) - 1
        return self.memo[key]

    def number(self, node: ast.expr) -> float | None:
        """The value of a number written without inputs or parameters, or None."""
        if isinstance(node, ast.Constant) and type(node.value) in (int, float):
            return float(node.value)
        if isinstance(node, ast.UnaryOp) and isinstance(node.op, (ast.USub, ast.UAdd)):
            inner = self.number(node.operand)
            return None if inner is None else (-inner if isinstance(node.op, ast.USub) else inner)
        if (isinstance(node, ast.Attribute) and isinstance(node.value, ast.Name) and node.value.id in _MODULES
                and node.attr in _CONSTANTS):
            return _CONSTANTS[node.attr]
        return None

    def expr(self, node: ast.expr) -> int:
        value = self.number(node)
        if value is not None:
            return self.emit(CONST, c=value)
        if isinstance(node, ast.Name):
            if node.id in self.names:
                return self.names[node.id]
            if node.id in self.inputs:
                return self.emit(INPUT, k=self.inputs[node.id])
            raise _Untranslatable
        if (isinstance(node, ast.Subscript) and isinstance(node.value, ast.Name)
                and node.value.id == self.params_name and isinstance(node.slice, ast.Constant)
                and type(node.slice.value) is int):
            return self.emit(PARAM, k=node.slice.value)
        if isinstance(node, ast.UnaryOp) and isinstance(node.op, ast.USub):
            return self.emit(NEG, self.expr(node.operand))
        if isinstance(node, ast.UnaryOp) and isinstance(node.op, ast.UAdd):
            return self.expr(node.operand)
        if isinstance(node, ast.BinOp) and type(node.op) in _BINARY:
            return self.emit(_BINARY[type(node.op)], self.expr(node.left), self.expr(node.right))
        if isinstance(node, ast.BinOp) and isinstance(node.op, ast.Pow):
            return self.power(node.left, node.right)
        if (isinstance(node, ast.Call) and isinstance(node.func, ast.Attribute)
                and isinstance(node.func.value, ast.Name) and node.func.value.id == "jnp" and not node.keywords):
            name, args = node.func.attr, node.args
            if name in UNARY and len(args) == 1:
                return self.emit(NEG + 1 + UNARY.index(name), self.expr(args[0]))
            if name == "square" and len(args) == 1:
                return self.emit(POWC, self.expr(args[0]), c=2.0)
            if name == "power" and len(args) == 2:
                return self.power(*args)
        raise _Untranslatable

    def power(self, base: ast.expr, exponent: ast.expr) -> int:
        # A written exponent has no derivative: POWC keeps a negative base with an integer exponent finite
        # under differentiation, where pow's derivative in the exponent (log of the base) would not be.
        value = self.number(exponent)
        if value is not None:
            return self.emit(POWC, self.expr(base), c=value)
        return self.emit(POW, self.expr(base), self.expr(exponent))


def translate(lifted: ast.Module, entrypoint: str, inputs: Sequence[str]) -> Code | None:
    """The instructions of a lifted formula (``_P[i]`` for its constants, see
    :func:`evolve.programs.constants.lift_constants`), or None when it uses anything the interpreter does not run."""
    entry = next((n for n in ast.walk(lifted) if isinstance(n, ast.FunctionDef) and n.name == entrypoint), None)
    if entry is None:
        return None
    args = [a.arg for a in entry.args.posonlyargs + entry.args.args]
    builder = _Builder(args[: len(inputs)], program.PARAMS_NAME)
    body = list(entry.body)
    if body and isinstance(body[0], ast.Expr) and isinstance(body[0].value, ast.Constant):
        body = body[1:]
    try:
        for stmt in body[:-1]:
            if not (isinstance(stmt, ast.Assign) and len(stmt.targets) == 1 and isinstance(stmt.targets[0], ast.Name)
                    and stmt.targets[0].id not in builder.names and stmt.targets[0].id not in builder.inputs):
                return None
            builder.names[stmt.targets[0].id] = builder.expr(stmt.value)
        if not body or not isinstance(body[-1], ast.Return) or body[-1].value is None:
            return None
        out = builder.expr(body[-1].value)
    except (_Untranslatable, RecursionError):
        return None
    rows = builder.rows
    if out != len(rows) - 1:  # the result must be the last instruction: copy it there (x + 0)
        if len(rows) + 2 > MAX_NODES:
            return None
        zero = builder.emit(CONST, c=0.0)
        rows.append((ADD, out, zero, 0, 0.0))
    size = max(MIN_BUFFER, 1 << (len(rows) - 1).bit_length())
    table = np.zeros((size, 5))
    table[: len(rows)] = rows
    ints = table[:, :4].astype(np.int32)
    return Code(ints[:, 0], ints[:, 1], ints[:, 2], ints[:, 3], table[:, 4].copy(), len(rows))


def _branches() -> list[Callable]:
    import jax.numpy as jnp

    def unary(f: Callable) -> Callable:
        return lambda x, y, p, v, c: f(x)

    return [
        lambda x, y, p, v, c: v,  # INPUT
        lambda x, y, p, v, c: jnp.broadcast_to(p, x.shape),  # PARAM
        lambda x, y, p, v, c: jnp.broadcast_to(c, x.shape).astype(x.dtype),  # CONST
        lambda x, y, p, v, c: x + y,
        lambda x, y, p, v, c: x - y,
        lambda x, y, p, v, c: x * y,
        lambda x, y, p, v, c: x / y,
        lambda x, y, p, v, c: jnp.power(x, y),
        lambda x, y, p, v, c: jnp.power(x, c.astype(x.dtype)),  # POWC
        lambda x, y, p, v, c: -x,
        *(unary(getattr(jnp, name)) for name in UNARY),
    ]


def run(code: Code | tuple, theta: Any, X: Any) -> Any:
    """The formula's values (traceable; jit it, or call it inside a jitted function).

    Args:
        code: a :class:`Code` (its arrays may be JAX arrays).
        theta: the constants ``_P``, shape ``(n,)`` with ``n >= 1``.
        X: the inputs, shape ``(d, rows)``.

    Returns:
        shape ``(rows,)``.
    """
    import jax
    import jax.numpy as jnp

    op, a, b, k, c, length = code
    branches = _branches()
    buffer = jnp.zeros((op.shape[0], X.shape[1]), dtype=X.dtype)
    theta = jnp.reshape(theta, (-1,)).astype(X.dtype)  # the branches must agree on one dtype: the data's

    def step(i: Any, buffer: Any) -> Any:
        # Clamped indices: an input or parameter slot an instruction does not use may exceed the arrays.
        value = jax.lax.switch(op[i], branches, buffer[a[i]], buffer[b[i]],
                               theta[jnp.minimum(k[i], theta.shape[0] - 1)],
                               X[jnp.minimum(k[i], X.shape[0] - 1)], c[i])
        return buffer.at[i].set(value)

    length = jnp.asarray(length)
    buffer = jax.lax.fori_loop(jnp.zeros((), length.dtype), length, step, buffer)  # same int type, x64 or not
    return buffer[length - 1]


__all__ = ["MAX_NODES", "UNARY", "Code", "run", "translate"]

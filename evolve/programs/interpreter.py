"""Programs as data: an expression-like program translated into a short instruction list, run by one jitted
interpreter compiled once per code size, for every program of a problem.

Compiling each new program with XLA costs far more than running it (``bench/formula_eval.py`` and
``bench/eval_rate.py`` measure both), and a search proposes a new structure almost every time. Here a program
becomes arrays (one instruction per node: an operation, the nodes it reads, the input or parameter it loads, the
number it uses), so one compiled function serves every program of the same code size: formulas fitted to data
(:mod:`problems.symbolic`) and float32 approximations (:mod:`problems.float32`) alike.

Each instruction writes one row of a ``(code size, rows)`` buffer; ``lax.switch`` on the operation computes it
from earlier rows, one instruction per iteration of a loop XLA does not unroll. That keeps every operation
rounded as the program writes it: XLA contracts a multiply feeding an add into a fused multiply-add when both sit
in one fusion, which would change float32 results in their last bit, and no two instructions ever do.

The translation covers what these programs are made of: the inputs, ``_P[i]`` (lifted constants), numbers
(a subexpression of numbers alone folded in Python, as Python computes it before JAX sees it),
``jnp.pi``/``jnp.e``, ``+ - * / **``, unary minus and plus, ``jnp.float32(...)``, ``jnp.<f>`` of :data:`UNARY`,
``jnp.power``/``jnp.square``, and local names assigned (or augmented, ``t += ...``) before the ``return``.
:func:`translate` returns None for anything else, and the caller compiles that program instead, so the
interpreter never changes what a program means.
"""

from __future__ import annotations

import ast
import math
import operator
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Any, NamedTuple

import numpy as np

from evolve.programs import program

MAX_NODES = 128
"""Largest program (instructions) the interpreter runs; larger ones are compiled."""
MIN_BUFFER = 16
"""Code arrays are padded to a power of two at least this long: the interpreter's buffer has a row per
instruction, and a buffer sized to the formula is much faster than one sized for the largest (one compiled
fitter per size)."""

(INPUT, PARAM, CONST, ADD, SUB, MUL, DIV, NEG, ROUND32,
 GT, GE, LT, LE, EQ, NE, WHERE, MAX, MIN, ABS, POW, POWC) = range(21)
ARITHMETIC = ROUND32 + 1
"""The operations below this number are ``+ - * /``, negation and rounding to float32 (with loads): a program made
of them alone runs with ``run(..., ops=ARITHMETIC)``, whose table leaves out the rest (with ``select``, or vmapped
over programs, every operation of the table is computed for each instruction)."""
CONTROL = ABS + 1
"""The operations below this number add comparisons (1 or 0), ``jnp.where``, ``jnp.maximum``, ``jnp.minimum``,
``jnp.clip`` and ``jnp.abs``: what policies are made of."""
UNARY = ("sin", "cos", "tan", "exp", "log", "sqrt", "tanh", "sinh", "cosh", "arctan", "log1p", "expm1")
"""Further ``jnp`` functions of one argument the interpreter runs, each its own operation after :data:`POWC`."""
OPS = POWC + 1 + len(UNARY)
"""How many operations the full table has."""
_COMPARE = {ast.Gt: GT, ast.GtE: GE, ast.Lt: LT, ast.LtE: LE, ast.Eq: EQ, ast.NotEq: NE}
_TWO_OPERANDS = {ADD, SUB, MUL, DIV, POW, *_COMPARE.values(), MAX, MIN}
_ONE_OPERAND = {NEG, ROUND32, ABS, POWC, *range(POWC + 1, OPS)}
_INT32 = 2**31 - 1
_EXACT_INT = 2**24  # the ints a float32 holds exactly: a program's int arithmetic runs in the data's float type
_BINARY = {ast.Add: ADD, ast.Sub: SUB, ast.Mult: MUL, ast.Div: DIV}
_FOLD: dict[type, Callable[[Any, Any], Any]] = {ast.Add: operator.add, ast.Sub: operator.sub,
                                               ast.Mult: operator.mul, ast.Div: operator.truediv,
                                               ast.Pow: operator.pow}
_CONSTANTS = {"pi": math.pi, "e": math.e}
_MODULES = ("jnp", "math", "np")  # whose pi and e are numbers; only jnp's functions are translated


class Code(NamedTuple):
    """A translated program: instruction ``i`` computes node ``i`` from nodes ``a[i]``, ``b[i]``, input or
    parameter ``k[i]`` and number ``c[i]``; the last of ``length`` instructions is the result.
    Arrays have shape ``(size,)``: a power of two from
    :data:`MIN_BUFFER` to :data:`MAX_NODES`."""

    op: np.ndarray
    a: np.ndarray
    b: np.ndarray
    k: np.ndarray
    c: np.ndarray
    length: int


@dataclass(frozen=True)
class Interpretation:
    """How one problem's programs run through the interpreter, for the parts of the engine that run them without
    knowing the problem (the constant tuner).

    Attributes:
        translate: ``translate(tree) -> Code | None``: the program (constants as numbers, or lifted into
            ``_P[i]``) as code, None when the interpreter cannot run it (:func:`translate` with the problem's
            inputs and table).
        function: ``function(code, theta) -> fn``: the program as the function the problem's loss calls, for
            code (arrays, possibly traced) and constants ``theta`` (traceable). The function must be differentiable
            in ``theta`` by reverse mode when a gradient tuner uses it (:func:`run` with ``reverse=True``).
    """

    translate: Callable[[ast.Module], Code | None]
    function: Callable[[Any, Any], Callable[..., Any]]


class _Untranslatable(Exception):
    pass


class _Builder:
    def __init__(self, inputs: Sequence[str], params_name: str, vector: str | None = None) -> None:
        self.inputs = {name: i for i, name in enumerate(inputs)}
        self.params_name = params_name
        self.vector = vector
        self.rows: list[tuple[int, int, int, int, float]] = []
        self.memo: dict[tuple, int] = {}
        self.names: dict[str, int] = {}
        self.numbers: dict[str, Any] = {}  # names bound to a Python number: still a Python number where used
        self.scalar: set[int] = set()  # nodes that read no input: a scalar when the program runs on arrays
        # Nodes JAX types float32 (``jnp.float32(...)`` and what is computed from them with Python numbers alone):
        # in a program that runs in float64 each is rounded to float32, as JAX computes them in float32.
        self.narrow: set[int] = set()
        self.weak: set[int] = set()  # Python numbers: they take the type of what they meet

    def emit(self, op: int, a: int = 0, b: int = 0, k: int = 0, c: float = 0.0) -> int:
        if op == DIV and b in self.scalar and a not in self.scalar:
            # XLA rewrites an array divided by a scalar as the array times the scalar's reciprocal (rounded once
            # more: a last-bit difference at about a third of float32 points), eagerly and jitted alike; the
            # interpreter, whose operands are rows, does what the compiled program does.
            return self.emit(MUL, a, self.emit(DIV, self.emit(CONST, c=1.0), b))
        key = (op, a, b, k, c, math.copysign(1.0, c))  # -0.0 and 0.0 are different numbers
        if key not in self.memo:  # a repeated subexpression is computed once
            if len(self.rows) >= MAX_NODES:
                raise _Untranslatable
            self.rows.append((op, a, b, k, c))
            self.memo[key] = len(self.rows) - 1
            reads = (a,) if op in _ONE_OPERAND else (a, b) if op in _TWO_OPERANDS else (a, b, k) if op == WHERE else ()
            if op != INPUT and all(r in self.scalar for r in reads):
                self.scalar.add(len(self.rows) - 1)
        return self.memo[key]

    def number(self, node: ast.expr) -> float | None:
        """The value of a subexpression of numbers alone (no input, parameter or call), computed as Python
        computes it before JAX sees it (``0.5 * 3`` is one number, rounded once), or None."""
        if isinstance(node, ast.Constant) and type(node.value) in (int, float):
            return node.value
        if isinstance(node, ast.Name) and node.id in self.numbers:
            return self.numbers[node.id]
        if (isinstance(node, ast.Attribute) and isinstance(node.value, ast.Name) and node.value.id in _MODULES
                and node.attr in _CONSTANTS):
            return _CONSTANTS[node.attr]
        if isinstance(node, ast.UnaryOp) and isinstance(node.op, (ast.USub, ast.UAdd)):
            inner = self.number(node.operand)
            return None if inner is None else (-inner if isinstance(node.op, ast.USub) else inner)
        if isinstance(node, ast.BinOp) and type(node.op) in _FOLD:
            left = self.number(node.left)
            right = None if left is None else self.number(node.right)
            if right is None:
                return None
            try:
                value = _FOLD[type(node.op)](left, right)
            except (ArithmeticError, ValueError):  # Python raises it at run time too: the compiled path says so
                raise _Untranslatable from None
            # A complex power, or an int JAX could not take as a weak int32: not a number the interpreter holds.
            if type(value) not in (int, float) or (type(value) is int and abs(value) > _INT32):
                raise _Untranslatable
            return value
        return None

    def typed(self, node: int, operands: tuple[int, ...]) -> int:
        """``node``, rounded to float32 when its operands are float32 or Python numbers and one is float32."""
        if all(o in self.narrow or o in self.weak for o in operands) and any(o in self.narrow for o in operands):
            node = self.emit(ROUND32, node)
            self.narrow.add(node)
        return node

    def bind(self, name: str, value: ast.expr) -> None:
        """``name = value``: a Python number stays one (``h = 1.5; h * h`` is folded as Python does)."""
        number = self.number(value)
        if number is not None:
            self.numbers[name] = number
            self.names.pop(name, None)
        else:
            self.names[name] = self.expr(value)
            self.numbers.pop(name, None)

    def constant(self, value: float) -> int:
        if type(value) is int and abs(value) > _EXACT_INT:  # JAX computes with it as an int32, exactly
            raise _Untranslatable
        node = self.emit(CONST, c=float(value))
        self.weak.add(node)
        return node

    def expr(self, node: ast.expr) -> int:
        value = self.number(node)
        if value is not None:
            return self.constant(value)
        if isinstance(node, ast.Name):
            if node.id in self.names:
                return self.names[node.id]
            if node.id in self.inputs:
                return self.emit(INPUT, k=self.inputs[node.id])
            raise _Untranslatable
        if (isinstance(node, ast.Subscript) and isinstance(node.value, ast.Name)
                and isinstance(node.slice, ast.Constant) and type(node.slice.value) is int and node.slice.value >= 0):
            if node.value.id == self.params_name:
                return self.emit(PARAM, k=node.slice.value)
            if node.value.id == self.vector and node.value.id not in self.names | self.numbers:  # the input's entry
                return self.emit(INPUT, k=node.slice.value)
            raise _Untranslatable
        if isinstance(node, ast.Compare) and len(node.ops) == 1 and type(node.ops[0]) in _COMPARE:
            left, right = self.expr(node.left), self.expr(node.comparators[0])
            return self.emit(_COMPARE[type(node.ops[0])], left, right)
        if isinstance(node, ast.UnaryOp) and isinstance(node.op, ast.USub):
            operand = self.expr(node.operand)
            return self.typed(self.emit(NEG, operand), (operand,))
        if isinstance(node, ast.UnaryOp) and isinstance(node.op, ast.UAdd):
            return self.expr(node.operand)
        if isinstance(node, ast.BinOp) and type(node.op) in _BINARY:
            left, right = self.expr(node.left), self.expr(node.right)
            return self.typed(self.emit(_BINARY[type(node.op)], left, right), (left, right))
        if isinstance(node, ast.BinOp) and isinstance(node.op, ast.Pow):
            return self.power(node.left, node.right)
        if (isinstance(node, ast.Call) and isinstance(node.func, ast.Attribute)
                and isinstance(node.func.value, ast.Name) and node.func.value.id == "jnp" and not node.keywords):
            name, args = node.func.attr, node.args
            if name == "float32" and len(args) == 1:
                inner = self.number(args[0])
                value = self.emit(CONST, c=float(np.float32(inner))) if inner is not None else self.expr(args[0])
                node = self.emit(ROUND32, value)
                self.narrow.add(node)
                return node
            if name == "where" and len(args) == 3:
                test, yes, no = (self.expr(arg) for arg in args)
                return self.emit(WHERE, yes, no, k=test)
            if name in ("maximum", "minimum") and len(args) == 2:
                left, right = self.expr(args[0]), self.expr(args[1])
                return self.typed(self.emit(MAX if name == "maximum" else MIN, left, right), (left, right))
            if name == "clip" and len(args) == 3:  # as jnp.clip computes it: maximum(low, e), then minimum(high, .)
                value, low, high = (self.expr(arg) for arg in args)
                raised = self.typed(self.emit(MAX, low, value), (low, value))
                return self.typed(self.emit(MIN, high, raised), (high, raised))
            if name == "abs" and len(args) == 1:
                operand = self.expr(args[0])
                return self.typed(self.emit(ABS, operand), (operand,))
            if name in UNARY and len(args) == 1:
                operand = self.expr(args[0])
                return self.typed(self.emit(POWC + 1 + UNARY.index(name), operand), (operand,))
            if name == "square" and len(args) == 1:
                operand = self.expr(args[0])
                return self.typed(self.emit(POWC, operand, c=2.0), (operand,))
            if name == "power" and len(args) == 2:
                return self.power(*args)
        raise _Untranslatable

    def power(self, base: ast.expr, exponent: ast.expr) -> int:
        # A written exponent has no derivative: POWC keeps a negative base with an integer exponent finite
        # under differentiation, where pow's derivative in the exponent (log of the base) would not be.
        value = self.number(exponent)
        if value is not None:
            operand = self.expr(base)
            return self.typed(self.emit(POWC, operand, c=value), (operand,))
        left, right = self.expr(base), self.expr(exponent)
        return self.typed(self.emit(POW, left, right), (left, right))


def translate(tree: ast.Module, entrypoint: str, inputs: Sequence[str], ops: int = OPS,
              vector: bool = False) -> Code | None:
    """The instructions of the program ``tree``'s function ``entrypoint``, whose first ``len(inputs)`` arguments
    are the inputs (its constants written as numbers, or lifted into ``_P[i]`` by
    :func:`evolve.programs.constants.lift_constants`), or None when it uses anything the interpreter does not run
    or an operation numbered ``ops`` or above (``ops=ARITHMETIC``: ``+ - * /`` alone). With ``vector``, the
    function's one argument is a vector (a policy's ``obs``) read entry by entry (``obs[2]``: input row 2; an index
    past its end reads the last entry, as JAX's indexing does); the whole vector is not a value."""
    entry = next((n for n in ast.walk(tree) if isinstance(n, ast.FunctionDef) and n.name == entrypoint), None)
    if entry is None:
        return None
    args = [a.arg for a in entry.args.posonlyargs + entry.args.args]
    if vector:
        if not args:
            return None
        builder = _Builder((), program.PARAMS_NAME, vector=args[0])
    else:
        builder = _Builder(args[: len(inputs)], program.PARAMS_NAME)
    body = list(entry.body)
    if body and isinstance(body[0], ast.Expr) and isinstance(body[0].value, ast.Constant):
        body = body[1:]
    try:
        for stmt in body[:-1]:
            # A name assigned again is a new value (as Python rebinds it); ``t += e`` is ``t = t + e``.
            if isinstance(stmt, ast.Assign) and len(stmt.targets) == 1 and isinstance(stmt.targets[0], ast.Name):
                builder.bind(stmt.targets[0].id, stmt.value)
            elif (isinstance(stmt, ast.AugAssign) and isinstance(stmt.target, ast.Name)
                  and type(stmt.op) in _BINARY | {ast.Pow: POW}):
                builder.bind(stmt.target.id, ast.BinOp(ast.Name(stmt.target.id, ast.Load()), stmt.op, stmt.value))
            else:
                return None
        if not body or not isinstance(body[-1], ast.Return) or body[-1].value is None:
            return None
        out = builder.expr(body[-1].value)
    except (_Untranslatable, RecursionError):
        return None
    rows = builder.rows
    if out != len(rows) - 1:  # the result must be the last instruction: copy it there (x * 1 is x, -0 included)
        if len(rows) + 2 > MAX_NODES:
            return None
        one = builder.emit(CONST, c=1.0)
        rows.append((MUL, out, one, 0, 0.0))
    if max(row[0] for row in rows) >= ops:
        return None
    size = max(MIN_BUFFER, 1 << (len(rows) - 1).bit_length())
    table = np.zeros((size, 5))
    table[: len(rows)] = rows
    ints = table[:, :4].astype(np.int32)
    return Code(ints[:, 0], ints[:, 1], ints[:, 2], ints[:, 3], table[:, 4].copy(), len(rows))


def _branches(ops: int) -> list[Callable]:
    """The first ``ops`` operations' branches, in the order of their numbers."""
    import jax.numpy as jnp

    def unary(f: Callable) -> Callable:
        return lambda x, y, p, v, c, w: f(x)

    def compare(f: Callable) -> Callable:
        return lambda x, y, p, v, c, w: f(x, y).astype(x.dtype)

    return [
        lambda x, y, p, v, c, w: v,  # INPUT
        lambda x, y, p, v, c, w: jnp.broadcast_to(p, x.shape),  # PARAM
        lambda x, y, p, v, c, w: jnp.broadcast_to(c, x.shape).astype(x.dtype),  # CONST
        lambda x, y, p, v, c, w: x + y,
        lambda x, y, p, v, c, w: x - y,
        lambda x, y, p, v, c, w: x * y,
        lambda x, y, p, v, c, w: x / y,
        lambda x, y, p, v, c, w: -x,  # NEG
        lambda x, y, p, v, c, w: x.astype(jnp.float32).astype(x.dtype),  # ROUND32
        *(compare(f) for f in (jnp.greater, jnp.greater_equal, jnp.less, jnp.less_equal, jnp.equal,
                               jnp.not_equal)),
        lambda x, y, p, v, c, w: jnp.where(w != 0, x, y),  # WHERE: the condition is node k
        lambda x, y, p, v, c, w: jnp.maximum(x, y),
        lambda x, y, p, v, c, w: jnp.minimum(x, y),
        lambda x, y, p, v, c, w: jnp.abs(x),
        lambda x, y, p, v, c, w: jnp.power(x, y),
        lambda x, y, p, v, c, w: jnp.power(x, c.astype(x.dtype)),  # POWC
        *(unary(getattr(jnp, name)) for name in UNARY),
    ][:ops]


def run(code: Code | tuple, theta: Any, X: Any, ops: int = OPS, chunk: int | None = None, select: bool = False,
        reverse: bool = False) -> Any:
    """The program's values (traceable; jit it with ``ops``, ``chunk``, ``select`` and ``reverse`` static, or call
    it inside a jitted function).

    Args:
        code: a :class:`Code` (its arrays may be JAX arrays).
        theta: the constants ``_P``, shape ``(n,)`` (``n`` may be 0 for a program without lifted constants).
        X: the inputs, shape ``(d, rows)``; the program computes in their dtype.
        ops: how many operations the table holds (:data:`ARITHMETIC` for a program translated with it).
        chunk: run the rows in chunks of this many (the buffer of a chunk stays in cache: several times faster
            on millions of rows); None: all at once.
        select: compute every operation of the table for each instruction and keep its own, instead of a
            ``lax.switch`` that computes only that one: faster on a CPU for the small arithmetic table (a
            conditional costs microseconds each time), and the same values. Under differentiation an operation
            not kept can still put NaN in a gradient (an overflowed product's); a division's divisor is made safe.
        reverse: loop over every instruction slot of the code, those past ``length`` leaving their row as it is,
            so that the loop's trip count is fixed and reverse-mode differentiation (``jax.grad``) can run
            through it; otherwise the loop stops at ``length`` (forward mode only).

    Returns:
        shape ``(rows,)``.
    """
    import jax
    import jax.numpy as jnp

    op, a, b, k, c, length = code
    branches = _branches(ops)
    theta = jnp.reshape(theta, (-1,)).astype(X.dtype)  # the branches must agree on one dtype: the data's
    if theta.shape[0] == 0:
        theta = jnp.zeros((1,), X.dtype)
    length = jnp.asarray(length)

    def values(X: Any) -> Any:
        def step(i: Any, buffer: Any) -> Any:
            # Clamped indices: an input or parameter slot an instruction does not use may exceed the arrays.
            operands = (jax.lax.dynamic_index_in_dim(buffer, a[i], keepdims=False),
                        jax.lax.dynamic_index_in_dim(buffer, b[i], keepdims=False),
                        theta[jnp.minimum(k[i], theta.shape[0] - 1)],
                        jax.lax.dynamic_index_in_dim(X, jnp.minimum(k[i], X.shape[0] - 1), keepdims=False), c[i],
                        jax.lax.dynamic_index_in_dim(buffer, jnp.minimum(k[i], buffer.shape[0] - 1), keepdims=False))
            if select:
                # A divisor of 1 where the instruction is no division: the division computed anyway stays finite,
                # and so do its derivatives (a NaN there would reach the gradient through the discarded branch).
                divisor = jnp.where(op[i] == DIV, operands[1], jnp.ones_like(operands[1]))
                value = operands[0]
                for j, branch in enumerate(branches):
                    args = (operands[0], divisor, *operands[2:]) if j == DIV else operands
                    value = jnp.where(op[i] == j, branch(*args), value)
            else:
                value = jax.lax.switch(op[i], branches, *operands)
            if reverse:
                value = jnp.where(i < length, value, buffer[i])
            return buffer.at[i].set(value)

        buffer = jnp.zeros((op.shape[0], X.shape[1]), dtype=X.dtype)
        if reverse:
            buffer = jax.lax.fori_loop(0, op.shape[0], step, buffer)
        else:
            buffer = jax.lax.fori_loop(jnp.zeros((), length.dtype), length, step, buffer)  # one int type, x64 or not
        return buffer[length - 1]

    rows = X.shape[1]
    if chunk is None or rows <= chunk:
        return values(X)
    pieces = -(-rows // chunk)
    padded = jnp.pad(X, ((0, 0), (0, pieces * chunk - rows)), mode="edge")
    split = padded.reshape(X.shape[0], pieces, chunk).transpose(1, 0, 2)
    return jax.lax.map(values, split).reshape(-1)[:rows]


def stack(codes: Sequence[Code]) -> tuple[np.ndarray, ...]:
    """Codes of one size as one batch: each array with a leading axis of programs (``length`` too), for
    ``jax.vmap(run, in_axes=(0, 0, None))`` over programs."""
    sizes = {code.op.shape[0] for code in codes}
    if len(sizes) != 1:
        raise ValueError(f"codes of one batch must have one size, got sizes {sorted(sizes)}")
    return tuple(np.stack([np.asarray(field) for field in column]) for column in zip(*codes, strict=True))


__all__ = ["ARITHMETIC", "CONTROL", "Interpretation", "MAX_NODES", "OPS", "UNARY", "Code", "run", "stack", "translate"]

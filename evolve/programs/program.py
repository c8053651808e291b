"""Source handling for candidate programs.

A candidate is Python source that defines an entrypoint function written with ``jnp`` (``jax.numpy``),
``lax`` (``jax.lax``) and ``math``. This module parses it, splits out the ``EVOLVE-BLOCK`` a mutator may
change, hashes a normalised form of it (so that equal programs written differently collide), and compiles it
in a namespace that offers nothing else. Its static check is :mod:`evolve.programs.static_check`; lifting its float
literals into a parameter vector (for constant tuning and parameter fitting) is :mod:`evolve.programs.constants`.

Every function here is pure: none does I/O, none mutates its arguments (except that
:func:`compile_program` fills in missing line numbers of a tree it is given).

Order of use: :func:`parse` -> :func:`evolve.programs.static_check.check` -> :func:`code_hash` ->
:func:`compile_program`. :func:`compile_program` does not run the check itself; callers must, since the
namespace alone is not a sandbox.
"""

from __future__ import annotations

import ast
import builtins
import copy
import dis
import functools
import hashlib
import math
import sys
import types
import warnings
from collections.abc import Callable, Sequence
from typing import Any

from evolve.evaluation import row_limits

EVOLVE_START = "# EVOLVE-BLOCK-START"
EVOLVE_END = "# EVOLVE-BLOCK-END"

MAX_SOURCE_CHARS = 20_000
"""Longest source text :func:`parse` accepts."""

MAX_QUOTE_CHARS = 500
"""Longest text of a candidate's own exception that a :class:`ProgramError` message quotes."""

PARAMS_NAME = "_P"
"""Name of the parameter vector that :func:`evolve.programs.constants.lift_constants` introduces."""


class ProgramError(ValueError):
    """A candidate program is not acceptable; the message is the reason stored in the archive."""


# --------------------------------------------------------------------------------------------------
# EVOLVE-BLOCK markers


def _is_marker(line: str, marker: str) -> bool:
    return line.strip().startswith(marker)


def split_block(source: str) -> tuple[str, str, str]:
    """Split ``source`` into ``(prefix, block, suffix)`` around the EVOLVE-BLOCK markers.

    ``prefix`` ends with the ``# EVOLVE-BLOCK-START`` line (newline included), ``suffix`` begins with the
    ``# EVOLVE-BLOCK-END`` line, and ``block`` is everything between them, so that
    ``join_block(*split_block(s)) == s``. Without markers, ``prefix`` and ``suffix`` are ``""`` and
    ``block`` is the whole source.

    Raises:
        ProgramError: a marker is missing its partner, the markers are out of order, or there is more
            than one block.
    """
    lines = source.splitlines(keepends=True)
    starts = [i for i, line in enumerate(lines) if _is_marker(line, EVOLVE_START)]
    ends = [i for i, line in enumerate(lines) if _is_marker(line, EVOLVE_END)]
    if not starts and not ends:
        return "", source, ""
    if len(starts) != 1 or len(ends) != 1:
        raise ProgramError(
            f"expected exactly one {EVOLVE_START!r} and one {EVOLVE_END!r} line, "
            f"found {len(starts)} and {len(ends)}"
        )
    start, end = starts[0], ends[0]
    if end < start:
        raise ProgramError(f"line {end + 1}: {EVOLVE_END!r} comes before {EVOLVE_START!r}")
    prefix = "".join(lines[: start + 1])
    block = "".join(lines[start + 1 : end])
    suffix = "".join(lines[end:])
    return prefix, block, suffix


def join_block(prefix: str, block: str, suffix: str) -> str:
    """Inverse of :func:`split_block`: put a (possibly rewritten) block back between prefix and suffix.

    Adds the newlines a rewritten block may lack so that the markers stay on lines of their own.
    """
    if prefix and not prefix.endswith("\n"):
        prefix += "\n"
    if block and suffix and not block.endswith("\n"):
        block += "\n"
    return prefix + block + suffix


# --------------------------------------------------------------------------------------------------
# Parsing


def parse(source: str) -> ast.Module:
    """Parse candidate source into a module.

    Raises:
        ProgramError: the source is longer than :data:`MAX_SOURCE_CHARS`, is not valid Python
            (``"syntax error at line N: ..."``), or is nested too deeply for the parser.
    """
    if not isinstance(source, str):
        raise ProgramError(f"the program must be a string, not {type(source).__name__}")
    if len(source) > MAX_SOURCE_CHARS:
        raise ProgramError(f"the program is too long ({len(source)} characters, at most {MAX_SOURCE_CHARS})")
    try:
        return ast.parse(source)
    except SyntaxError as e:
        return _raise_syntax(e)
    except (ValueError, RecursionError, MemoryError) as e:  # null bytes, absurd nesting
        raise ProgramError(f"the program cannot be parsed: {type(e).__name__}: {e}") from None


def _raise_syntax(e: SyntaxError) -> ast.Module:
    where = f"line {e.lineno}" if e.lineno is not None else "unknown line"
    text = (e.text or "").strip()
    detail = f" ({text})" if text and len(text) <= 80 else ""
    raise ProgramError(f"syntax error at {where}: {e.msg}{detail}") from None


def count_nodes(tree: ast.AST) -> int:
    """Number of AST nodes in ``tree`` (operators and contexts included)."""
    return sum(1 for _ in ast.walk(tree))




# --------------------------------------------------------------------------------------------------
# The namespace a candidate runs in


IO_NAMES = frozenset(
    {
        "load", "save", "savez", "savez_compressed", "fromfile", "frombuffer", "memmap", "loadtxt",
        "savetxt", "genfromtxt", "tofile", "dump", "dumps", "set_printoptions", "printoptions",
    }
)  # fmt: skip
"""File I/O (and global-state) names removed from the namespaces and banned as attributes."""

MODULE_NAMES = frozenset({"jnp", "lax", "math"})
"""The namespace's modules: names a candidate may read but not bind (``jnp.delete`` must stay the function)."""

class SafeNamespace:
    """A read-only stand-in for a module exposing only chosen attributes.

    Candidates see ``jnp``, ``lax`` and ``math`` as instances of this class; it holds the real
    functions but no modules (except proxied sub-namespaces) and no file I/O.
    """

    __slots__ = ("_name", "_attrs")

    def __init__(self, name: str, attrs: dict[str, Any]) -> None:
        object.__setattr__(self, "_name", name)
        object.__setattr__(self, "_attrs", dict(attrs))

    def __getattr__(self, attr: str) -> Any:
        try:
            return self._attrs[attr]
        except KeyError:
            raise AttributeError(f"{self._name} has no attribute {attr!r}") from None

    def __setattr__(self, attr: str, value: Any) -> None:
        raise AttributeError(f"{self._name} is read-only")

    def __delattr__(self, attr: str) -> None:
        raise AttributeError(f"{self._name} is read-only")

    def __dir__(self) -> list[str]:
        return sorted(self._attrs)

    def __repr__(self) -> str:
        return f"<namespace {self._name}>"


def _proxy(name: str, module: types.ModuleType, submodules: Sequence[str] = ()) -> SafeNamespace:
    from jax.extend.core import Primitive

    attrs: dict[str, Any] = {}
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        for attr in dir(module):
            if attr.startswith("_") or attr in IO_NAMES:
                continue
            try:
                value = getattr(module, attr)
            except Exception:  # deprecated or lazily failing attributes
                continue
            if isinstance(value, types.ModuleType):
                if attr in submodules:
                    attrs[attr] = _proxy(f"{name}.{attr}", value)
                continue
            if isinstance(value, Primitive):  # lax.add_p.def_impl(...) would redefine `+` for every later caller
                continue
            attrs[attr] = value
    return SafeNamespace(name, attrs)


SAFE_BUILTINS = (
    "abs", "min", "max", "range", "len", "float", "int", "bool", "str", "tuple", "list", "dict", "set", "enumerate",
    "zip", "sum", "round", "pow", "reversed", "sorted", "any", "all", "map", "filter", "isinstance",
    "ValueError", "ZeroDivisionError", "ArithmeticError", "TypeError", "IndexError", "Exception",
)  # fmt: skip
"""Builtins a candidate may use."""

_MODULES: dict[str, SafeNamespace] = {}


def _modules() -> dict[str, SafeNamespace]:
    if not _MODULES:
        import jax.lax
        import jax.numpy

        _MODULES["jnp"] = _proxy("jnp", jax.numpy, submodules=("linalg", "fft"))
        _MODULES["lax"] = _proxy("lax", jax.lax)
        _MODULES["math"] = _proxy("math", math)
    return _MODULES


_IMPORT_NAME = dis.opmap["IMPORT_NAME"]
_INTERNAL_IMPORTS = frozenset({"numpy", "ml_dtypes"})


def _guarded_import(name: str, globals: Any = None, locals: Any = None, fromlist: Any = (), level: int = 0):
    """``__import__`` for candidates: refuses import statements, serves the libraries' own C lookups.

    JAX's C++ code imports ``numpy`` and ``ml_dtypes`` through the builtins of the calling (candidate)
    frame, so ``__import__`` must exist there; an ``import`` statement in the candidate itself is
    refused (and :func:`evolve.programs.static_check.check` already rejects both imports and the name ``__import__``).
    """
    caller = sys._getframe(1)
    code = caller.f_code.co_code
    lasti = caller.f_lasti
    if 0 <= lasti < len(code) and code[lasti] == _IMPORT_NAME:
        raise ImportError(f"imports are not allowed (import {name})")
    if level != 0 or name not in _INTERNAL_IMPORTS:
        raise ImportError(f"imports are not allowed ({name})")
    return builtins.__import__(name, globals, locals, fromlist, level)


def namespace() -> dict[str, Any]:
    """A fresh globals dict for running a candidate: ``jnp``, ``lax``, ``math`` and safe builtins only.

    ``__builtins__`` also holds a guarded ``__import__`` that refuses import statements and serves only
    the ``numpy``/``ml_dtypes`` lookups JAX's C++ code makes through the calling frame.

    The module proxies are built once and shared (they are read-only); the dict and its
    ``__builtins__`` are new on every call.
    """
    ns: dict[str, Any] = dict(_modules())
    ns["__builtins__"] = {name: getattr(builtins, name) for name in SAFE_BUILTINS}
    ns["__builtins__"]["__import__"] = _guarded_import
    return ns


_KEPT_NAMES = frozenset({*MODULE_NAMES, PARAMS_NAME, "True", "False", "None", *SAFE_BUILTINS})


# --------------------------------------------------------------------------------------------------
# Compilation


def _as_tree(source_or_tree: str | ast.Module) -> ast.Module:
    if isinstance(source_or_tree, str):
        return parse(source_or_tree)
    if not isinstance(source_or_tree, ast.Module):
        raise TypeError(f"expected source text or ast.Module, got {type(source_or_tree).__name__}")
    return source_or_tree


def _code(tree: ast.Module) -> types.CodeType:
    ast.fix_missing_locations(tree)
    try:
        return compile(tree, "<candidate>", "exec")
    except SyntaxError as e:
        _raise_syntax(e)
        raise  # unreachable
    except (ValueError, TypeError, RecursionError) as e:
        raise ProgramError(f"the program cannot be compiled: {type(e).__name__}: {e}") from None


def _run(code: types.CodeType, ns: dict[str, Any], entrypoint: str) -> Callable[..., Any]:
    try:
        exec(code, ns)
    except Exception as e:
        # The candidate chose the message: quoted short.
        raise ProgramError("error while defining the program: "
                           + row_limits.cut(f"{type(e).__name__}: {e}", MAX_QUOTE_CHARS)) from None
    if entrypoint not in ns:
        raise ProgramError(f"the program does not define `{entrypoint}`")
    fn = ns[entrypoint]
    if not callable(fn):
        raise ProgramError(f"`{entrypoint}` is not a function (it is a {type(fn).__name__})")
    return fn


def _fresh(code: types.CodeType, entrypoint: str, params: Any = None) -> Callable[..., Any]:
    """The entrypoint, run on every call in a module body executed afresh.

    A candidate must keep nothing from one call to the next (a list at module level, a default value, a class
    attribute): the fitness may call it once to check its accuracy and again to time it, and the probe run that
    gives its functional hash is a call too. The module body runs once here, so that its errors show now.
    """

    def ns() -> dict[str, Any]:
        out = namespace()
        if params is not None:
            out[PARAMS_NAME] = params
        return out

    first = _run(code, ns(), entrypoint)

    @functools.wraps(first)
    def entry(*args: Any, **kwargs: Any) -> Any:
        return _run(code, ns(), entrypoint)(*args, **kwargs)

    return entry


def compile_program(source_or_tree: str | ast.Module, entrypoint: str) -> Callable[..., Any]:
    """Execute a candidate in a fresh :func:`namespace` and return its entrypoint.

    Each call of the returned function runs the module body again in a new namespace first, so that a
    candidate keeps no state between calls (module-level objects, defaults and class attributes are new).
    This does NOT call :func:`evolve.programs.static_check.check`; callers must check the tree first (the
    restricted namespace is not a sandbox on its own). A tree's missing line numbers are filled in place.

    Raises:
        ProgramError: the source does not parse, running the module body fails (message included), or
            ``entrypoint`` is missing or not callable.
    """
    tree = _as_tree(source_or_tree)
    return _fresh(_code(tree), entrypoint)


def compile_lifted(lifted: ast.Module, entrypoint: str) -> Callable[[Any], Callable[..., Any]]:
    """Compile a lifted tree once; return ``make(params)`` building the entrypoint with ``_P = params``.

    ``params`` has shape ``(n,)`` (a JAX array, tracer or list); ``make`` re-executes the module body
    in a fresh namespace on every call, so it works under ``jax.grad``/``jax.jit`` tracing, and so does each
    call of the function it returns (as in :func:`compile_program`). Like :func:`compile_program`, it does not
    call :func:`evolve.programs.static_check.check`.

    Raises:
        ProgramError: (from ``make``) the module body fails or ``entrypoint`` is missing.
    """
    code = _code(copy.deepcopy(lifted))

    def make(params: Any) -> Callable[..., Any]:
        return _fresh(code, entrypoint, params)

    return make


def unparse(tree: ast.AST) -> str:
    """Source text for ``tree`` (:func:`ast.unparse`)."""
    return ast.unparse(ast.fix_missing_locations(tree))


# --------------------------------------------------------------------------------------------------
# Normalisation and code hash


def _strip_docstrings(tree: ast.AST) -> None:
    for node in ast.walk(tree):
        if isinstance(node, (ast.Module, ast.FunctionDef, ast.AsyncFunctionDef, ast.ClassDef)):
            body = node.body
            if (
                body
                and isinstance(body[0], ast.Expr)
                and isinstance(body[0].value, ast.Constant)
                and isinstance(body[0].value.value, str)
            ):
                node.body = body[1:] or [ast.Pass()]


def _module_level_names(tree: ast.Module) -> set[str]:
    """Names bound at module level (functions, classes, assignment targets)."""
    names: set[str] = set()
    for stmt in tree.body:
        if isinstance(stmt, (ast.FunctionDef, ast.AsyncFunctionDef, ast.ClassDef)):
            names.add(stmt.name)
        elif isinstance(stmt, (ast.Assign, ast.AnnAssign, ast.AugAssign)):
            targets = stmt.targets if isinstance(stmt, ast.Assign) else [stmt.target]
            for target in targets:
                names.update(n.id for n in ast.walk(target) if isinstance(n, ast.Name))
    return names


def _is_number(value: Any) -> bool:
    return isinstance(value, (int, float, complex)) and not isinstance(value, bool)


class _Normaliser(ast.NodeTransformer):
    """Rename locals canonically, fold unary minus into numbers, order commutative operands."""

    def __init__(self, kept: set[str]) -> None:
        self.kept = kept
        self.names: dict[str, str] = {}

    def _rename(self, name: str) -> str:
        if name in self.kept:
            return name
        if name not in self.names:
            self.names[name] = f"%{len(self.names)}"  # not a valid identifier: cannot clash
        return self.names[name]

    def visit_Name(self, node: ast.Name) -> ast.AST:
        node.id = self._rename(node.id)
        return node

    def visit_arg(self, node: ast.arg) -> ast.AST:
        node.arg = self._rename(node.arg)
        self.generic_visit(node)
        return node

    def visit_FunctionDef(self, node: ast.FunctionDef) -> ast.AST:
        node.name = self._rename(node.name)
        self.generic_visit(node)
        return node

    def visit_ClassDef(self, node: ast.ClassDef) -> ast.AST:
        node.name = self._rename(node.name)
        self.generic_visit(node)
        return node

    def visit_ExceptHandler(self, node: ast.ExceptHandler) -> ast.AST:
        if node.name:
            node.name = self._rename(node.name)
        self.generic_visit(node)
        return node

    def visit_UnaryOp(self, node: ast.UnaryOp) -> ast.AST:
        self.generic_visit(node)
        if isinstance(node.op, ast.USub) and isinstance(node.operand, ast.Constant):
            value = node.operand.value
            if _is_number(value):
                return ast.copy_location(ast.Constant(-value), node)
        return node

    def visit_BinOp(self, node: ast.BinOp) -> ast.AST:
        self.generic_visit(node)
        if isinstance(node.op, (ast.Add, ast.Mult)):
            left, right = _dump(node.left), _dump(node.right)
            if right < left:
                node.left, node.right = node.right, node.left
        return node


def _dump(tree: ast.AST) -> str:
    return ast.dump(tree, annotate_fields=False, include_attributes=False)


def normalise(source_or_tree: str | ast.Module) -> ast.Module:
    """A normalised copy of a program, the form :func:`code_hash` hashes.

    Docstrings are stripped; arguments and local variables are renamed ``%0``, ``%1``... in order of
    first appearance (names bound at module level, keyword names used in calls, and the namespace's
    names ``jnp``, ``lax``, ``math``, builtins and ``_P`` are kept); a unary minus on a number is folded
    into the constant; the two operands of ``+`` and ``*`` are put in a canonical order (IEEE ``+`` and
    ``*`` commute; associativity is left alone). The result is for hashing, not for running: the
    canonical names are not valid identifiers, and ``+`` on sequences does not commute.
    """
    tree = copy.deepcopy(_as_tree(source_or_tree))
    _strip_docstrings(tree)
    kept = set(_KEPT_NAMES) | _module_level_names(tree)
    # A keyword argument names a parameter of the callee: keep such names so calls stay consistent.
    kept.update(n.arg for n in ast.walk(tree) if isinstance(n, ast.keyword) and n.arg is not None)
    try:
        return _Normaliser(kept).visit(tree)
    except RecursionError:
        raise ProgramError("the program is nested too deeply") from None


def code_hash(source_or_tree: str | ast.Module) -> str:
    """Hash of the :func:`normalise`-d program (blake2b, 16 bytes, hex).

    Programs that differ only in comments, whitespace, parentheses, docstrings, local variable names,
    the spelling of numbers (``1.0``/``1.``) or the order of the operands of ``+`` and ``*`` collide;
    programs that differ otherwise do not.
    """
    try:
        text = _dump(normalise(source_or_tree))
    except RecursionError:
        raise ProgramError("the program is nested too deeply") from None
    return hashlib.blake2b(text.encode(), digest_size=16).hexdigest()

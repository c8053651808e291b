"""Source handling for candidate programs.

A candidate is Python source that defines an entrypoint function written with ``jnp`` (``jax.numpy``),
``lax`` (``jax.lax``) and ``math``. This module parses it, checks it statically, splits out the
``EVOLVE-BLOCK`` a mutator may change, hashes a normalised form of it (so that equal programs written
differently collide), compiles it in a namespace that offers nothing else, and lifts its float literals
into a parameter vector (for constant tuning and parameter fitting).

Every function here is pure: none does I/O, none mutates its arguments (except that
:func:`compile_program` fills in missing line numbers of a tree it is given).

Order of use: :func:`parse` -> :func:`check` -> :func:`code_hash` -> :func:`compile_program`.
:func:`compile_program` does not run :func:`check` itself; callers must, since the namespace alone is not
a sandbox.
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
from collections.abc import Callable, Iterator, Sequence
from typing import Any

import numpy as np

from evolve import limits

EVOLVE_START = "# EVOLVE-BLOCK-START"
EVOLVE_END = "# EVOLVE-BLOCK-END"

MAX_SOURCE_CHARS = 20_000
"""Longest source text :func:`parse` accepts."""

MAX_NODES = 2000
"""Default largest number of AST nodes :func:`check` accepts."""

MAX_DEPTH = 200
"""Default deepest AST nesting :func:`check` accepts (deeper trees overflow recursive tools)."""

MAX_QUOTE_CHARS = 500
"""Longest text of a candidate's own exception that a :class:`ProgramError` message quotes."""

PARAMS_NAME = "_P"
"""Name of the parameter vector that :func:`lift_constants` introduces."""


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
# Parsing and static checks


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


def _depth(tree: ast.AST) -> int:
    deepest = 0
    stack = [(tree, 1)]
    while stack:
        node, depth = stack.pop()
        deepest = max(deepest, depth)
        stack.extend((child, depth + 1) for child in ast.iter_child_nodes(node))
    return deepest


BANNED_NAMES = frozenset(
    {
        "eval", "exec", "compile", "open", "input", "globals", "locals", "vars", "getattr", "setattr",
        "delattr", "hasattr", "__import__", "breakpoint", "help", "memoryview", "exit", "quit", "type",
        "object", "super", "classmethod", "staticmethod", "property", "dir", "id", "print",
    }
)  # fmt: skip
"""Names a candidate may not mention (as a bare name)."""

IO_NAMES = frozenset(
    {
        "load", "save", "savez", "savez_compressed", "fromfile", "frombuffer", "memmap", "loadtxt",
        "savetxt", "genfromtxt", "tofile", "dump", "dumps", "set_printoptions", "printoptions",
    }
)  # fmt: skip
"""File I/O (and global-state) names removed from the namespaces and banned as attributes."""

NATIVE_ATTRIBUTES = frozenset(
    {"client", "compile", "compiler_ir", "runtime_executable", "jaxpr", "unsafe_buffer_pointer", "ctypes"}
)
"""JAX's compiler, its programs and raw memory (``x.device.client`` compiles and runs any XLA program)."""

SHARED_STATE_ATTRIBUTES = frozenset({"delete", "clear_cache"})
"""Methods that change objects every candidate of an evaluator shares: ``x.delete()`` frees the evaluator's own
input array (``jnp.delete``, a function, stays allowed), ``clear_cache`` empties a library function's cache."""

BANNED_ATTRIBUTES = frozenset({"format", "format_map", "mro", "traceback"}) | IO_NAMES | NATIVE_ATTRIBUTES \
    | SHARED_STATE_ATTRIBUTES
"""Attribute names a candidate may not use."""

_INTROSPECTION_PREFIXES = ("gi_", "f_", "co_", "cr_", "tb_", "ag_")

BANNED_ATTRIBUTE_PREFIXES = ("_", "def_", *_INTROSPECTION_PREFIXES)
"""Attribute prefixes a candidate may not use (private names, a JAX primitive's ``def_impl`` and the like, which
redefine it for every later candidate, and frame/code/generator introspection)."""

MODULE_NAMES = frozenset({"jnp", "lax", "math"})
"""The namespace's modules: names a candidate may read but not bind (``jnp.delete`` must stay the function)."""

_BANNED_NODES: dict[type, str] = {
    ast.Import: "imports are not allowed",
    ast.ImportFrom: "imports are not allowed",
    ast.Global: "`global` statements are not allowed",
    ast.Nonlocal: "`nonlocal` statements are not allowed",
    ast.With: "`with` statements are not allowed",
    ast.AsyncWith: "async code is not allowed",
    ast.AsyncFunctionDef: "async code is not allowed",
    ast.AsyncFor: "async code is not allowed",
    ast.Await: "async code is not allowed",
    ast.Yield: "generators (`yield`) are not allowed",
    ast.YieldFrom: "generators (`yield from`) are not allowed",
}


def _identifiers(node: ast.AST) -> Iterator[tuple[str, str, bool]]:
    """Yield ``(kind, identifier, binds)`` for the identifiers a node binds or reads (attributes excluded)."""
    if isinstance(node, ast.Name):
        yield "name", node.id, isinstance(node.ctx, (ast.Store, ast.Del))
    elif isinstance(node, ast.arg):
        yield "argument", node.arg, True
    elif isinstance(node, ast.keyword) and node.arg is not None:
        yield "keyword", node.arg, False
    elif isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef)):
        yield "function name", node.name, True
    elif isinstance(node, ast.ClassDef):
        yield "class name", node.name, True
    elif isinstance(node, ast.ExceptHandler) and node.name:
        yield "name", node.name, True
    elif isinstance(node, ast.alias):
        yield "name", node.name, False
        if node.asname:
            yield "name", node.asname, True
    elif isinstance(node, (ast.MatchAs, ast.MatchStar)) and node.name:
        yield "name", node.name, True
    elif isinstance(node, ast.MatchMapping) and node.rest:
        yield "name", node.rest, True


def _problem_with(node: ast.AST) -> str | None:
    """Why ``node`` (alone) is not allowed, or ``None``."""
    for banned, reason in _BANNED_NODES.items():
        if isinstance(node, banned):
            if isinstance(node, (ast.Import, ast.ImportFrom)):
                return f"{reason} ({ast.unparse(node)})"
            return reason
    if isinstance(node, ast.comprehension) and node.is_async:
        return "async code is not allowed"
    if isinstance(node, ast.ExceptHandler) and node.name:
        # An exception object carries whatever the library put in it (`.args`, `.obj`, its traceback); a
        # candidate may catch an exception but not hold it.
        return f"naming the caught exception is not allowed (`except ... as {node.name}`)"
    for kind, ident, binds in _identifiers(node):
        if ident.startswith("__"):
            return f"{kind}s starting with '__' are not allowed ({ident})"
        if kind == "name" and ident in BANNED_NAMES:
            return f"`{ident}` is not allowed"
        if binds and ident in MODULE_NAMES:
            return f"`{ident}` cannot be rebound (it is the namespace's module)"
    if isinstance(node, ast.Attribute):
        if node.attr == "delete" and isinstance(node.value, ast.Name) and node.value.id == "jnp":
            return None  # the function jnp.delete, not an array's delete()
        return _attribute_problem(node.attr)
    if isinstance(node, ast.MatchClass):
        # `case C(name=v)` binds `subject.name`: the same lookup as `.name`, so the same rules.
        for attr in node.kwd_attrs:
            reason = _attribute_problem(attr)
            if reason is not None:
                return reason
        if node.patterns:
            # `case C(v)` binds the attribute named by `C.__match_args__`, which the check cannot see (a library
            # class may name a private field there).
            return ("positional patterns in a class pattern are not allowed (they bind attributes the check cannot "
                    f"see; name them: `case {ast.unparse(node.cls)}(attr=v)`, or `case {ast.unparse(node.cls)}() "
                    "as v`)")
    return None


def _attribute_problem(attr: str) -> str | None:
    """Why reading the attribute ``attr`` is not allowed, or ``None``."""
    if attr.startswith("_"):
        return f"attributes starting with '_' are not allowed (.{attr})"
    if attr.startswith(_INTROSPECTION_PREFIXES):
        return f"attribute `.{attr}` is not allowed (frame/code/generator introspection)"
    if attr in BANNED_ATTRIBUTES or attr.startswith(BANNED_ATTRIBUTE_PREFIXES):
        return f"attribute `.{attr}` is not allowed"
    return None


def check(tree: ast.Module, *, max_nodes: int = MAX_NODES, max_depth: int = MAX_DEPTH) -> None:
    """Statically check a parsed candidate; return ``None`` if it is acceptable.

    Forbids imports, ``global``/``nonlocal``, ``with``, async code and generators; dunder names,
    arguments, keywords and function/class names; the attributes of :data:`BANNED_ATTRIBUTES` and
    :data:`BANNED_ATTRIBUTE_PREFIXES` (private names, ``format``, file I/O, JAX's compiler, frame/code/generator
    introspection...), read as ``.attr`` or bound by a class pattern ``case C(attr=v)``, and positional class
    patterns (``case C(v)``); assigning or deleting any attribute, and any item except of a variable the
    enclosing function assigns itself; ``except ... as e``; rebinding ``jnp``, ``lax`` or ``math``; the names
    in :data:`BANNED_NAMES` (``eval``, ``open``, ``getattr``, ``type``...); more than ``max_nodes`` AST nodes
    or nesting deeper than ``max_depth``.

    Raises:
        ProgramError: with the reason, prefixed by ``"line N: "`` where the line is known.
    """
    n = count_nodes(tree)
    if n > max_nodes:
        raise ProgramError(f"the program is too large ({n} AST nodes, at most {max_nodes})")
    depth = _depth(tree)
    if depth > max_depth:
        raise ProgramError(f"the program is nested too deeply (depth {depth}, at most {max_depth})")
    own: dict[ast.AST, frozenset[str]] = {}
    stack: list[tuple[ast.AST, int | None, ast.AST]] = [(tree, None, tree)]
    while stack:
        node, line, scope = stack.pop()
        line = getattr(node, "lineno", None) or line
        reason = _problem_with(node) or _write_problem(node, scope, own)
        if reason is not None:
            raise ProgramError(f"line {line}: {reason}" if line else reason)
        children = list(ast.iter_child_nodes(node))
        inner = node if isinstance(node, _SCOPES) else scope
        stack.extend((child, line, inner) for child in reversed(children))  # report the first problem first


_SCOPES = (ast.Module, ast.FunctionDef, ast.AsyncFunctionDef, ast.Lambda, ast.ClassDef)


def _own_names(scope: ast.AST, cache: dict[ast.AST, frozenset[str]]) -> frozenset[str]:
    """Names ``scope`` assigns itself (not its parameters, which hold the caller's objects, nor a nested scope's)."""
    if scope not in cache:
        body = scope.body if isinstance(scope.body, list) else [scope.body]  # type: ignore[attr-defined]
        names: set[str] = set()
        todo: list[ast.AST] = list(body)
        while todo:
            node = todo.pop()
            if isinstance(node, ast.Name) and isinstance(node.ctx, ast.Store):
                names.add(node.id)
            if not isinstance(node, _SCOPES):
                todo.extend(ast.iter_child_nodes(node))
        args = getattr(scope, "args", None)
        if args is not None:
            params = [*args.posonlyargs, *args.args, *args.kwonlyargs, args.vararg, args.kwarg]
            names -= {a.arg for a in params if a is not None}
        cache[scope] = frozenset(names)
    return cache[scope]


def _write_problem(node: ast.AST, scope: ast.AST, cache: dict[ast.AST, frozenset[str]]) -> str | None:
    """Why ``node`` may not be assigned or deleted, or ``None``.

    A candidate must not change what outlives its call or is shared with other candidates (library functions,
    the evaluator's inputs, its own module-level objects, default values), so it may write only items of
    variables its function assigns itself.
    """
    if not isinstance(getattr(node, "ctx", None), (ast.Store, ast.Del)):
        return None
    if isinstance(node, ast.Attribute):
        return f"assigning or deleting an attribute is not allowed (.{node.attr})"
    if isinstance(node, ast.Subscript):
        root = node.value
        while isinstance(root, ast.Subscript):
            root = root.value
        if not (isinstance(root, ast.Name) and root.id in _own_names(scope, cache)):
            text = ast.unparse(root)
            text = text if len(text) <= 40 else text[:37] + "..."
            return (f"assigning or deleting an item of `{text}` is not allowed (only of a variable this function "
                    "assigns itself)")
    return None


# --------------------------------------------------------------------------------------------------
# The namespace a candidate runs in


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
    refused (and :func:`check` already rejects both imports and the name ``__import__``).
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
                           + limits.cut(f"{type(e).__name__}: {e}", MAX_QUOTE_CHARS)) from None
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
    This does NOT call :func:`check`; callers must check the tree first (the restricted namespace is
    not a sandbox on its own). A tree's missing line numbers are filled in place.

    Raises:
        ProgramError: the source does not parse, running the module body fails (message included), or
            ``entrypoint`` is missing or not callable.
    """
    tree = _as_tree(source_or_tree)
    return _fresh(_code(tree), entrypoint)


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


# --------------------------------------------------------------------------------------------------
# Constant lifting


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


def compile_lifted(lifted: ast.Module, entrypoint: str) -> Callable[[Any], Callable[..., Any]]:
    """Compile a lifted tree once; return ``make(params)`` building the entrypoint with ``_P = params``.

    ``params`` has shape ``(n,)`` (a JAX array, tracer or list); ``make`` re-executes the module body
    in a fresh namespace on every call, so it works under ``jax.grad``/``jax.jit`` tracing, and so does each
    call of the function it returns (as in :func:`compile_program`). Like :func:`compile_program`, it does not
    call :func:`check`.

    Raises:
        ProgramError: (from ``make``) the module body fails or ``entrypoint`` is missing.
    """
    code = _code(copy.deepcopy(lifted))

    def make(params: Any) -> Callable[..., Any]:
        return _fresh(code, entrypoint, params)

    return make

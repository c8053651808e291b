"""The static check of a candidate program: what it may not write, name, read or bind.

:func:`check` runs on a parsed candidate (:func:`evolve.programs.program.parse`) before it is compiled; the restricted
namespace (:func:`evolve.programs.program.namespace`) is not a sandbox on its own. The lists of banned names and
attributes are here, so that the rules and their reasons are read in one place.
"""

from __future__ import annotations

import ast
from collections.abc import Iterator

from evolve.programs.program import IO_NAMES, MODULE_NAMES, ProgramError, count_nodes

MAX_NODES = 2000
"""Default largest number of AST nodes :func:`check` accepts."""

MAX_DEPTH = 200
"""Default deepest AST nesting :func:`check` accepts (deeper trees overflow recursive tools)."""


BANNED_NAMES = frozenset(
    {
        "eval", "exec", "compile", "open", "input", "globals", "locals", "vars", "getattr", "setattr",
        "delattr", "hasattr", "__import__", "breakpoint", "help", "memoryview", "exit", "quit", "type",
        "object", "super", "classmethod", "staticmethod", "property", "dir", "id", "print",
    }
)  # fmt: skip
"""Names a candidate may not mention (as a bare name)."""

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


def _depth(tree: ast.AST) -> int:
    deepest = 0
    stack = [(tree, 1)]
    while stack:
        node, depth = stack.pop()
        deepest = max(deepest, depth)
        stack.extend((child, depth + 1) for child in ast.iter_child_nodes(node))
    return deepest


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

"""The GP operator registry: one declaration per operator, read by everything that lists, weighs or applies one.

An operator is declared once, next to its function, with :func:`register`::

    @register(weight=1.0, applies=lambda problem: bool(formula(problem).unary_functions))
    def insert_unary(source: str, problem: Problem, rng: np.random.Generator) -> str: ...

The default weights, :func:`portfolio` (what a campaign's bandit chooses among), :func:`applies_to` and
:class:`evolve.mutators.gp.GPMutator` all read the declarations. An operator is offered to a problem when its
predicate holds and none of the problem's extensions names it in ``excludes_operators`` (:func:`offered`). The
engine's generic operators, the constant tuner and the built-in families' operators
(``problems/symbolic/operators.py``, ``problems/agents/operators.py``) are loaded on first use. A problem
brings its own operators by registering them when its module is imported: an evaluator process re-creates the
problem by importing that module, so the operators exist wherever the problem does.
"""

from __future__ import annotations

import importlib
import math
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import Any

from evolve.problem import Problem

BUILTIN_MODULES = (
    "evolve.mutators.operators",
    "evolve.fitting.tuning",
    "problems.symbolic.operators",
    "problems.agents.operators",
)
"""The modules that declare the built-in operators, imported by the first lookup."""


def always(problem: Problem) -> bool:
    """The predicate of an operator that applies to every problem."""
    return True


@dataclass(frozen=True)
class Operator:
    """One GP operator and what the mutator needs to know to weigh and apply it.

    Attributes:
        name: the operator's name, as archive rows and bandit arms record it (never rename one).
        function: ``function(source, problem, rng) -> child source``; a crossover takes
            ``(source, other, problem, rng)``, a guided operator ``(source, problem, rng, metrics)`` and the tuner
            ``(source, problem, steps=, seed=)``.
        weight: its default weight (relative chance of being drawn).
        applies: whether it can ever act on a problem's programs.
        order: where it stands among the operators (they are drawn in this order, which a seeded run depends on);
            ties keep the order of registration. The built-ins' orders (10, 20...) keep the order of the one list
            they replaced, so seeded runs draw as before; an operator given none comes after them.
        parents: how many parents it takes (2 for a crossover; the second parent's id is kept in the meta).
        guided: it is handed the parent's metrics (its fit) as well.
        tuner: it is the constant tuner itself: called with the mutator's tuning steps and a seed drawn from the
            generator, and its child is never tuned again.
        tune_after: its children get their constants tuned by default (``GPMutator``'s ``tune_after``).
        refit: its children are refitted when the problem brings its own fitter (``ConstantFit.fit_constants``).
        ready: a cheap check of the parent's source before the operator is drawn (None: always ready).
    """

    name: str
    function: Callable[..., str]
    weight: float
    applies: Callable[[Problem], bool] = always
    order: float = math.inf
    parents: int = 1
    guided: bool = False
    tuner: bool = False
    tune_after: bool = False
    refit: bool = False
    ready: Callable[[str], bool] | None = None


_REGISTRY: dict[str, Operator] = {}
_ordered: tuple[Operator, ...] | None = None  # _REGISTRY's values in drawing order, rebuilt after a change
_builtins_loaded = False


def add(operator: Operator) -> None:
    """Register ``operator``. Registering the same function again (its module imported or executed once more)
    replaces its declaration.

    Raises:
        ValueError: another function is registered under that name, the weight is negative or the operator
            takes neither one parent nor two.
    """
    global _ordered
    if not operator.weight >= 0:
        raise ValueError(f"operator {operator.name!r}: the default weight must be >= 0, got {operator.weight}")
    if operator.parents not in (1, 2):
        raise ValueError(f"operator {operator.name!r}: takes 1 or 2 parents, not {operator.parents}")
    known = _REGISTRY.get(operator.name)
    if known is not None and _where(known.function) != _where(operator.function):
        raise ValueError(f"GP operator {operator.name!r} is already registered, by {':'.join(_where(known.function))}")
    _REGISTRY[operator.name] = operator
    _ordered = None


def _where(function: Callable[..., Any]) -> tuple[str, ...]:
    """Where a function is defined: its file, line and name, which stay the same when its module is executed
    again (a problem file loaded once more) or imported under another name."""
    code = getattr(function, "__code__", None)
    if code is None:
        return getattr(function, "__module__", ""), getattr(function, "__qualname__", repr(function))
    return code.co_filename, str(code.co_firstlineno), function.__qualname__


def register(weight: float, *, name: str | None = None, **declaration: Any) -> Callable[[Callable], Callable]:
    """Declare the decorated function a GP operator (``name`` defaults to the function's); the other keywords
    are :class:`Operator`'s fields. The function itself is returned unchanged."""

    def decorate(function: Callable[..., str]) -> Callable[..., str]:
        add(Operator(name or function.__name__, function, weight, **declaration))
        return function

    return decorate


def operators() -> tuple[Operator, ...]:
    """Every registered operator, in drawing order (the built-ins loaded first)."""
    global _builtins_loaded, _ordered
    if not _builtins_loaded:
        _builtins_loaded = True  # set first: a built-in module may look the registry up while it loads
        try:
            for module in BUILTIN_MODULES:
                importlib.import_module(module)
        except BaseException:
            _builtins_loaded = False
            raise
    if _ordered is None:
        _ordered = tuple(sorted(_REGISTRY.values(), key=lambda op: op.order))  # stable: ties keep registration
    return _ordered


def names() -> tuple[str, ...]:
    """The names of every registered operator, in drawing order."""
    return tuple(op.name for op in operators())


def find(name: str) -> Operator | None:
    """The declaration of the operator called ``name``; None when there is none."""
    operators()
    return _REGISTRY.get(name)


def get(name: str) -> Operator:
    """The declaration of the operator called ``name``.

    Raises:
        ValueError: no operator has that name.
    """
    found = find(name)
    if found is None:
        raise ValueError(f"unknown GP operator {name!r}; valid ones are {list(names())}")
    return found


def default_weights() -> dict[str, float]:
    """Every operator's default weight, in drawing order."""
    return {op.name: op.weight for op in operators()}


def excluded(problem: Problem) -> frozenset[str]:
    """The operators the problem's extensions rule out: the names in their ``excludes_operators``."""
    return frozenset(name for extension in problem.extensions for name in getattr(extension, "excludes_operators", ()))


def offered(operator: Operator, problem: Problem) -> bool:
    """Whether ``operator`` can ever act on this problem's programs: its predicate holds and no extension of the
    problem excludes it."""
    return operator.applies(problem) and operator.name not in excluded(problem)


def applies_to(name: str, problem: Problem) -> bool:
    """Whether the operator called ``name`` is offered to this problem (False for an unknown name)."""
    found = find(name)
    return found is not None and offered(found, problem)


def portfolio(problem: Problem, weights: Mapping[str, float] | None = None) -> list[str]:
    """The operators with a positive weight (default: their default weights) that are offered to the problem."""
    weights = weights or default_weights()
    return [op.name for op in operators() if weights.get(op.name, 0.0) > 0 and offered(op, problem)]

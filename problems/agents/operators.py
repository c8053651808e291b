"""The policy family's problem extension (:class:`Policy`) and the GP operators that read it: branches on a
feature, feedback terms and a leaf's action changed. Each operator is declared in :mod:`evolve.mutators.registry`,
which imports this module with the other built-ins.
"""

from __future__ import annotations

import ast
from dataclasses import dataclass, field
from typing import ClassVar

import numpy as np

from evolve.mutators.ast_edit import (
    Slot,
    binop,
    collect,
    edit_block,
    entry_arg_names,
    is_where,
    jnp_call,
    literal_value,
    number,
    pick,
    pick_literal,
    replace,
    seed_arg_names,
    short,
)
from evolve.mutators.base import NotApplicable
from evolve.mutators.extensions import PLAIN_FUNCTION_FORMS, vocabulary
from evolve.mutators.registry import register
from evolve.problem import Problem


@dataclass(frozen=True)
class Policy:
    """Problem extension of policies: programs that take an observation array (``obs``) and return an action.

    Attributes:
        features: the scalar features a policy may read, as source (``"obs[0]"``, ``"obs[1]"``,
            ``"obs[0] * obs[1]"``...); the GP operators ``insert_where`` and ``add_feature_term`` branch on them
            and combine them.
        output_values: values the program's result may take that ``insert_where`` writes in a new branch
            (the actions of a discrete action space, or a box's ends and middle).
        output_bounds: for a continuous output that must lie in ``[low, high]`` (a box action), its bounds:
            ``add_feature_term`` clips a computed output it grows to them (``jnp.clip(e, low, high)``).
        feature_ranges: where each feature lies in practice ``(low, high)``, by its source: thresholds are
            drawn inside it, and a feature's weight is scaled to the one it joins.
    """

    features: tuple[str, ...] = ()
    output_values: tuple[float, ...] = ()
    output_bounds: tuple[float, float] | None = None
    feature_ranges: dict[str, tuple[float, float]] = field(default_factory=dict)

    excludes_operators: ClassVar[tuple[str, ...]] = PLAIN_FUNCTION_FORMS
    """Rationals and squares of plain variables: a policy's argument is an observation array."""


_NO_POLICY = Policy()


def policy(problem: Problem) -> Policy:
    """The problem's :class:`Policy`, or an empty one (no features or outputs) when it has none."""
    return problem.extension(Policy) or _NO_POLICY


def _feature(problem: Problem, rng: np.random.Generator) -> tuple[str, ast.expr]:
    """One of the policy's features, drawn, with its expression."""
    name = pick(policy(problem).features, rng)
    return name, ast.parse(name, mode="eval").body


def _threshold(problem: Problem, feature: str, rng: np.random.Generator) -> float:
    """A threshold for a feature: 0 half the time, otherwise a point inside its range when it is known."""
    low, high = policy(problem).feature_ranges.get(feature, (0.0, 0.0))
    if high <= low or rng.random() < 0.5:
        return 0.0
    return short(rng.uniform(low, high))


def _clip(node: ast.AST) -> bool:
    return (isinstance(node, ast.Call) and isinstance(node.func, ast.Attribute) and node.func.attr == "clip"
            and len(node.args) == 3)


def _action_slots(tree: ast.Module) -> list[Slot]:
    """Where a program's action is chosen: its returned value and the branches of a ``jnp.where``."""
    return [s for s in collect(tree) if isinstance(s.parent, ast.Return)
            or (is_where(s.parent) and s.field == "args" and s.index in (1, 2))]


def _output_slots(tree: ast.Module) -> list[Slot]:
    """:func:`_action_slots` and the clipped value of a ``jnp.clip``."""
    return _action_slots(tree) + [s for s in collect(tree)
                                  if _clip(s.parent) and s.field == "args" and s.index == 0]


def _action(value: float) -> ast.expr:
    """An action as a literal: a whole number as an int (a discrete action), anything else as a float."""
    return ast.Constant(int(value)) if float(value).is_integer() else number(value)


def _uses_seed_names(tree: ast.Module, problem: Problem) -> None:
    """Features are written in the seed's argument names; refuse a program that renamed them."""
    wanted, have = seed_arg_names(problem), entry_arg_names(tree, problem)
    if have is not None and wanted is not None and have != wanted:
        raise NotApplicable(f"`{problem.entrypoint}` takes {have}, not {wanted} as the problem's features are named")


@register(1.5, order=160, tune_after=True, applies=lambda problem: bool(policy(problem).features))
def insert_where(source: str, problem: Problem, rng: np.random.Generator) -> str:
    """Branch on a feature: the returned value, or a branch of an existing ``jnp.where``, ``e`` becomes
    ``jnp.where(f > c, e, a)`` (or with the branches swapped): ``f`` one of the policy's ``features``, ``c`` 0 or
    a point inside its range, ``a`` another of its ``output_values`` (a different action) or a small
    constant. Nested, these are the decision trees and bang-bang controllers that policies are made of.

    Raises:
        NotApplicable: the problem names no features, or the program renamed its arguments.
    """
    outputs = policy(problem).output_values
    if not policy(problem).features:
        raise NotApplicable(f"problem {problem.name!r} names no features to branch on")

    def edit(tree: ast.Module) -> None:
        _uses_seed_names(tree, problem)
        slots = _action_slots(tree)
        if not slots:
            raise NotApplicable("no returned value or branch to split")
        slot = pick(slots, rng)
        name, feature = _feature(problem, rng)
        current = literal_value(slot.node) if slot.literal else None
        others = [v for v in outputs if v != current]
        value = pick(others, rng) if others else short(rng.normal(0.0, 1.0))
        other = _action(value) if outputs else number(value)
        test = ast.Compare(feature, [ast.Gt()], [number(_threshold(problem, name, rng))])
        branches = [slot.node, other] if rng.random() < 0.5 else [other, slot.node]
        call = jnp_call("where", test)
        call.args = [test, *branches]
        replace(slot, call)

    return edit_block(source, edit)


@register(1.5, order=170, tune_after=True, applies=lambda problem: bool(policy(problem).features))
def add_feature_term(source: str, problem: Problem, rng: np.random.Generator) -> str:
    """Grow a linear combination of features by one: in a side of a comparison, in an output that is computed
    (returned, a branch of a ``jnp.where``; not a branch itself, and not a constant unless the problem has
    ``output_bounds``: a continuous action's constant leaf may become a feedback law) or in the value a
    ``jnp.clip`` bounds, ``e`` becomes ``e + w * f`` (a computed output of a problem with ``output_bounds`` becomes
    ``jnp.clip(e + w * f, low, high)``) with ``f`` one of
    the policy's ``features`` and ``|w|`` log-uniform over a tenth to ten times the ratio of the features' ranges
    (its ``feature_ranges``, 1 when they are not known).

    Raises:
        NotApplicable: the problem names no features, the program renamed its arguments, or there is no
            comparison and no computed output.
    """
    bounds, ranges = policy(problem).output_bounds, policy(problem).feature_ranges
    if not policy(problem).features:
        raise NotApplicable(f"problem {problem.name!r} names no features to combine")

    def edit(tree: ast.Module) -> None:
        _uses_seed_names(tree, problem)
        clipped = [s for s in _output_slots(tree) if _clip(s.parent)]
        # A literal leaf of a bounded (continuous) output may become a feedback law; a discrete action may not.
        computed = [s for s in _output_slots(tree) if (not s.literal or bounds is not None)
                    and not is_where(s.node) and not _clip(s.node) and not _clip(s.parent)]
        slots = [s for s in collect(tree) if isinstance(s.parent, ast.Compare)] + computed + clipped
        if not slots:
            raise NotApplicable("no comparison or computed output to add a feature to")
        slot = pick(slots, rng)
        name, feature = _feature(problem, rng)
        scale = 1.0
        old = ast.unparse(slot.node)
        if old in ranges and name in ranges:
            spans = [ranges[k][1] - ranges[k][0] for k in (old, name)]
            scale = spans[0] / spans[1] if spans[1] > 0 else 1.0
        # Log-uniform over two decades around the scale: a feature may matter far more than the one it joins.
        weight = short(rng.choice([-1.0, 1.0]) * scale * 10.0 ** rng.uniform(-1.0, 1.0))
        sign = "-" if weight < 0 and "-" in vocabulary(problem).binops else "+"
        grown: ast.expr = binop(slot.node, sign, binop(number(abs(weight) if sign == "-" else weight), "*",
                                                         feature))
        if bounds is not None and any(slot is s for s in computed):
            # A bounded output (a torque) that grows unclipped soon leaves its range and fails the candidate;
            # clipping it first would change nothing the hash sees, so the clip comes with the growth.
            grown = jnp_call("clip", grown)
            grown.args += [number(bounds[0]), number(bounds[1])]
        replace(slot, grown)

    return edit_block(source, edit)


@register(1.0, order=180, applies=lambda problem: len(policy(problem).output_values) > 1)
def replace_action(source: str, problem: Problem, rng: np.random.Generator) -> str:
    """Change the action of one leaf: a literal that is the returned value or a branch of a ``jnp.where``
    becomes another of the policy's ``output_values`` (turn a decision tree's leaf, or flip one side of a bang-bang
    controller, in one step; ``replace_constant`` would draw an arbitrary number instead).

    Raises:
        NotApplicable: the problem names no output values, or no leaf is a literal.
    """
    outputs = policy(problem).output_values
    if len(outputs) < 2:
        raise NotApplicable(f"problem {problem.name!r} names fewer than two output values")

    def edit(tree: ast.Module) -> None:
        slot = pick_literal(_action_slots(tree), rng, "no returned value or branch is a literal action")
        current = literal_value(slot.node)
        value = pick([v for v in outputs if v != current], rng)
        replace(slot, _action(value))

    return edit_block(source, edit)

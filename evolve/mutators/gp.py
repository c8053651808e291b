"""The offline genetic-programming mutator: the registered AST operators (:mod:`evolve.mutators.registry`), drawn
by weight, that need no network.

Every operator is a pure function of its parents' sources, the problem and a ``numpy`` random generator, so the
same generator state always gives the same child. The generic operators live in :mod:`evolve.mutators.operators`,
the constant tuner in :mod:`evolve.fitting.tuning`, a family's own operators beside the family
(``problems/<family>/operators.py``).
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

import numpy as np

from evolve.fitting.tuning import constant_fit
from evolve.mutators import registry
from evolve.mutators.base import NotApplicable, Parent, Proposal
from evolve.mutators.registry import Operator
from evolve.problem import Problem


class GPMutator:
    """Proposes children with the registered GP operators, sampled by weight.

    Args:
        weights: relative weight of each registered operator; operators missing from the mapping get weight 0.
            ``None`` uses the operators' default weights.
        tune_steps: optimiser steps of the constant tuner (``tune_constants``).
        tune_after: operators whose children get their constants tuned before evaluation when the
            problem can be tuned (recorded as e.g. ``insert_term+tune``); ``None``: those declared
            ``tune_after``. A new term with a random coefficient is almost always worse than its parent until it
            is fitted, so without this structural growth is discarded before it can pay off. The children of
            operators declared ``refit`` are tuned too when the problem brings its own fitter
            (``ConstantFit.fit_constants``, milliseconds per structure, as the float32 problems' minimax fit): a
            structure is worth what its best constants make of it, and a deletion that leaves a redundant
            constant's work to the others loses nothing once refitted.
    """

    def __init__(
        self,
        weights: Mapping[str, float] | None = None,
        tune_steps: int = 300,
        tune_after: Sequence[str] | None = None,
    ) -> None:
        known = registry.names()
        if weights is None:
            weights = registry.default_weights()
        unknown = sorted(set(weights) - set(known))
        if unknown:
            raise ValueError(f"unknown GP operators {unknown}; valid ones are {list(known)}")
        negative = {op: w for op, w in weights.items() if not w >= 0}
        if negative:
            raise ValueError(f"GP operator weights must be >= 0, got {negative}")
        if not any(weights.values()):
            raise ValueError(f"no GP operator has a positive weight; valid ones are {list(known)}")
        if tune_steps < 1:
            raise ValueError(f"tune_steps must be at least 1, got {tune_steps}")
        self.weights: dict[str, float] = {op: float(weights.get(op, 0.0)) for op in known}
        self.tune_steps = tune_steps
        if tune_after is None:
            tune_after = [op.name for op in registry.operators() if op.tune_after]
        unknown = sorted(set(tune_after) - set(known))
        if unknown:
            raise ValueError(f"tune_after names unknown GP operators {unknown}; valid ones are {list(known)}")
        self.tune_after = tuple(tune_after)

    def _may_apply(self, operator: Operator, parents: Sequence[Parent], problem: Problem) -> bool:
        return (len(parents) >= operator.parents and registry.offered(operator, problem)
                and (operator.ready is None or operator.ready(parents[0].source)))

    def apply(
        self, operator: str, parents: Sequence[Parent], problem: Problem, rng: np.random.Generator
    ) -> Proposal:
        """Apply the named operator to ``parents[0]`` (and ``parents[1]`` for an operator of two parents, a
        crossover).

        Raises:
            ValueError: unknown operator or no parent.
            NotApplicable: the operator cannot act on these parents.
        """
        op = registry.get(operator)
        if not parents:
            raise ValueError("a GP operator needs at least one parent")
        parent = parents[0]
        if len(parents) < op.parents:
            raise NotApplicable(f"{operator} needs {op.parents} parents")
        if op.tuner:
            seed = int(rng.integers(1, 2**31 - 1))
            child = op.function(parent.source, problem, steps=self.tune_steps, seed=seed)
            return Proposal(child, operator, {"steps": self.tune_steps, "seed": seed})
        if op.parents == 2:
            child = op.function(parent.source, parents[1].source, problem, rng)
            return self._tuned(op, child, problem, rng, {"other_parent": parents[1].id})
        if op.guided:  # guided by the parent's fit
            return self._tuned(op, op.function(parent.source, problem, rng, parent.metrics), problem, rng)
        return self._tuned(op, op.function(parent.source, problem, rng), problem, rng)

    def _tuned(self, op: Operator, child: str, problem: Problem, rng: np.random.Generator,
               meta: dict[str, Any] | None = None) -> Proposal:
        """``child`` with its constants tuned when ``op`` calls for it (``tune_after``, or ``refit`` for a problem
        with its own fitter), recorded as ``operator+tune``."""
        meta = dict(meta or {})
        refit = op.name in self.tune_after or (constant_fit(problem).fit_constants is not None and op.refit)
        tuner = next((t for t in registry.operators() if t.tuner), None) if refit else None
        if tuner is not None and registry.offered(tuner, problem):
            seed = int(rng.integers(1, 2**31 - 1))
            try:
                tuned = tuner.function(child, problem, steps=self.tune_steps, seed=seed)
            except NotApplicable:
                return Proposal(child, op.name, meta)
            return Proposal(tuned, f"{op.name}+tune", {**meta, "steps": self.tune_steps, "seed": seed})
        return Proposal(child, op.name, meta)

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
        enabled = [op for op in registry.operators() if self.weights.get(op.name, 0.0) > 0 and op.name not in exclude]
        candidates = [op.name for op in enabled if self._may_apply(op, parents, problem)]
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

"""The mutator contract: what every way of proposing a new program (GP operators, LLMs) implements.

Two forms of one contract: a :class:`Mutator` proposes at once (``propose``); a :class:`Proposer` starts a
proposal and finishes it later (``start``, then ``finish`` once the handle is ``done()``), so a driver can keep
evaluating while an LLM answers. :class:`Immediate` makes any mutator a proposer."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any, Protocol, runtime_checkable

import numpy as np

from evolve.problem import Problem


@dataclass(frozen=True)
class Parent:
    """A program chosen for mutation.

    Attributes:
        id: the program's archive id (recorded in the child's lineage).
        source: the program's full source text.
        score: its score, if evaluated.
        metrics: its metrics, if evaluated.
    """

    id: int
    source: str
    score: float | None = None
    metrics: dict[str, Any] = field(default_factory=dict)


@dataclass(frozen=True)
class Proposal:
    """A candidate program produced by a mutator.

    Attributes:
        source: the child's full source text (prefix and suffix of the EVOLVE block included).
        operator: what produced it, e.g. ``"swap_operator"``, ``"crossover"``, ``"tune_constants"``.
        meta: operator-specific details worth keeping, e.g. ``{"other_parent": 12}``.
    """

    source: str
    operator: str
    meta: dict[str, Any] = field(default_factory=dict)


class NotApplicable(Exception):
    """The chosen operator cannot act on these parents (e.g. no constants)."""


@runtime_checkable
class Mutator(Protocol):
    """Anything that turns parents into a proposed child program."""

    def propose(self, parents: Sequence[Parent], problem: Problem, rng: np.random.Generator) -> Proposal:
        """Return a child of ``parents`` (``parents[0]`` is the primary parent).

        All randomness comes from ``rng``. Raise :class:`NotApplicable` when no child can be made.
        """
        ...


class Pending(Protocol):
    """A proposal under way: ``done()`` says whether :meth:`Proposer.finish` can take it without waiting."""

    def done(self) -> bool:
        """Whether the proposal is ready to finish."""
        ...


@runtime_checkable
class Proposer(Protocol):
    """A mutator that may take its time (an LLM answers over the network): start now, finish later."""

    def start(self, parents: Sequence[Parent], problem: Problem, rng: np.random.Generator) -> Pending:
        """Begin a child of ``parents`` (``parents[0]`` is the primary parent); return its handle."""
        ...

    def finish(self, pending: Pending) -> Proposal:
        """The child begun as ``pending`` (waits if it is not ``done()``). Raise when there is none: the
        proposer's own error (:class:`NotApplicable` for GP, a parse error for an LLM) says why."""
        ...


@dataclass(frozen=True)
class Done:
    """The handle of a proposal made at once: the proposal, or why there is none."""

    proposal: Proposal | None
    error: Exception | None = None

    def done(self) -> bool:
        """Always: nothing is under way."""
        return True


@dataclass(frozen=True)
class Immediate:
    """Any :class:`Mutator` as a :class:`Proposer`: ``start`` proposes at once, ``finish`` hands it over."""

    mutator: Mutator

    def start(self, parents: Sequence[Parent], problem: Problem, rng: np.random.Generator) -> Done:
        """Propose now; a :class:`NotApplicable` is kept for :meth:`finish`."""
        try:
            return Done(self.mutator.propose(parents, problem, rng))
        except NotApplicable as exc:
            return Done(None, exc)

    def finish(self, pending: Pending) -> Proposal:
        """The proposal ``start`` made, or its :class:`NotApplicable` raised again."""
        if not isinstance(pending, Done):
            raise TypeError(f"Immediate.finish takes the handle its start returned, not {type(pending).__name__}")
        if pending.proposal is None:
            raise pending.error or NotApplicable("no proposal")
        return pending.proposal

"""The mutator contract: what every way of proposing a new program (GP operators, LLMs) implements."""

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

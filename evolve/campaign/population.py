"""Islands of programs, parent selection, migration and island resets; Pareto islands for several objectives.

All randomness comes from the generator the caller passes in, so a campaign seeded once is reproducible.
Scores are compared through a *key* where smaller is always better (see ``Problem.key``).
"""

from __future__ import annotations

import bisect
from collections.abc import Sequence
from dataclasses import dataclass, field

import numpy as np

from archive.pareto import minimised, nsga2_order


@dataclass(frozen=True)
class Member:
    """A program living on an island: enough to select it and to hand it to a mutator."""

    id: int
    key: float
    source: str
    score: float
    generation: int = 0
    metrics: dict = field(default_factory=dict, compare=False, hash=False)
    code_hash: str | None = None
    func_hash: str | None = None


class Island:
    """The best ``capacity`` programs seen on one island, kept sorted by key (best first)."""

    def __init__(self, capacity: int) -> None:
        self.capacity = capacity
        self.members: list[Member] = []
        self._keys: list[tuple[float, int]] = []

    def add(self, member: Member) -> bool:
        """Insert ``member``; return whether it was kept (False when the island is full of better ones)."""
        item = (member.key, member.id)
        if len(self.members) >= self.capacity and item >= self._keys[-1]:
            return False
        pos = bisect.bisect_left(self._keys, item)
        self._keys.insert(pos, item)
        self.members.insert(pos, member)
        if len(self.members) > self.capacity:
            self._keys.pop()
            self.members.pop()
        return True

    def best(self) -> Member:
        """Return the best member (the island must not be empty)."""
        return self.members[0]

    def clear(self) -> None:
        """Remove every member."""
        self.members.clear()
        self._keys.clear()

    def __len__(self) -> int:
        return len(self.members)


class ParetoIsland(Island):
    """An island for several objectives (NSGA-II), with an elite: the ``elite`` programs best by scalar key
    come first (sorted by key), then the rest of the ``capacity`` by Pareto front, then crowding distance
    (spread along the front), then key.

    Tournament and rank selection favour the top of the list, so most parents are the most accurate
    programs while the front's cheaper and faster ones survive beside them and breed now and then. (Pure
    NSGA-II, ``elite=0``, spreads the parents along the whole front; on exp2 over (max ULP, ops, speed) it
    found accurate programs far more slowly than ranking by score.) :meth:`best` is the best scalar key."""

    def __init__(self, capacity: int, objectives: Sequence[tuple[str, str]], elite: int | None = None) -> None:
        super().__init__(capacity)
        self.objectives = tuple(objectives)
        self.elite = capacity // 2 if elite is None else elite
        if not 0 <= self.elite <= capacity:
            raise ValueError(f"elite must be between 0 and the capacity {capacity}, got {self.elite}")

    def add(self, member: Member) -> bool:
        """Insert ``member`` and drop the worst by NSGA-II if over capacity; return whether it was kept."""
        members = [*self.members, member]
        by_key = sorted(members, key=lambda m: (m.key, m.id))
        elite, rest = by_key[: self.elite], by_key[self.elite:]
        values = minimised([m.metrics or {} for m in rest], self.objectives)
        order, _ = nsga2_order(values, tiebreak=np.array([m.key for m in rest])) if rest else ([], None)
        kept = elite + [rest[i] for i in order[: self.capacity - len(elite)]]
        self.members = kept
        self._keys = [(m.key, m.id) for m in kept]
        return any(m is member for m in kept)

    def best(self) -> Member:
        """The member with the best scalar key (the island must not be empty)."""
        return min(self.members, key=lambda m: (m.key, m.id))


def tournament(members: list[Member], size: int, rng: np.random.Generator) -> Member:
    """Pick ``size`` members uniformly (with replacement) and return the best of them.

    ``members`` must be sorted best first, so the best of the sample is the one with the lowest index.
    """
    picks = rng.integers(0, len(members), size=size)
    return members[int(picks.min())]


def rank_select(members: list[Member], rng: np.random.Generator) -> Member:
    """Pick a member with probability proportional to ``1 / (rank + 1)`` (members sorted best first)."""
    weights = 1.0 / np.arange(1, len(members) + 1)
    return members[int(rng.choice(len(members), p=weights / weights.sum()))]


class Population:
    """Several islands evolving apart, with periodic migration of island bests along a ring."""

    def __init__(self, islands: int, capacity: int, selection: str = "tournament", tournament_size: int = 4,
                 objectives: Sequence[tuple[str, str]] = (), elite: float = 0.5):
        """``objectives``: ``(metric, direction)`` pairs; two or more make every island a :class:`ParetoIsland`
        over them (its ``elite`` share kept by score, the rest by NSGA-II rank), none or one a scalar island
        (by score)."""
        if not 0.0 <= elite <= 1.0:
            raise ValueError(f"elite must be a share between 0 and 1, got {elite}")
        if selection not in ("tournament", "rank"):
            raise ValueError(f"selection must be 'tournament' or 'rank', got {selection!r}")
        self.objectives = tuple(objectives) if len(objectives) > 1 else ()
        self.islands = [ParetoIsland(capacity, self.objectives, round(elite * capacity)) if self.objectives
                        else Island(capacity)
                        for _ in range(islands)]
        self.selection = selection
        self.tournament_size = tournament_size

    def add(self, island: int, member: Member) -> bool:
        """Offer ``member`` to ``island``; return whether it was kept."""
        return self.islands[island].add(member)

    def select(self, island: int, count: int, rng: np.random.Generator) -> list[Member]:
        """Select ``count`` parents from ``island`` (distinct when the island has enough members)."""
        members = self.islands[island].members
        if not members:
            raise ValueError(f"island {island} is empty; add the seed program first")
        chosen: list[Member] = []
        for _ in range(count):
            for _attempt in range(4):
                if self.selection == "tournament":
                    pick = tournament(members, self.tournament_size, rng)
                else:
                    pick = rank_select(members, rng)
                if pick not in chosen or len(members) <= len(chosen):
                    break
            chosen.append(pick)
        return chosen

    def best(self) -> Member | None:
        """Return the best member over all islands, or None when all are empty."""
        bests = [isl.best() for isl in self.islands if len(isl)]
        return min(bests, key=lambda m: (m.key, m.id)) if bests else None

    def migrations(self) -> list[tuple[Member, int]]:
        """Plan a ring migration: each island's best goes to the next island. Returns (member, island)."""
        n = len(self.islands)
        if n < 2:
            return []
        return [(isl.best(), (i + 1) % n) for i, isl in enumerate(self.islands) if len(isl)]

    def weakest(self, count: int) -> list[int]:
        """Indices of the ``count`` islands whose best is worst (empty islands first)."""
        def worst_first(i: int) -> tuple[float, int]:
            isl = self.islands[i]
            return (-isl.best().key if len(isl) else -float("inf"), i)

        return sorted(range(len(self.islands)), key=worst_first)[:count]

    def reset_plan(self) -> list[tuple[Member, int]]:
        """Plan a reset of the weakest half of the islands: each is emptied and restarted from the best
        program of a surviving island. Returns (donor member, island to reset)."""
        n = len(self.islands)
        if n < 2:
            return []
        reset = self.weakest(n // 2)
        survivors = [i for i in range(n) if i not in reset and len(self.islands[i])]
        if not survivors:
            return []
        donors = sorted((self.islands[i].best() for i in survivors), key=lambda m: (m.key, m.id))
        return [(donors[j % len(donors)], island) for j, island in enumerate(reset)]

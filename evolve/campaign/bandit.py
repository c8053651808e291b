"""Choosing the operator of each child: Thompson sampling over the portfolio, rewarded per unit of cost.

The arms are the GP operators (``perturb_constant``, ``insert_term``...) and the LLM prompt modes
(``llm-diff``, ``llm-full``, ``llm-crossover``). A pull succeeds when its child is evaluated, is no duplicate,
and scores strictly better than its primary parent; its reward, in [0, 1], is how much better: the relative
improvement of the score (see :func:`improvement`), so that a new term that takes a fit from 1000 to 50 ULP
outweighs many nudges of a constant from 1000 to 990. Each arm keeps a Beta posterior over its reward (a
reward r adds r to the successes and 1 - r to the failures; the prior is the pooled mean reward of all arms)
and a running mean of its cost (seconds of
evaluator time, plus for an LLM call its latency divided by the calls in flight and, if asked, a price per
token). To choose, every allowed arm draws an expected reward from its posterior and the arm with the best
draw per unit of cost wins (Thompson sampling for budgeted bandits, Xia et al. 2015). Draws keep the choice
spread while results are pending, which a batch of children chosen at once and late LLM answers both need.

Success rates fall as a search matures and differ between its phases, so all posteriors decay by ``decay``
per observation: an arm that stops paying loses its lead within about ``1 / (1 - decay)`` results, and one
left unpulled drifts back to the prior and gets tried again.

Everything here is pure bookkeeping on plain numbers; the state round-trips through :meth:`OperatorBandit.rows`
and the archive's ``arms`` table, so a resumed campaign goes on with what it had learned.
"""

from __future__ import annotations

from collections.abc import Collection, Iterable, Mapping, Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np


def improvement(parent_key: float, child_key: float) -> float:
    """The reward of a child: the relative improvement of its sort key (smaller is better) over its parent's,
    clipped to [0, 1]; 0 when it is no better. A parent with key 0 (or a child crossing zero) gives 1."""
    if not child_key < parent_key:
        return 0.0
    scale = abs(parent_key)
    return 1.0 if scale == 0 else min((parent_key - child_key) / scale, 1.0)


@dataclass
class Arm:
    """What is known of one operator.

    Attributes:
        name: the arm, e.g. ``swap_operator`` or ``llm-diff``.
        pulls, successes, reward, cost, tokens: totals over the campaign (cost in seconds), for reports.
        alpha, beta: decayed sums of rewards and of their complements (added to the shared prior, see
            :meth:`OperatorBandit.prior`, they make the arm's Beta posterior).
        weight, weighted_cost: decayed number of pulls and their decayed cost (their ratio is the mean cost).
    """

    name: str
    pulls: int = 0
    successes: int = 0
    reward: float = 0.0
    cost: float = 0.0
    tokens: int = 0
    alpha: float = 0.0
    beta: float = 0.0
    weight: float = 0.0
    weighted_cost: float = 0.0


class OperatorBandit:
    """Thompson sampling over operators with success per unit of cost as the objective.

    Args:
        arms: the portfolio (names as :func:`archive.vocabulary.arm_of` gives them).
        decay: factor applied to every arm's posterior per observation, in (0, 1]; 1 never forgets.
        cost_floor: the least cost, in seconds, charged for a pull (a duplicate skipped in a millisecond
            still spends a proposal of the budget).
        prior_strength: how many pulls the shared prior (see :meth:`prior`) weighs.
        state: rows from :meth:`rows` (e.g. read back from the archive) to go on from; arms not listed
            start fresh, rows of arms no longer in the portfolio are kept for the record but never chosen.
    """

    def __init__(
        self,
        arms: Sequence[str],
        *,
        decay: float = 0.998,
        cost_floor: float = 0.005,
        prior_strength: float = 2.0,
        state: Iterable[Mapping[str, Any]] = (),
    ) -> None:
        if not arms:
            raise ValueError("the bandit needs at least one arm")
        if not 0.0 < decay <= 1.0:
            raise ValueError(f"bandit decay must be in (0, 1], got {decay}")
        if not cost_floor > 0:
            raise ValueError(f"bandit cost_floor must be positive, got {cost_floor}")
        self.decay = decay
        self.cost_floor = cost_floor
        if not prior_strength > 0:
            raise ValueError(f"bandit prior_strength must be positive, got {prior_strength}")
        self.prior_strength = prior_strength
        self.portfolio = list(dict.fromkeys(arms))
        self.arms: dict[str, Arm] = {}
        for row in state:
            known = {k: row[k] for k in Arm.__dataclass_fields__ if k in row}
            self.arms[str(row["name"])] = Arm(**known)
        for name in self.portfolio:
            self.arms.setdefault(name, Arm(name))

    def _prior_cost(self) -> float:
        weight = sum(a.weight for a in self.arms.values())
        if weight <= 0:
            return self.cost_floor
        return max(sum(a.weighted_cost for a in self.arms.values()) / weight, self.cost_floor)

    def prior(self) -> tuple[float, float]:
        """The Beta prior every arm starts from: the pooled mean reward of all arms (0.5 before any result)
        with the weight of ``prior_strength`` pulls. Rewards are often tiny (a nudge that gains 0.1 %); a
        flat prior would take hundreds of pulls of a useless but cheap operator to unlearn."""
        alpha = sum(a.alpha for a in self.arms.values())
        total = alpha + sum(a.beta for a in self.arms.values())
        mean = min(max(alpha / total, 1e-3), 1.0 - 1e-3) if total > 0 else 0.5
        return self.prior_strength * mean, self.prior_strength * (1.0 - mean)

    def mean_cost(self, name: str, prior_cost: float | None = None) -> float:
        """The arm's decayed mean cost per pull, shrunk towards the mean of all arms (one pseudo-pull)."""
        arm = self.arms[name]
        prior = self._prior_cost() if prior_cost is None else prior_cost
        return (arm.weighted_cost + prior) / (arm.weight + 1.0)

    def choose(self, rng: np.random.Generator, allowed: Collection[str] | None = None) -> str:
        """Draw the arm for one child among ``allowed`` (default: the whole portfolio).

        Raises:
            ValueError: no arm of the portfolio is allowed.
        """
        names = [n for n in self.portfolio if allowed is None or n in allowed]
        if not names:
            raise ValueError(f"no arm to choose from: allowed {sorted(allowed or [])} and the portfolio "
                             f"{self.portfolio} do not meet")
        a0, b0 = self.prior()
        alpha = np.array([self.arms[n].alpha for n in names]) + a0
        beta = np.array([self.arms[n].beta for n in names]) + b0
        prior_cost = self._prior_cost()
        cost = np.array([self.mean_cost(n, prior_cost) for n in names])
        return names[int(np.argmax(rng.beta(alpha, beta) / cost))]

    def update(self, name: str, reward: float, seconds: float, tokens: int = 0) -> None:
        """Record one pull of ``name``: its reward in [0, 1] (> 0 counts as a success) and what it cost
        (seconds, tokens)."""
        if not 0.0 <= reward <= 1.0:
            raise ValueError(f"a reward is in [0, 1], got {reward}")
        for arm in self.arms.values():
            arm.alpha *= self.decay
            arm.beta *= self.decay
            arm.weight *= self.decay
            arm.weighted_cost *= self.decay
        arm = self.arms.get(name)
        if arm is None:  # an operator outside the portfolio (e.g. made before a config change): count it only
            arm = self.arms[name] = Arm(name)
        cost = max(float(seconds), self.cost_floor)
        arm.pulls += 1
        arm.successes += int(reward > 0)
        arm.reward += reward
        arm.cost += cost
        arm.tokens += int(tokens)
        arm.alpha += reward
        arm.beta += 1.0 - reward
        arm.weight += 1.0
        arm.weighted_cost += cost

    def rows(self) -> list[dict[str, Any]]:
        """The state as plain rows, one per arm (what the archive stores)."""
        return [dict(vars(arm)) for arm in self.arms.values()]


__all__ = ["Arm", "OperatorBandit", "improvement"]

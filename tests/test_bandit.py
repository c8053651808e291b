"""The operator bandit: rewards, cost-awareness, restriction, forgetting, and its state round trip."""

from __future__ import annotations

from collections import Counter

import numpy as np
import pytest

from archive.vocabulary import arm_of, is_llm_arm
from evolve.campaign.bandit import OperatorBandit, improvement


def test_improvement_is_relative_clipped_and_zero_when_not_better():
    assert improvement(1000.0, 50.0) == pytest.approx(0.95)
    assert improvement(1000.0, 990.0) == pytest.approx(0.01)
    assert improvement(10.0, 10.0) == 0.0 and improvement(10.0, 12.0) == 0.0
    assert improvement(5.0, -5.0) == 1.0  # crossing zero: clipped
    assert improvement(0.0, -1.0) == 1.0
    assert improvement(-200.0, -250.0) == pytest.approx(0.25)  # a maximised score's key is negated


def test_arm_names():
    assert arm_of("insert_term+tune") == "insert_term" and arm_of("llm-diff") == "llm-diff"
    assert is_llm_arm("llm-crossover") and not is_llm_arm("crossover")


def simulate(bandit: OperatorBandit, truth: dict[str, tuple[float, float, float]], n: int, seed: int = 0) -> Counter:
    """Pull ``n`` times; arm -> (chance of a reward, reward size, cost). Returns the pulls of the last half."""
    rng = np.random.default_rng(seed)
    late: Counter = Counter()
    for i in range(n):
        arm = bandit.choose(rng)
        chance, size, cost = truth[arm]
        bandit.update(arm, size if rng.random() < chance else 0.0, cost)
        if i >= n // 2:
            late[arm] += 1
    return late


def test_prefers_reward_per_cost_over_reward_alone():
    # 'slow' earns 4x the reward per pull but costs 20x the time: 'cheap' is 5x better per second.
    truth = {"cheap": (0.2, 0.05, 0.01), "slow": (0.4, 0.1, 0.2), "useless": (0.0, 0.0, 0.01)}
    late = simulate(OperatorBandit(list(truth)), truth, 3000)
    assert late["cheap"] > 0.7 * sum(late.values())
    assert late["useless"] < 0.15 * sum(late.values())


def test_an_expensive_operator_that_pays_more_per_second_wins():
    truth = {"nudge": (0.3, 0.001, 0.005), "grow": (0.5, 0.5, 1.0)}  # 0.06/s against 0.25/s
    late = simulate(OperatorBandit(list(truth)), truth, 2000)
    assert late["grow"] > 0.6 * sum(late.values())


def test_forgets_an_operator_that_stopped_paying():
    truth = {"a": (0.5, 0.5, 0.01), "b": (0.25, 0.5, 0.01)}
    bandit = OperatorBandit(list(truth), decay=0.99)
    simulate(bandit, truth, 1000)
    late = simulate(bandit, {"a": (0.0, 0.0, 0.01), "b": (0.25, 0.5, 0.01)}, 1000, seed=1)
    assert late["b"] > 0.8 * sum(late.values())


def test_untried_arms_get_tried():
    bandit = OperatorBandit(["a", "b", "c", "d"])
    rng = np.random.default_rng(0)
    assert set(Counter(bandit.choose(rng) for _ in range(200))) == {"a", "b", "c", "d"}


def test_choice_is_restricted_to_allowed_arms():
    bandit = OperatorBandit(["a", "llm-diff"])
    bandit.update("llm-diff", 1.0, 0.01)
    rng = np.random.default_rng(0)
    assert {bandit.choose(rng, ["a"]) for _ in range(50)} == {"a"}
    with pytest.raises(ValueError, match="no arm to choose from"):
        bandit.choose(rng, ["zzz"])


def test_state_round_trips_and_replays():
    truth = {"a": (0.3, 0.2, 0.02), "b": (0.1, 0.5, 0.3)}
    bandit = OperatorBandit(list(truth))
    simulate(bandit, truth, 300)
    again = OperatorBandit(["a", "b", "c"], state=bandit.rows())
    assert {r["name"]: r for r in again.rows()}["a"] == {r["name"]: r for r in bandit.rows()}["a"]
    r1, r2 = np.random.default_rng(5), np.random.default_rng(5)
    assert [bandit.choose(r1) for _ in range(20)] == [again.choose(r2, ["a", "b"]) for _ in range(20)]


def test_pulls_outside_the_portfolio_are_counted_not_chosen():
    bandit = OperatorBandit(["a"])
    bandit.update("gone", 0.5, 1.0)
    assert {r["name"]: r["pulls"] for r in bandit.rows()} == {"a": 0, "gone": 1} and bandit.portfolio == ["a"]
    assert bandit.choose(np.random.default_rng(0)) == "a"


def test_bad_settings_and_rewards_are_refused():
    with pytest.raises(ValueError, match="at least one arm"):
        OperatorBandit([])
    with pytest.raises(ValueError, match="decay"):
        OperatorBandit(["a"], decay=0.0)
    with pytest.raises(ValueError, match=r"reward is in \[0, 1\]"):
        OperatorBandit(["a"]).update("a", 1.5, 0.1)

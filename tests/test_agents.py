"""Policy programs in gymnax environments: the jitted rollout, action checking, hashing, a short campaign."""

from __future__ import annotations

import re

import jax
import numpy as np
import pytest

from evolve import load_problem
from evolve.evaluation.evaluator import Evaluator, Task
from evolve.programs import program
from problems.agents import gymnax_policy as gp

GOOD_CARTPOLE = "def act(obs):\n    return jnp.where(obs[2] + 0.5 * obs[3] > 0, 1, 0)\n"
LEANING = "def act(obs):\n    return jnp.where(obs[2] > 0, 1, 0)\n"
SWINGING = "def act(obs):\n    return jnp.clip(-2.0 * obs[1] - 0.5 * obs[2], -2.0, 2.0)\n"


@pytest.fixture(scope="module")
def cartpole():
    return load_problem("cartpole")


def run(problem, source):
    return problem.evaluate(program.compile_program(source, "act"))


def test_a_known_good_cartpole_controller_scores_500_on_held_out_seeds(cartpole):
    result = run(cartpole, GOOD_CARTPOLE)
    assert result.metrics["heldout_return"] == 500.0 and result.metrics["heldout_episodes"] >= 256
    assert result.score == 500.0 and result.metrics["min_return"] == 500.0
    seed = run(cartpole, program.split_block(cartpole.seed)[1])
    assert seed.score < 20  # always pushing left drops the pole at once


@pytest.mark.parametrize("env, source", [("CartPole-v1", LEANING), ("Pendulum-v1", SWINGING)])
def test_the_jitted_rollout_matches_a_step_by_step_rollout(env, source):
    import gymnax

    environment, params = gymnax.make(env)
    space = gp.action_space(environment, params)
    act = program.compile_program(source, "act")
    steps = int(params.max_steps_in_episode)
    keys = jax.random.split(jax.random.key(3), 4)
    jitted, bad, _ = jax.jit(jax.vmap(gp.rollout(act, environment, params, space, steps)))(keys)
    stepped = [gp.returns_stepwise(act, environment, params, space, k, steps)[0] for k in keys]
    assert not np.asarray(bad).any()
    np.testing.assert_allclose(np.asarray(jitted), stepped, rtol=1e-5)
    assert len(set(np.round(stepped, 3))) > 1  # the episodes differ: the keys reach the environment


def test_an_invalid_action_is_recorded_with_its_reason_not_raised(cartpole):
    evaluator = Evaluator(cartpole, timeout=60.0)
    for i, (source, reason) in enumerate([
        ("def act(obs):\n    return 2\n", "outside the action space (2 "),
        ("def act(obs):\n    return jnp.where(obs[2] > 0, 0.5, 0)\n", "outside the action space (0.5 "),
        ("def act(obs):\n    return obs\n", "returned shape (4,)"),
        ("def act(obs):\n    return jnp.where(obs[2] > 0, jnp.nan, 1)\n", "outside the action space (nan "),
    ]):
        record = evaluator.evaluate_task(Task(id=i, source=source, operator="test"))
        assert record.status == "error" and reason in record.error, record.error
    pendulum = load_problem("pendulum", episodes=8, heldout_episodes=8)
    with pytest.raises(gp.CandidateError, match=r"within \[-2, 2\]"):
        run(pendulum, "def act(obs):\n    return -5.0 * obs[1:2]\n")
    result = run(pendulum, SWINGING)  # a scalar torque within the box is one action of shape (1,)
    assert -16.3 * 200 <= result.score < 0 and result.metrics["episodes"] == 8


def test_the_functional_hash_is_the_actions_on_probe_observations(cartpole):
    evaluator = Evaluator(cartpole, timeout=60.0)
    same = "def act(obs):\n    return jnp.where(2.0 * obs[2] + obs[3] > 0.0, 1, 0)\n"  # GOOD_CARTPOLE, rescaled
    first = evaluator.evaluate_task(Task(id=1, source=GOOD_CARTPOLE, operator="test"))
    again = evaluator.evaluate_task(Task(id=2, source=same, operator="test"))
    other = evaluator.evaluate_task(Task(id=3, source=LEANING, operator="test"))
    assert first.status == "ok" and again.skipped == "func" and other.skipped is None
    # an invalid action does not hash as the valid action it would be clipped to
    assert cartpole.probe(program.parse("def act(obs):\n    return 2 + 0 * obs[0]\n")).tolist() != \
        cartpole.probe(program.parse("def act(obs):\n    return 1 + 0 * obs[0]\n")).tolist()


def test_problems_are_described_and_refuse_unknown_environments():
    assert set(gp.ENVS) == {"CartPole-v1", "Acrobot-v1", "MountainCar-v0", "Pendulum-v1"}
    for env, info in gp.ENVS.items():
        text = gp.describe(env)
        assert all(f"obs[{i}]" in text for i in range(len(info.observation)))
    with pytest.raises(ValueError, match="unknown environment 'Pong'"):
        gp.make_problem(env="Pong")


def test_policy_operators_branch_on_features_and_combine_them(cartpole, small_exp2):
    from evolve.mutators.base import NotApplicable
    from evolve.mutators.registry import portfolio
    from problems.agents.operators import add_feature_term, insert_where

    seed = "def act(obs):\n    return 0\n"
    children = {insert_where(seed, cartpole, np.random.default_rng(s)).strip().splitlines()[-1].strip()
                for s in range(40)}
    features = set()
    for child in children:  # a branch on one feature, the other branch another action
        assert child.startswith("return jnp.where(obs[") and ("0, 1)" in child or "1, 0)" in child), child
        features.add(child[len("return jnp.where(obs["):][0])
    assert features == {"0", "1", "2", "3"}
    assert any(" > 0.0, " not in c for c in children)  # thresholds inside a feature's range, not only 0
    grown = add_feature_term(LEANING, cartpole, np.random.default_rng(0))
    assert grown.count("obs[") == 2 and re.search(r"[+-] [\d.]+ \* obs\[\d\]", grown), grown
    nested = insert_where(GOOD_CARTPOLE, cartpole, np.random.default_rng(1))
    assert nested.count("jnp.where(") == 2 and run(cartpole, nested).metrics["episodes"] == 256
    with pytest.raises(NotApplicable, match="no comparison"):
        add_feature_term("def act(obs):\n    return jnp.where(True, 1, 0)\n", cartpole, np.random.default_rng(0))
    with pytest.raises(NotApplicable, match="not \\['obs'\\]"):
        insert_where("def act(o):\n    return 0\n", cartpole, np.random.default_rng(0))
    assert {"insert_where", "add_feature_term"} <= set(portfolio(cartpole))
    assert not {"insert_where", "add_feature_term"} & set(portfolio(small_exp2))


def test_the_actions_in_branches_can_be_split_and_changed(cartpole):
    """A where's branches are actions, not shapes: whole-number leaves are open to the policy operators (they
    were protected as integer call arguments, so a tree could grow only at its root)."""
    from evolve.mutators.base import NotApplicable
    from evolve.mutators.registry import portfolio
    from problems.agents.operators import insert_where, replace_action

    flipped = {replace_action(LEANING, cartpole, np.random.default_rng(s)).strip().splitlines()[-1].strip()
               for s in range(20)}
    assert flipped == {"return jnp.where(obs[2] > 0, 0, 0)", "return jnp.where(obs[2] > 0, 1, 1)"}
    split = {insert_where(LEANING, cartpole, np.random.default_rng(s)).strip().splitlines()[-1].strip()
             for s in range(40)}
    assert any(c.startswith("return jnp.where(obs[2] > 0, jnp.where(") for c in split), split
    assert any(c.startswith("return jnp.where(obs[2] > 0, 1, jnp.where(") for c in split), split
    pendulum = load_problem("pendulum")
    torques = {replace_action("def act(obs):\n    return jnp.where(obs[2] > 0, 2, -2)\n", pendulum,
                              np.random.default_rng(s)).strip().splitlines()[-1].strip() for s in range(30)}
    assert "return jnp.where(obs[2] > 0, 2, 2)" in torques and "return jnp.where(obs[2] > 0, 0, -2)" in torques
    with pytest.raises(NotApplicable, match="no returned value or branch is a literal"):
        replace_action(GOOD_CARTPOLE.replace("1, 0", "obs[0], obs[1]"), cartpole, np.random.default_rng(0))
    assert "replace_action" in portfolio(cartpole) and "replace_action" not in portfolio(load_problem("exp2"))


def test_constants_of_a_policy_are_tuned_without_gradients():
    """A return has no gradient; tune_constants searches the constants with batches of vmapped rollouts."""
    from evolve.fitting.tuning import tune_constants
    from evolve.mutators.base import NotApplicable
    from evolve.mutators.registry import portfolio

    pendulum = load_problem("pendulum")
    untuned = ("def act(obs):\n    return jnp.where(obs[0] > 0.0, jnp.where(-1.0 * obs[1] - 0.1 * obs[2] > 0.0, "
               "2, -2), jnp.where(obs[2] > 0.0, 2, -2))\n")
    before = run(pendulum, untuned).score
    tuned = tune_constants(untuned, pendulum, seed=0)
    after = run(pendulum, tuned)
    assert before < -900 and after.score > -300 and after.metrics["heldout_return"] > -300, (before, tuned)
    assert tuned.count("jnp.where(") == 3 and ", 2, -2)" in tuned  # the structure and the actions are kept
    assert "tune_constants" in portfolio(pendulum)
    with pytest.raises(NotApplicable, match="no float constant"):
        tune_constants("def act(obs):\n    return jnp.where(obs[2] > 0, 1, 0)\n", load_problem("cartpole"))


def test_a_growing_torque_is_clipped_to_the_action_space():
    from problems.agents.operators import add_feature_term

    pendulum = load_problem("pendulum", products=False)
    grown = add_feature_term(pendulum.seed, pendulum, np.random.default_rng(0))
    assert re.search(r"return jnp\.clip\(jnp\.zeros\(1\) [+-] [\d.]+ \* obs\[\d\], -2\.0, 2\.0\)", grown), grown
    again = add_feature_term(grown, pendulum, np.random.default_rng(1))
    assert again.count("jnp.clip(") == 1 and again.count("obs[") == 2, again  # grows inside, not clipped twice
    assert run(pendulum, again).metrics["episodes"] == 256
    discrete = add_feature_term("def act(obs):\n    return obs[0] * 0.0\n", load_problem("cartpole"),
                                np.random.default_rng(0))
    assert "clip" not in discrete


def test_swing_up_tasks_branch_on_products_of_observations():
    """Pendulum and Acrobot are won by pumping energy, which is quadratic in the observation: their features
    include every obs[i] * obs[j], with ranges, and the policy operators write them."""
    from problems.agents.operators import add_feature_term, insert_where, policy

    obs = np.array([[1.0, 2.0, 3.0], [-1.0, 0.5, 2.0]], dtype=np.float32)
    names, values = gp.policy_features(obs, products=True)
    assert names[:3] == ("obs[0]", "obs[1]", "obs[2]") and len(names) == 3 + 6
    assert names[4] == "obs[0] * obs[1]" and np.allclose(values[4], [2.0, -0.5])
    assert gp.policy_features(obs, products=False)[0] == ("obs[0]", "obs[1]", "obs[2]")
    pendulum = load_problem("pendulum")
    ranges = policy(pendulum).feature_ranges
    assert "obs[1] * obs[2]" in policy(pendulum).features and len(policy(load_problem("acrobot")).features) == 6 + 21
    assert "obs[2] * obs[2]" in ranges and ranges["obs[2] * obs[2]"][0] >= 0
    assert policy(load_problem("cartpole")).features == ("obs[0]", "obs[1]", "obs[2]", "obs[3]")
    assert len(policy(load_problem("pendulum", products=False)).features) == 3
    children = [insert_where(pendulum.seed, pendulum, np.random.default_rng(s)) for s in range(40)]
    assert any(re.search(r"obs\[\d\] \* obs\[\d\] > ", c) for c in children)
    grown = [add_feature_term(SWINGING, pendulum, np.random.default_rng(s)) for s in range(40)]
    assert any(re.search(r"[\d.]+ \* \(obs\[\d\] \* obs\[\d\]\)", c) for c in grown)
    assert run(pendulum, next(c for c in grown if "* (obs[" in c)).metrics["episodes"] == 256


def test_a_constant_torque_may_become_a_feedback_law_a_discrete_action_may_not(cartpole):
    from evolve.mutators.base import NotApplicable
    from problems.agents.operators import add_feature_term

    pendulum = load_problem("pendulum", products=False)
    bang = "def act(obs):\n    return jnp.where(obs[0] > 0.5, 2, -2)\n"
    grown = {add_feature_term(bang, pendulum, np.random.default_rng(s)).strip().splitlines()[-1] for s in range(30)}
    assert any(re.search(r"jnp\.where\(obs\[0\] > 0\.5, jnp\.clip\(2 [+-] [\d.]+ \* obs\[\d\], -2\.0, 2\.0\)", c)
               for c in grown), grown
    with pytest.raises(NotApplicable, match="no comparison"):  # 1 + w * obs[k] is no action of CartPole
        add_feature_term("def act(obs):\n    return jnp.where(True, 1, 0)\n", cartpole, np.random.default_rng(0))


def test_a_short_cartpole_campaign_improves_on_its_seed(ray_session, tmp_path):
    from archive import Archive
    from evolve import Campaign

    problem = load_problem("cartpole", episodes=32, heldout_episodes=32)
    db = tmp_path / "cartpole.sqlite"
    summary = Campaign(problem, db=str(db), budget=30, workers=2, batch_size=2, seed=0, progress=False).run()
    archive = Archive(db, readonly=True)
    rows = archive.programs(campaign_id=summary.campaign_id)
    seed = next(r for r in rows if r.operator == "seed")
    assert summary.best_score > seed.score + 10
    assert {"mean_return", "heldout_return", "return_std"} <= set(archive.best(1)[0].metrics)

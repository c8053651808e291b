"""Policies through the interpreter: the same returns as the policy compiled into its rollout, one compiled rollout
for every policy of a code size, and constants searched through it."""

from __future__ import annotations

import numpy as np
import pytest

from evolve.fitting import tuning
from evolve.programs import program
from problems.agents import gymnax_policy

CARTPOLE = [
    "return 0",
    "return 1",
    "return obs[2] > 0",
    "return jnp.where(obs[2] + 0.3 * obs[3] > 0.0146, 1, 0)",
    "return jnp.where(obs[2] > 0.01, jnp.where(obs[1] > -1.5, 1, 0), jnp.where(obs[3] > 0.27, 1, 0))",
    "t = obs[2] * 10.0 + obs[3]\n    return jnp.where(t > 0.0, 1, 0)",
    "return jnp.clip(jnp.round(obs[3] * 4.0 + 0.5), 0, 1)",  # round is not interpreted: compiled
    "return (obs[2] + obs[3] / 4.0 > 0) * 1 + (obs[0] > 5.0)",
    "return jnp.maximum(jnp.minimum(obs[3] * 100.0, 1.0), 0.0)",
    "return 2",  # outside the action space: the same reason either way
    "return jnp.abs(obs[0]) * 0.5",
]
ACROBOT = [
    "return jnp.where(obs[4] * obs[4] > 0.5, jnp.where(obs[4] > 0.0, 2, 0), jnp.where(obs[5] > 0.1, 2, 0))",
    "return jnp.where(obs[2] * obs[2] > 0.756, jnp.where(obs[1] * obs[1] > 0.0638, 2, 0), 1)",
]


def _source(body: str) -> str:
    return f"def act(obs):\n    {body}\n"


def _outcome(call):
    try:
        return call().metrics
    except Exception as exc:  # a failing policy must fail the same way through both paths
        return f"{type(exc).__name__}: {exc}"


@pytest.mark.parametrize(("env", "body"), [("CartPole-v1", b) for b in CARTPOLE] + [("Acrobot-v1", b) for b in ACROBOT])
def test_a_discrete_policy_scores_the_same_through_the_interpreter(env, body):
    problem = _problem(env)
    tree = program.parse(_source(body))
    interpreted = _outcome(lambda: problem.evaluate_tree(tree))
    compiled = _outcome(lambda: problem.evaluate(program.compile_program(tree, "act")))
    assert interpreted == compiled
    if "round" not in body:
        assert gymnax_policy.translated_policy(tree) is not None


_PROBLEMS: dict = {}


def _problem(env: str):
    if env not in _PROBLEMS:
        _PROBLEMS[env] = gymnax_policy.make_problem(env, episodes=32, heldout_episodes=16)
    return _PROBLEMS[env]


def test_a_continuous_policy_scores_within_rounding_of_the_compiled_one():
    # The compiled rollout lets XLA fuse the policy with the environment, which may change a torque's last bit;
    # the interpreter rounds each operation as written. Returns agree to rounding, not bit for bit.
    problem = _problem("Pendulum-v1")
    tree = program.parse(_source("return jnp.clip(-2.0 * obs[2] - 3.0 * obs[1] * (obs[0] > 0.0), -2.0, 2.0)"))
    assert gymnax_policy.translated_policy(tree) is not None
    a = problem.evaluate_tree(tree).metrics
    b = problem.evaluate(program.compile_program(tree, "act")).metrics
    assert a["mean_return"] == pytest.approx(b["mean_return"], rel=1e-4)


def test_every_policy_of_a_code_size_shares_one_compiled_rollout():
    code_a = gymnax_policy.translated_policy(program.parse(_source(CARTPOLE[3])))
    code_b = gymnax_policy.translated_policy(program.parse(_source(CARTPOLE[4])))
    assert code_a.op.shape == code_b.op.shape  # the same arrays' shapes: the jitted rollout is traced once
    assert not np.array_equal(code_a.op, code_b.op)


def test_constants_of_a_policy_are_searched_through_the_interpreter():
    problem = gymnax_policy.make_problem("Pendulum-v1", episodes=32, heldout_episodes=16, interpret_tuning=True)
    source = ("def act(obs):\n    return jnp.where(obs[0] > 0.0, jnp.where(-1.0 * obs[1] - 0.1 * obs[2] > 0.0, 2, -2), "
              "jnp.where(obs[2] > 0.0, 2, -2))\n")
    assert tuning.constant_fit(problem).interpret is not None
    assert gymnax_policy.translated_policy(program.parse(source)) is not None
    before = problem.evaluate_tree(program.parse(source)).score
    tuned = tuning.tune_constants(source, problem, seed=0)
    assert problem.evaluate_tree(program.parse(tuned)).score > before + 300, tuned

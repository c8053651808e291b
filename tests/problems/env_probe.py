"""A test problem whose fitness reports what the evaluator process sees of one environment variable.

Used to check that an LLM API key in the driver's environment does not reach the evaluators: the value
seen is stored in each program's metrics, so a leak would show in the archive.
"""

import os

import jax.numpy as jnp

from evolve.problem import Problem, Result

X = jnp.linspace(0.0, 1.0, 16)


def make_problem(variable: str = "EVOLVE_TEST_LLM_KEY") -> Problem:
    def evaluate(fn):
        seen = os.environ.get(variable, "")
        return Result(float(jnp.max(jnp.abs(fn(X) - jnp.exp2(X)))), {"key_seen": seen})

    return Problem(name="env_probe", description="approximate 2**x on [0, 1]",
                   seed="def f(x):\n    return 1.0 + x\n", entrypoint="f", probe_inputs=(X,), evaluate=evaluate)

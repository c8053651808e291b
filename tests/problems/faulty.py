"""A test problem whose evaluation misbehaves on purpose, depending on the candidate's value at 1.

The seed ``x * 1.0`` is fine. GP children with f(1) near 2 hang in Python (the evaluator's alarm
catches it), near 0.5 hang inside XLA (only killing the evaluator stops it), and negative ones raise.
Every other candidate scores |f(1) - 10|. ``replace_constant`` writes 2.0, 0.5 and -1.0 often.
"""

import time

import jax
import jax.numpy as jnp

from evolve.problem import Problem, Result

SEED = "def f(x):\n    return x * 1.0\n"


def _native_hang() -> None:
    # A while_loop whose condition never turns false: it runs in compiled code, out of Python's reach.
    loop = jax.jit(lambda v: jax.lax.while_loop(lambda c: c > -1.0, lambda c: jnp.abs(c) + 1e-30, v))
    loop(jnp.float32(0.0)).block_until_ready()


def evaluate(fn):
    value = float(fn(jnp.float32(1.0)))
    if 1.9 < value < 2.1:
        while True:
            time.sleep(0.01)
    if 0.45 < value < 0.55:
        _native_hang()
    if value < 0:
        raise ValueError(f"negative value {value}")
    return Result(abs(value - 10.0), {"value": value})


def make_problem(timeout: float = 1.5) -> Problem:
    return Problem(
        name="faulty",
        description="test problem",
        seed=SEED,
        entrypoint="f",
        probe_inputs=(jnp.linspace(0.0, 2.0, 16, dtype=jnp.float32),),
        evaluate=evaluate,
        timeout=timeout,
    )

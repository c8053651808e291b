"""A test problem whose first evaluation of a child in the whole campaign takes ``pause`` seconds, every other
none.

The evaluators share the campaign's scratch folder (their ``TMPDIR``): the one that creates the token file there
first sleeps. So one batch of one evaluator is slow and the rest are fast, which is what shows whether the driver
takes results back as they finish or in the order it sent them.
"""

import os
import tempfile
import time

import jax.numpy as jnp

from evolve.problem import Problem, Result

X = jnp.linspace(0.0, 1.0, 16)


def make_problem(pause: float = 3.0) -> Problem:
    def evaluate(fn):
        y = fn(X)
        try:
            if bool(jnp.all(y == 1.0 + X)):  # the seed
                raise FileExistsError
            os.close(os.open(os.path.join(tempfile.gettempdir(), "evolve-slow-first"), os.O_CREAT | os.O_EXCL))
            time.sleep(pause)
        except FileExistsError:
            pass
        return Result(float(jnp.max(jnp.abs(y - jnp.exp2(X)))))

    return Problem(name="slow_first", description="approximate 2**x on [0, 1]; the first evaluation is slow",
                   seed="def f(x):\n    return 1.0 + x\n", entrypoint="f", probe_inputs=(X,), evaluate=evaluate,
                   timeout=4.0 * pause)

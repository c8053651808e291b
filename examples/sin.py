"""The smallest useful problem, as docs/writing-a-problem.md shows it: approximate sin on [0, 1] with + - * /.

    evolve run examples/sin.py --budget 200
"""

import jax.numpy as jnp

from evolve import Problem, Result
from evolve.fitting.tuning import ConstantFit

X = jnp.linspace(0.0, 1.0, 1024)


def evaluate(fn):  # fn is the compiled candidate; raise to fail it with a message
    err = float(jnp.max(jnp.abs(fn(X) - jnp.sin(X))))
    return Result(score=err, metrics={"max_err": err})


problem = Problem(
    name="sin", description="Approximate sin on [0, 1] with + - * /.",  # shown to LLM mutators
    seed="def f(x):\n    return x\n", entrypoint="f",
    probe_inputs=(X[::16],),  # outputs here are the functional hash
    evaluate=evaluate, direction="min", timeout=10.0,
    # optional: a loss lets tune_constants fit constants
    extensions=(ConstantFit(loss=lambda fn: jnp.mean((fn(X) - jnp.sin(X)) ** 2)),),
)

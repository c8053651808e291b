"""A problem that brings its own GP operator: ``negate_result`` is declared when this module is imported or
executed, which is also how an evaluator process re-creates the problem, so the operator exists wherever the
problem does. The problem scores ``|f(1) + 3|``: only a negated result gets near it."""

from __future__ import annotations

import ast

import jax.numpy as jnp
import numpy as np

from evolve.mutators.ast_edit import edit_block, pick
from evolve.mutators.base import NotApplicable
from evolve.mutators.registry import register
from evolve.problem import Problem, Result

NAME = "own_operator"
SEED = "def f(x):\n    return x + 2.0\n"


@register(2.0, applies=lambda problem: problem.name == NAME)
def negate_result(source: str, problem: Problem, rng: np.random.Generator) -> str:
    """``return e`` becomes ``return -e``: a rewrite no built-in operator makes in one step."""

    def edit(tree: ast.Module) -> None:
        returns = [n for n in ast.walk(tree) if isinstance(n, ast.Return) and n.value is not None]
        if not returns:
            raise NotApplicable("no returned value to negate")
        node = pick(returns, rng)
        node.value = ast.UnaryOp(ast.USub(), node.value)

    return edit_block(source, edit)


def make_problem() -> Problem:
    """The problem; its seed scores 6."""
    return Problem(
        name=NAME,
        description="a test problem with an operator of its own",
        seed=SEED,
        entrypoint="f",
        probe_inputs=(jnp.linspace(-1.0, 1.0, 8, dtype=jnp.float32),),
        evaluate=lambda fn: Result(abs(float(fn(jnp.float32(1.0))) + 3.0)),
    )

"""Acrobot-v1 policies: :mod:`problems.agents.gymnax_policy` for this one environment."""

from __future__ import annotations

from typing import Any

from evolve.problem import Problem


def make_problem(**options: Any) -> Problem:
    """The Acrobot-v1 policy problem; options as :func:`problems.agents.gymnax_policy.make_problem`."""
    from problems.agents.gymnax_policy import make_problem as policy_problem

    return policy_problem(env="Acrobot-v1", **options)

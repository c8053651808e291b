"""Shared fixtures: one Ray instance for the whole test session (starting Ray costs seconds)."""

from __future__ import annotations

import os

import pytest


@pytest.fixture(scope="session")
def ray_session():
    """A local Ray instance shared by every test that needs one; campaigns reuse it."""
    ray = pytest.importorskip("ray")
    os.environ.setdefault("RAY_DEDUP_LOGS", "0")
    if not ray.is_initialized():
        ray.init(address="local", num_cpus=4, include_dashboard=False, log_to_driver=False)
    yield ray
    ray.shutdown()


@pytest.fixture
def small_exp2():
    """The exp2 problem on few points, so that evaluations are quick."""
    from evolve import load_problem

    return load_problem("exp2", points=4096, tune_points=512)

"""The evaluator's sandbox helpers (evolve/sandbox.py): which environment variables go, the CPU-time limit."""

from __future__ import annotations

import pytest

from evolve.sandbox import CandidateLimit, blank_secrets, cpu_limit, scrub_environment, secret_names


def test_secrets_and_unneeded_variables_are_removed_what_runs_jax_and_ray_is_kept():
    env = {"PATH": "/usr/bin", "HOME": "/root", "JAX_PLATFORMS": "cpu", "CUDA_VISIBLE_DEVICES": "0",
           "RAY_ADDRESS": "x", "LC_ALL": "C", "OPENAI_API_KEY": "sk-1", "AWS_SECRET_ACCESS_KEY": "a",
           "GITHUB_TOKEN": "t", "DB_PASSWORD": "p", "RAY_REDIS_PASSWORD": "r", "MY_DATA": "/data", "EDITOR": "vi",
           "EVOLVE_LLM_BASE_URL": "http://127.0.0.1:1/v1"}
    # Ray's own variables are never touched (blanking RAY_AUTH_MODE cut the workers off Ray's control service).
    env["RAY_AUTH_MODE"] = "token"
    assert secret_names(env) == ["AWS_SECRET_ACCESS_KEY", "DB_PASSWORD", "GITHUB_TOKEN", "OPENAI_API_KEY"]
    assert blank_secrets(env, keep=("DB_PASSWORD",)) == {"AWS_SECRET_ACCESS_KEY": "", "GITHUB_TOKEN": "",
                                                         "OPENAI_API_KEY": ""}
    removed = scrub_environment(env, keep=("MY_DATA",))
    assert removed == ["AWS_SECRET_ACCESS_KEY", "DB_PASSWORD", "EDITOR", "GITHUB_TOKEN", "OPENAI_API_KEY"]
    assert sorted(env) == ["CUDA_VISIBLE_DEVICES", "EVOLVE_LLM_BASE_URL", "HOME", "JAX_PLATFORMS", "LC_ALL",
                           "MY_DATA", "PATH", "RAY_ADDRESS", "RAY_AUTH_MODE", "RAY_REDIS_PASSWORD"]


def test_the_cpu_limit_stops_a_busy_block_and_is_lifted_after_it():
    with pytest.raises(CandidateLimit, match="used more than its 0.2 s of CPU time") as caught:
        with cpu_limit(0.2):
            while True:
                pass
    assert caught.value.status == "timeout"
    with cpu_limit(5.0):
        total = sum(range(1000))
    assert total == 499500

"""A problem that runs the hostile corpus (hostile/ beside it) through a campaign: every program of the corpus is
an extra seed, evaluated like any candidate, after which the campaign goes on with GP children of the good
seed.

The fitness checks what a careful problem checks (float output of the input's shape, finite) and reports
whether the evaluator process can see ``secret`` anywhere in its environment (``os.environ`` or the
environment block it was started with), so a leak of the driver's secrets would show in the archive.
"""

from __future__ import annotations

import os
from pathlib import Path

import jax.numpy as jnp

from evolve.problem import Problem, Result

CORPUS = Path(__file__).resolve().parent / "hostile"
X = jnp.linspace(0.0, 1.0, 1024, dtype=jnp.float32)


def corpus() -> list[tuple[str, str, str, str]]:
    """``(name, expected status, reason substring, source)`` of each program of the corpus, in file order."""
    out = []
    for path in sorted(CORPUS.glob("*.py")):
        text = path.read_text()
        head = dict(line[2:].split(": ", 1) if ": " in line else (line[2:].rstrip(":"), "")
                    for line in text.splitlines()[:2])
        out.append((path.stem, head["expect"].strip(), head["reason"].strip(), text))
    return out


def secret_visible(secret: str) -> bool:
    """Whether ``secret`` is in this process's environment, now or as it was started."""
    if not secret:
        return False
    if any(secret in value for value in os.environ.values()):
        return True
    try:
        return secret.encode() in Path("/proc/self/environ").read_bytes()
    except OSError:
        return False


def make_problem(secret: str = "", timeout: float = 5.0, corpus_seeds: bool = True) -> Problem:
    """``corpus_seeds=False`` leaves the corpus out (a control run: the same search without the hostile
    programs)."""

    def evaluate(fn):
        y = fn(X)
        if not hasattr(y, "dtype"):
            raise ValueError(f"f must return a float array, got {type(y).__name__}")
        if not jnp.issubdtype(y.dtype, jnp.floating):
            raise ValueError(f"f must return floats, got dtype {y.dtype}")
        if y.shape != X.shape:
            raise ValueError(f"f(x) has shape {y.shape}; expected {X.shape}")
        if not bool(jnp.all(jnp.isfinite(y))):
            raise ValueError("f(x) has non-finite values")
        return Result(float(jnp.max(jnp.abs(y - jnp.exp2(X)))), {"secret_seen": secret_visible(secret)})

    return Problem(name="hostile_host", description="approximate 2**x on [0, 1]",
                   seed="def f(x):\n    return 1.0 + x\n", entrypoint="f", probe_inputs=(X,), evaluate=evaluate,
                   timeout=timeout,
                   extra_seeds=tuple(source for *_, source in corpus()) if corpus_seeds else ())

"""A problem whose fitness does what a candidate that got past the static check would try: connect to a
TCP port on 127.0.0.1, write a file in the home folder and one in the shared temporary folder, reach a unix
socket, and write into its own scratch folder (which it may). What happened to each attempt is stored in the
program's metrics, so the OS layer's hold (or a breach) shows in the archive.

Problem code is not checked statically (only candidates are), which is what makes it the bypass.
"""

from __future__ import annotations

import os
import socket
import tempfile
from pathlib import Path

import jax.numpy as jnp

from evolve.problem import Problem, Result

X = jnp.linspace(0.0, 1.0, 16)


def attempt(action) -> str:
    """``"done"`` when ``action()`` succeeded, else the error's type and text."""
    try:
        action()
    except Exception as exc:
        return f"{type(exc).__name__}: {exc}"
    return "done"


def attacks(port: int, marker: str, unix_path: str) -> dict[str, str]:
    """Each attack's outcome, by name."""
    home = Path(os.path.expanduser("~"))

    def connect() -> None:
        with socket.create_connection(("127.0.0.1", port), timeout=2):
            pass

    def unix() -> None:
        with socket.socket(socket.AF_UNIX) as s:
            s.connect(unix_path)

    return {
        "connect": attempt(connect),
        "home_write": attempt(lambda: (home / f"{marker}.txt").write_text("breach")),
        "tmp_write": attempt(lambda: Path("/tmp", f"{marker}.txt").write_text("breach")),
        "unix_connect": attempt(unix),
        "scratch_write": attempt(lambda: Path(tempfile.gettempdir(), f"{marker}.txt").write_text("allowed")),
    }


def make_problem(port: int = 9, marker: str = "evolve-breach", unix_path: str = "/nonexistent") -> Problem:
    """``port``: a TCP port on 127.0.0.1 that accepts connections; ``marker``: the name of the files it tries to
    write; ``unix_path``: a listening unix socket."""

    def evaluate(fn):
        return Result(float(jnp.max(jnp.abs(fn(X) - jnp.exp2(X)))), attacks(port, marker, unix_path))

    return Problem(name="os_breakout", description="approximate 2**x on [0, 1]",
                   seed="def f(x):\n    return 1.0 + x\n", entrypoint="f", probe_inputs=(X,), evaluate=evaluate)

"""A problem with a trivial fitness, for measuring the engine itself (bench/engine_throughput.py).

Candidates are exp2-style float32 programs (same seed, same static check, same GP operators, real
probe run and functional hash); the fitness is a max error on 64 points in numpy, which costs
microseconds, so what is measured is mutation, hashing, selection, Ray dispatch and archive writes.
A size penalty (per byte of bytecode) holds programs near one size: evaluator phases scale with program
size, so without it the rate at different archive sizes would compare programs of different sizes
rather than archives of different sizes. ``size_penalty=1e-4`` lets the search grow programs instead.
``pause`` makes each evaluation sleep that many seconds without using the CPU, a stand-in for a fitness that waits
on something else (bench/scale_out.py).
"""

import time

import numpy as np

from evolve.problem import Problem, Result
from problems.float32.exp2 import SEED, check_source

X = np.linspace(0.0, 1.0, 64, dtype=np.float32)
TARGET = np.exp2(X.astype(np.float64))


def make_problem(size_penalty: float = 1e-2, pause: float = 0.0) -> Problem:
    """The trivial problem; ``size_penalty`` is added to the score per byte of the candidate's bytecode, and each
    evaluation sleeps ``pause`` seconds first."""

    def evaluate(fn):
        if pause:
            time.sleep(pause)
        y = np.asarray(fn(X), dtype=np.float64)
        err = float(np.max(np.abs(y - TARGET)))
        if not np.isfinite(err):
            raise ValueError("non-finite output")
        size = len(fn.__code__.co_code)
        return Result(err + size_penalty * size, {"max_err": err, "bytecode": size})

    return Problem(
        name="trivial",
        description="exp2-shaped programs with a trivial fitness (engine benchmark)",
        seed=SEED,
        entrypoint="f",
        probe_inputs=(np.linspace(0.0, 1.0, 64, dtype=np.float32),),
        evaluate=evaluate,
        check=check_source,
        timeout=10.0,
    )

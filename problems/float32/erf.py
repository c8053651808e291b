"""float32 ``erf(x)`` on [0, 1]: :mod:`problems.float32.approx` for one target."""

from __future__ import annotations

import math

import mpmath
import numpy as np

from problems.float32.approx import Target


def _erf(x: np.ndarray) -> np.ndarray:
    """The C library's erf (within a float64 ULP), element by element: numpy has none."""
    return np.frompyfunc(math.erf, 1, 1)(x).astype(np.float64)


TARGET = Target(name="erf", low=0.0, high=1.0, reference=_erf, precise=mpmath.erf, library="jax.scipy.special.erf",
                formula="erf(x)", zero=0.0, odd=True)
make_problem = TARGET.problem_factory()

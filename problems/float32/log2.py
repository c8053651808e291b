"""float32 ``log2(x)`` on [1, 2) (every float32 number of it is measured): :mod:`problems.float32.approx`."""

from __future__ import annotations

import mpmath
import numpy as np

from problems.float32.approx import Target


def _log2(x: mpmath.mpf) -> mpmath.mpf:
    """log2 at mpmath's working precision (mpmath.log2 is new in mpmath 1.4, which sympy does not allow yet)."""
    return mpmath.log(x, 2)


# log2 is 0 at 1: near it the result's ULP shrinks with it, so a candidate needs the factor (x - 1).
TARGET = Target(name="log2", low=1.0, high=2.0, include_high=False, reference=np.log2, precise=_log2,
                library="jnp.log2", formula="log2(x)", zero=1.0)
make_problem = TARGET.problem_factory()

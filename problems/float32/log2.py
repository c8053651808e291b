"""float32 ``log2(x)`` on [1, 2) (every float32 number of it is measured): :mod:`problems.float32.approx`."""

from __future__ import annotations

import mpmath
import numpy as np

from problems.float32.approx import Target

# log2 is 0 at 1: near it the result's ULP shrinks with it, so a candidate needs the factor (x - 1).
TARGET = Target(name="log2", low=1.0, high=2.0, include_high=False, reference=np.log2, precise=mpmath.log2,
                library="jnp.log2", formula="log2(x)", zero=1.0)
make_problem = TARGET.problem_factory()

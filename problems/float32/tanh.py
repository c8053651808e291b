"""float32 ``tanh(x)`` on [0, 4]: :mod:`problems.float32.approx` for one target."""

from __future__ import annotations

import mpmath
import numpy as np

from problems.float32.approx import Target

TARGET = Target(name="tanh", low=0.0, high=4.0, reference=np.tanh, precise=mpmath.tanh, library="jnp.tanh",
                formula="tanh(x)", zero=0.0, odd=True)
make_problem = TARGET.problem_factory()

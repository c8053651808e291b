"""float32 ``sin(x)`` on [-pi/4, pi/4]: :mod:`problems.float32.approx` for one target."""

from __future__ import annotations

import math

import mpmath
import numpy as np

from problems.float32.approx import Target

TARGET = Target(name="sin", low=-math.pi / 4, high=math.pi / 4, reference=np.sin, precise=mpmath.sin,
                library="jnp.sin", formula="sin(x)", zero=0.0, odd=True)
make_problem = TARGET.problem_factory()

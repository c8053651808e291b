"""float32 ``2**x`` on [0, 1], as in AutoNumerics-Zero: :mod:`problems.float32.approx` for one target."""

from __future__ import annotations

import numpy as np

from problems.float32.approx import Target, check_source, seed_source

TARGET = Target(name="exp2", low=0.0, high=1.0, reference=np.exp2, precise=lambda x: 2**x, library="jnp.exp2",
                formula="2**x", reciprocal=True)
SEED = seed_source(TARGET)
make_problem = TARGET.problem_factory()

__all__ = ["SEED", "TARGET", "check_source", "make_problem"]

"""float32 logistic sigmoid ``1 / (1 + exp(-x))`` on [-8, 8]: :mod:`problems.float32.approx` for one target."""

from __future__ import annotations

import mpmath
import numpy as np

from problems.float32.approx import Target


def _sigmoid(x: np.ndarray) -> np.ndarray:
    return 1.0 / (1.0 + np.exp(-x))


TARGET = Target(name="sigmoid", low=-8.0, high=8.0, reference=_sigmoid, precise=lambda x: 1 / (1 + mpmath.exp(-x)),
                library="jax.nn.sigmoid", formula="1 / (1 + exp(-x))", hard_points=(0.0,))
make_problem = TARGET.problem_factory()

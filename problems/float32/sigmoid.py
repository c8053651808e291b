"""float32 logistic sigmoid ``1 / (1 + exp(-x))`` on [-8, 8]: :mod:`problems.float32.approx` for one target."""

from __future__ import annotations

import mpmath
import numpy as np

from problems.float32 import double_float
from problems.float32.approx import Target
from problems.float32.structures import reciprocal_lines


def _sigmoid(x: np.ndarray) -> np.ndarray:
    return 1.0 / (1.0 + np.exp(-x))


def through_exp(halvings: tuple[int, ...] = (2, 3, 4), orders: tuple[int, ...] = (4, 5, 6)) -> tuple[str, ...]:
    """The sigmoid as its formula writes it, ``1 / (1 + r)`` with ``r = exp(-x)``: ``exp`` of ``y = -x / 2**k``
    (exact) by the reciprocal ``[n/n]`` rational, started from its Padé approximant, squared ``k`` times.
    Without ``floor`` there is no exact range reduction, so each squaring doubles ``r``'s relative error: these
    stay some tens of ULPs off where ``r`` is large, far below what a polynomial or rational in ``x`` reaches on
    [-8, 8] but not 1 ULP. One program for each ``k`` in ``halvings`` and ``n`` in ``orders``."""
    out = []
    for k in halvings:
        for n in orders:
            out.append("\n".join(["# EVOLVE-BLOCK-START", "def f(x):", f"    y = x / -{2**k}",
                                   *reciprocal_lines(mpmath.exp, n, "y"), "    r = (e + o) / (e - o)",
                                   *["    r = r * r"] * k, "    return 1 / (1 + r)", "# EVOLVE-BLOCK-END", ""]))
    return tuple(out)


def through_tanh(configs: tuple[tuple[int, int], ...] = ((11, 6), (12, 7))) -> tuple[str, ...]:
    """The sigmoid as ``(1 + tanh(x / 2)) / 2``, tanh by Lambert's continued fraction with its top levels in
    double-float (:func:`problems.float32.double_float.sigmoid_program`), for each ``(levels, exact)``. At
    ``x = -8`` the sum cancels to 3.4e-4, so tanh must be right to some 36 bits: six exact levels of eleven do it,
    in about 240 operations, where :func:`through_exp` stays tens of ULPs off. Every constant an integer."""
    return tuple(double_float.sigmoid_program(levels, exact) for levels, exact in configs)


TARGET = Target(name="sigmoid", low=-8.0, high=8.0, reference=_sigmoid, precise=lambda x: 1 / (1 + mpmath.exp(-x)),
                library="jax.nn.sigmoid", formula="1 / (1 + exp(-x))", hard_points=(0.0,),
                families=(through_exp(), through_tanh()))
make_problem = TARGET.problem_factory()

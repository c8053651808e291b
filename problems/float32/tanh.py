"""float32 ``tanh(x)`` on [0, 4]: :mod:`problems.float32.approx` for one target."""

from __future__ import annotations

import mpmath
import numpy as np

from problems.float32 import double_float
from problems.float32.approx import Target


def lambert(levels: tuple[int, ...] = tuple(range(6, 13))) -> tuple[str, ...]:
    """Lambert's continued fraction ``tanh x = x / (1 + u / (3 + u / (5 + ...)))`` with ``u = x * x``, cut after
    ``n`` levels (one add and one division each) for each ``n`` in ``levels``; the fit then tunes the odd numbers.
    Its only rounding errors of weight are the last add and division, so it gets within about 3 ULP where a
    rational ``x * p(u) / q(u)`` of as many ops has four roundings at its end. Not 1 ULP: near ``x = 4`` the
    denominator ``x / tanh x`` sits just above 4, at the bottom of its binade, where one rounding is a whole ULP
    of the result, and straight-line arithmetic cannot switch to ``1 - 2 / (exp(2x) + 1)`` there."""
    out = []
    for n in levels:
        inner = f"{2 * n + 1}.0"
        for k in range(n, 0, -1):
            inner = f"{2 * k - 1}.0 + u / ({inner})"
        out.append(f"# EVOLVE-BLOCK-START\ndef f(x):\n    u = x * x\n    return x / ({inner})\n# EVOLVE-BLOCK-END\n")
    return tuple(out)


def compensated(configs: tuple[tuple[int, int], ...] = ((8, 2), (9, 3))) -> tuple[str, ...]:
    """Lambert's continued fraction with its top levels in double-float (:mod:`problems.float32.double_float`): for
    each ``(levels, exact)``, ``levels`` deep with the top ``exact`` of them, the division by the denominator among
    them, carried as float32 pairs. That is what :func:`lambert` lacks for 1 ULP: its last add and division round
    once each, and near ``x = 4`` the two roundings together reach 1.5 ULP. Some 110 operations for ``(8, 2)``,
    where 18 give 3 ULP; every constant an integer, so there is nothing to fit."""
    return tuple(double_float.tanh_program(levels, exact) for levels, exact in configs)


TARGET = Target(name="tanh", low=0.0, high=4.0, reference=np.tanh, precise=mpmath.tanh, library="jnp.tanh",
                formula="tanh(x)", zero=0.0, odd=True, families=(lambert(), compensated()))
make_problem = TARGET.problem_factory()

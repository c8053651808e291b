"""A float32 target as a user writes one, outside the built-ins: ``e**x`` on [-ln2/2, ln2/2] (the reduced range
of an ``exp`` implementation), through the public ``Target`` API. ``evolve run examples/float32_exp.py``
searches it; ``bench/float32.py`` runs it beside the built-in targets."""

import math

import mpmath
import numpy as np

from problems.float32.approx import Target

TARGET = Target(name="float32_exp", low=-math.log(2) / 2, high=math.log(2) / 2, reference=np.exp,
                precise=mpmath.exp, library="jnp.exp", formula="exp(x)")
make_problem = TARGET.problem_factory()

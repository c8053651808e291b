"""The hold-out equations of the AI Feynman collection: every equation not in the development set.

The AI Feynman collection (Udrescu & Tegmark, "AI Feynman: a physics-inspired method for symbolic regression",
Science Advances 2020) has 100 equations from the Feynman Lectures on Physics (FeynmanEquations.csv) and 20
"bonus" equations from other textbooks (BonusEquations.csv); SRBench (La Cava et al. 2021) benchmarks them as its
Feynman and bonus sets. The 24 equations of :mod:`problems.symbolic.feynman` are the development set, the ones
this project tunes against; the other 96 (76 Feynman, 20 bonus) are here, held out, for judging what the tuning
bought. None is left out.

Each keeps its id, output and variable names and its in-domain sampling ranges from the CSV files (a variable's
names and ranges as listed, where the "# variables" column miscounts them); bonus equations are named
``test_1`` ... ``test_20``, as the AI Feynman data files are. The CSV's I.6.2b is I.6.20b here (as its I.6.2a,
I.6.2 and I.39.1 are I.6.20a, I.6.20 and I.39.10 in the development set). As there, values are in arbitrary
units, physical constants are inputs like any other variable, and each input gets an out-of-domain range, a box
containing the in-domain one on all of which the law is real and finite (v < c where a law needs it, the
arguments of arcsin and arccos within [-1, 1], no vanishing denominator, no square root of a negative number).
Descriptions say what each variable is, never the formula.
"""

from __future__ import annotations

from problems.symbolic.feynman import Equation
from problems.symbolic.feynman_holdout import bonus, volume1, volumes2_3

__all__ = ["BONUS", "HOLDOUT"]

HOLDOUT: dict[str, Equation] = {eq.name: eq for eq in volume1.EQUATIONS + volumes2_3.EQUATIONS + bonus.EQUATIONS}
"""The held-out equations by name: 76 of the Feynman Lectures, then the 20 bonus equations."""

BONUS: frozenset[str] = frozenset(eq.name for eq in bonus.EQUATIONS)
"""The names of the bonus equations (``test_1`` ... ``test_20``)."""

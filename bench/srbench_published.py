"""Published symbolic-solution rates of SRBench on the AI Feynman equations, as anchors for bench/symbolic.py.

Source: SRBench, La Cava et al., "Contemporary Symbolic Regression Methods and their Relative Performance"
(NeurIPS 2021 Datasets and Benchmarks; arXiv:2107.14351), repository ``cavalab/srbench``, file
``docs/csv/groundtruth.csv`` as of commit 08ac2a67635a10391538f3d867d5c17b24c5ecc3 (2021-07-07, "webpage"; the same
blob, c14cb324fdd257ce4c3b7ae6de06abd05f50b58b, is still on master at ac1059bae0f641cf9e4dfd5c91add5d4e01dbcb5).
That CSV backs the "symbolic solution rate" chart of the SRBench web page (``docs/plots/srGT.json``: rows of one data
group and noise level, averaged over data sets per algorithm). ``postprocessing/genCSVs.py`` at the same commit
wrote it from ``results/ground-truth_results.feather``: one row per (algorithm, data set, target noise), with
``symbolic_solution_rate_(%)`` the percentage of trials whose model is symbolically the law up to an additive or a
multiplicative constant (sympy: the difference or the ratio is a constant), the criterion bench/recovery.py follows.

Kept here: the rows of the Feynman group at target noise 0 (our setting) for AIFeynman, Operon and gplearn, as the
fraction of trials solved (the CSV's percentage / 100, rounded to 4 decimals), keyed by our equation ids. Each
problem had 10 trials (``analyze.py -n_trials 10``, README.md at the same commit); the CSV holds no trial counts,
and rates such as 1/9 or 1/8 show that a few runs are missing. AIFeynman has no row for III.8.54 and test_13.

SRBench has 116 of our 120 ids: ``postprocessing/collate_groundtruth_results.py`` (commit
63637df41f597d2753e29601ae02fc60aee99890) drops feynman_I_26_2, feynman_I_30_5 and feynman_test_10, and PMLB, where
SRBench takes its data sets, has no II.11.17. SRBench's names follow PMLB's: feynman_I_6_2a, feynman_I_6_2,
feynman_I_6_2b, feynman_I_39_1 and feynman_I_15_10 are our I.6.20a, I.6.20, I.6.20b, I.39.10 and I.15.1 (same laws
and ranges in PMLB's metadata.yaml); every other name is ours with "." as "_" behind "feynman_".

PySR is not here: SRBench's 2021 results do not include it, and its later runs (branch srbench_2025) use other data
sets ("rethinking_feynman") and publish no solution-rate table in text.
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

__all__ = ["ALGORITHMS", "MISSING", "PUBLISHED", "SOLUTION_FRACTION", "SOURCE", "rates_on", "srbench_name"]

SOURCE: dict[str, str] = {
    "repo": "cavalab/srbench",
    "path": "docs/csv/groundtruth.csv",
    "commit": "08ac2a67635a10391538f3d867d5c17b24c5ecc3",
    "url": "https://github.com/cavalab/srbench/blob/08ac2a67635a10391538f3d867d5c17b24c5ecc3/docs/csv/groundtruth.csv",
    "paper": "La Cava et al. 2021, Contemporary Symbolic Regression Methods and their Relative Performance, "
    "NeurIPS Datasets and Benchmarks, arXiv:2107.14351",
}
"""Where the figures come from."""

ALGORITHMS: tuple[str, ...] = ("AIFeynman", "Operon", "gplearn")
"""The algorithms kept, in the order of the tuples of :data:`_TABLE`."""

NOISE = 0.0
TRIALS = 10

PUBLISHED: dict[str, dict[str, Any]] = {
    name: {"rate": rate, "problems": problems, "noise": NOISE, "trials": TRIALS}
    for name, rate, problems in (("AIFeynman", 0.5578, 114), ("Operon", 0.1655, 116), ("gplearn", 0.1627, 116))
}
"""Per algorithm: the mean over SRBench's Feynman problems of the fraction of trials solved at target noise 0, as
the web page's chart takes it (the CSV's mean, rounded to 4 decimals), and over how many problems."""

MISSING: dict[str, str] = {
    "I.26.2": "excluded by SRBench (postprocessing/collate_groundtruth_results.py)",
    "I.30.5": "excluded by SRBench (postprocessing/collate_groundtruth_results.py)",
    "test_10": "excluded by SRBench (postprocessing/collate_groundtruth_results.py)",
    "II.11.17": "not among PMLB's Feynman data sets, so not in SRBench",
}
"""Our equation ids that SRBench has no result for, and why."""

_RENAMED = {"I.6.20a": "I_6_2a", "I.6.20": "I_6_2", "I.6.20b": "I_6_2b", "I.39.10": "I_39_1", "I.15.1": "I_15_10"}

# Fraction of trials solved at target noise 0, per equation: (AIFeynman, Operon, gplearn); None where there is no row.
_TABLE: dict[str, tuple[float | None, ...]] = {
    "I.6.20": (0.0, 0.0, 0.0),
    "I.6.20a": (0.8, 0.3, 0.0),
    "I.6.20b": (0.0, 0.0, 0.0),
    "I.8.14": (0.0, 0.0, 0.0),
    "I.9.18": (0.0, 0.0, 0.0),
    "I.10.7": (0.8889, 0.0, 0.0),
    "I.11.19": (0.0, 0.1, 0.0),
    "I.12.1": (1.0, 0.9, 1.0),
    "I.12.2": (1.0, 0.2, 0.0),
    "I.12.4": (1.0, 0.1, 0.0),
    "I.12.5": (1.0, 0.8, 1.0),
    "I.12.11": (1.0, 0.0, 0.25),
    "I.13.4": (1.0, 0.0, 0.0),
    "I.13.12": (1.0, 0.1, 0.5),
    "I.14.3": (1.0, 0.6, 1.0),
    "I.14.4": (1.0, 0.8, 0.0),
    "I.15.1": (0.0, 0.0, 0.0),
    "I.15.3t": (0.0, 0.0, 0.0),
    "I.15.3x": (0.0, 0.0, 0.0),
    "I.16.6": (0.0, 0.0, 0.0),
    "I.18.4": (1.0, 0.0, 0.0),
    "I.18.12": (1.0, 0.0, 1.0),
    "I.18.14": (1.0, 0.0, 0.875),
    "I.24.6": (0.8889, 0.0, 0.0),
    "I.25.13": (1.0, 0.6, 1.0),
    "I.27.6": (1.0, 0.0, 0.125),
    "I.29.4": (1.0, 0.6, 1.0),
    "I.29.16": (0.0, 0.0, 0.0),
    "I.30.3": (0.9, 0.0, 0.0),
    "I.32.5": (1.0, 0.1, 0.125),
    "I.32.17": (0.0, 0.0, 0.0),
    "I.34.1": (1.0, 0.0, 0.375),
    "I.34.8": (1.0, 0.5, 0.875),
    "I.34.14": (0.0, 0.0, 0.0),
    "I.34.27": (0.0, 0.9, 0.125),
    "I.37.4": (0.0, 0.0, 0.0),
    "I.38.12": (0.8889, 0.3, 0.0),
    "I.39.10": (1.0, 0.7, 0.375),
    "I.39.11": (1.0, 0.2, 0.0),
    "I.39.22": (1.0, 0.3, 0.5),
    "I.40.1": (0.6667, 0.0, 0.0),
    "I.41.16": (0.0, 0.0, 0.0),
    "I.43.16": (1.0, 0.6, 0.75),
    "I.43.31": (1.0, 0.4, 0.875),
    "I.43.43": (1.0, 0.2, 0.0),
    "I.44.4": (0.9, 0.0, 0.0),
    "I.47.23": (1.0, 0.1, 0.5),
    "I.48.2": (0.0, 0.0, 0.0),
    "I.50.26": (0.0, 0.0, 0.0),
    "II.2.42": (1.0, 0.3, 0.25),
    "II.3.24": (1.0, 0.8, 0.25),
    "II.4.23": (1.0, 0.3, 0.125),
    "II.6.11": (1.0, 0.0, 0.0),
    "II.6.15a": (0.0, 0.0, 0.0),
    "II.6.15b": (0.0, 0.0, 0.0),
    "II.8.7": (1.0, 0.2, 0.125),
    "II.8.31": (1.0, 0.6, 0.0),
    "II.10.9": (1.0, 0.1, 0.375),
    "II.11.3": (0.1111, 0.0, 0.0),
    "II.11.20": (1.0, 0.1, 0.0),
    "II.11.27": (0.7778, 0.0, 0.0),
    "II.11.28": (0.0, 0.0, 0.0),
    "II.13.17": (1.0, 0.3, 0.0),
    "II.13.23": (1.0, 0.0, 0.0),
    "II.13.34": (0.0, 0.0, 0.0),
    "II.15.4": (1.0, 0.0, 0.25),
    "II.15.5": (1.0, 0.0, 0.375),
    "II.21.32": (1.0, 0.0, 0.0),
    "II.24.17": (0.0, 0.0, 0.0),
    "II.27.16": (1.0, 0.6, 0.875),
    "II.27.18": (1.0, 0.7, 1.0),
    "II.34.2": (1.0, 0.9, 0.0),
    "II.34.2a": (0.5556, 0.6, 0.0),
    "II.34.11": (1.0, 0.4, 0.0),
    "II.34.29a": (0.6, 0.3, 0.125),
    "II.34.29b": (0.9, 0.1, 0.0),
    "II.35.18": (0.0, 0.0, 0.0),
    "II.35.21": (0.0, 0.0, 0.0),
    "II.36.38": (0.0, 0.0, 0.125),
    "II.37.1": (1.0, 0.3, 0.75),
    "II.38.3": (0.9, 0.6, 0.625),
    "II.38.14": (1.0, 0.1, 0.0),
    "III.4.32": (0.0, 0.0, 0.0),
    "III.4.33": (0.0, 0.0, 0.0),
    "III.7.38": (1.0, 0.4, 0.0),
    "III.8.54": (None, 0.1, 0.0),
    "III.9.52": (0.0, 0.0, 0.0),
    "III.10.19": (1.0, 0.0, 0.0),
    "III.12.43": (0.0, 1.0, 0.125),
    "III.13.18": (0.875, 0.3, 0.0),
    "III.14.14": (0.7, 0.0, 0.0),
    "III.15.12": (1.0, 0.0, 0.125),
    "III.15.14": (0.9, 0.0, 0.0),
    "III.15.27": (0.1111, 0.2, 0.125),
    "III.17.37": (1.0, 0.0, 0.375),
    "III.19.51": (0.0, 0.0, 0.25),
    "III.21.20": (1.0, 0.5, 0.375),
    "test_1": (0.0, 0.0, 0.0),
    "test_2": (0.0, 0.0, 0.0),
    "test_3": (0.2222, 0.0, 0.0),
    "test_4": (0.0, 0.0, 0.0),
    "test_5": (0.0, 0.0, 0.0),
    "test_6": (0.0, 0.0, 0.0),
    "test_7": (0.0, 0.0, 0.0),
    "test_8": (1.0, 0.0, 0.0),
    "test_9": (0.0, 0.0, 0.0),
    "test_11": (1.0, 0.0, 0.0),
    "test_12": (0.0, 0.0, 0.0),
    "test_13": (None, 0.0, 0.0),
    "test_14": (0.0, 0.0, 0.0),
    "test_15": (0.0, 0.0, 0.0),
    "test_16": (0.0, 0.0, 0.0),
    "test_17": (0.0, 0.0, 0.0),
    "test_18": (0.0, 0.0, 0.0),
    "test_19": (0.0, 0.0, 0.0),
    "test_20": (0.0, 0.0, 0.0),
}

SOLUTION_FRACTION: dict[str, dict[str, float]] = {
    alg: {eq: row[i] for eq, row in _TABLE.items() if row[i] is not None} for i, alg in enumerate(ALGORITHMS)
}
"""Per algorithm, per equation (our ids): the fraction of SRBench's trials that found the law, at target noise 0."""


def srbench_name(equation: str) -> str | None:
    """SRBench's (PMLB's) data-set name for one of our equation ids, or None where SRBench has no result for it."""
    if equation in MISSING:
        return None
    if equation not in _TABLE:
        raise KeyError(f"unknown AI Feynman equation {equation!r}")
    if equation.startswith("test_"):
        return f"feynman_{equation}"
    return "feynman_" + _RENAMED.get(equation, equation.replace(".", "_"))


def rates_on(equations: Iterable[str]) -> dict[str, dict[str, Any]]:
    """Each algorithm's published symbolic-solution rate on the given equations (our ids), at target noise 0.

    Where there are per-equation figures the rate is their mean over the given equations SRBench ran that algorithm
    on (``granularity`` "per-equation"; ``missing`` lists the others); otherwise it is the published aggregate over
    all of SRBench's Feynman problems (``granularity`` "aggregate"). ``rate`` is None where none of the equations
    has a figure. Raises KeyError for an id that is not one of the 120 AI Feynman equations.
    """
    equations = list(dict.fromkeys(equations))
    unknown = [eq for eq in equations if eq not in _TABLE and eq not in MISSING]
    if unknown:
        raise KeyError(f"unknown AI Feynman equations: {', '.join(unknown)}")
    out: dict[str, dict[str, Any]] = {}
    for alg in ALGORITHMS:
        per_eq = SOLUTION_FRACTION.get(alg)
        info: dict[str, Any] = {"noise": NOISE, "trials": TRIALS, "source": SOURCE["url"]}
        if per_eq:
            have = [eq for eq in equations if eq in per_eq]
            rate = sum(per_eq[eq] for eq in have) / len(have) if have else None
            info.update(rate=rate, problems=len(have), missing=[eq for eq in equations if eq not in per_eq],
                        granularity="per-equation")
        else:
            published = PUBLISHED[alg]
            info.update(rate=published["rate"], problems=published["problems"], missing=[],
                        granularity="aggregate")
        out[alg] = info
    return out

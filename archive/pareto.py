"""Pareto fronts of several objectives: non-dominated sorting and crowding distance, as in NSGA-II.

Pure functions on arrays of objective values ``(n, k)``, every objective to be minimised (negate a maximised
one first: :func:`minimised`). Used by the population to select among programs when a problem declares several
objectives, and by the archive's readers to print a campaign's front.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

import numpy as np


def minimised(rows: Sequence[Mapping[str, Any]], objectives: Sequence[tuple[str, str]]) -> np.ndarray:
    """The objective values of ``rows`` (metric dicts) as an ``(n, k)`` array to minimise: a maximised
    objective negated, a missing or non-numeric value the worst possible (``inf``)."""
    out = np.full((len(rows), len(objectives)), np.inf)
    for i, row in enumerate(rows):
        for j, (name, direction) in enumerate(objectives):
            value = row.get(name)
            if isinstance(value, bool) or not isinstance(value, int | float) or np.isnan(value):
                continue
            out[i, j] = float(value) if direction == "min" else -float(value)
    return out


def dominates(a: np.ndarray, b: np.ndarray) -> bool:
    """Whether ``a`` is no worse than ``b`` in every objective and better in one (all minimised)."""
    return bool(np.all(a <= b) and np.any(a < b))


def non_dominated_sort(values: np.ndarray) -> list[np.ndarray]:
    """The fronts of ``values`` ``(n, k)`` (minimised), best first: front 0 is the points no other point
    dominates, front 1 those only front 0 dominates, and so on. Each front is an array of row indices."""
    values = np.asarray(values, dtype=float)
    n = values.shape[0]
    if n == 0:
        return []
    le = np.all(values[:, None, :] <= values[None, :, :], axis=2)
    lt = np.any(values[:, None, :] < values[None, :, :], axis=2)
    beats = le & lt  # beats[i, j]: i dominates j
    counts = beats.sum(axis=0)  # how many points dominate each point
    fronts, current = [], np.flatnonzero(counts == 0)
    while current.size:
        fronts.append(current)
        counts = counts - beats[current].sum(axis=0)
        counts[current] = -1  # placed
        current = np.flatnonzero(counts == 0)
    return fronts


def crowding_distance(values: np.ndarray) -> np.ndarray:
    """NSGA-II's crowding distance of each point of one front ``(m, k)``: the sum over objectives of the gap
    between its neighbours, relative to the front's range; the extremes of each objective get ``inf``."""
    values = np.asarray(values, dtype=float)
    m, k = values.shape
    distance = np.zeros(m)
    if m <= 2:
        return np.full(m, np.inf)
    for j in range(k):
        order = np.argsort(values[:, j], kind="stable")
        column = values[order, j]
        distance[order[0]] = distance[order[-1]] = np.inf
        finite = column[np.isfinite(column)]
        span = finite[-1] - finite[0] if finite.size else 0.0
        if span > 0 and np.isfinite(span):
            gaps = (column[2:] - column[:-2]) / span
            distance[order[1:-1]] += np.where(np.isfinite(gaps), gaps, np.inf)
    return distance


def nsga2_order(values: np.ndarray, tiebreak: np.ndarray | None = None) -> tuple[np.ndarray, np.ndarray]:
    """The rows of ``values`` ``(n, k)`` best first as NSGA-II ranks them: by front, then by crowding distance
    (wider first), then by ``tiebreak`` (smaller first; e.g. a scalar score key). Returns the order and each
    row's front number."""
    n = np.asarray(values).shape[0]
    rank, crowd = np.zeros(n, dtype=np.int64), np.zeros(n)
    for r, front in enumerate(non_dominated_sort(values)):
        rank[front] = r
        crowd[front] = crowding_distance(np.asarray(values)[front])
    ties = np.zeros(n) if tiebreak is None else np.asarray(tiebreak, dtype=float)
    return np.lexsort((ties, -crowd, rank)), rank


def front(values: np.ndarray) -> np.ndarray:
    """Indices of the non-dominated rows of ``values`` (minimised), one per distinct point, sorted by the
    first objective."""
    values = np.asarray(values, dtype=float)
    if values.shape[0] == 0:
        return np.zeros(0, dtype=np.int64)
    first = non_dominated_sort(values)[0]
    _, unique = np.unique(values[first], axis=0, return_index=True)
    kept = first[np.sort(unique)]
    return kept[np.lexsort(values[kept].T[::-1])]

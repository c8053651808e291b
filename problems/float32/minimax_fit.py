"""Best-uniform constants (:mod:`evolve.fitting.minimax`) for a float32 target: the points and ULP weights of the fit,
the exact ULP measure its rounding is judged by, and the ``fit_constants`` hook of the problem.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import TYPE_CHECKING, Any

import jax.numpy as jnp
import numpy as np

from problems.float32.domain import above_smallest_normal, centre, correctly_rounded, near_zero
from problems.float32.ulp import binade, ordered, ulp_weight

if TYPE_CHECKING:
    from problems.float32.approx import Target

def fit_points(target: Target, x: np.ndarray) -> Any:
    """:class:`evolve.fitting.minimax.Points` at the float32 inputs ``x``: the function in float64 and the ULP weight,
    leaving out inputs where the function is 0 or subnormal (no relative error is defined there, and XLA
    flushes subnormals)."""
    from evolve.fitting.minimax import Points

    x64 = np.asarray(x, dtype=np.float64)
    with np.errstate(all="ignore"):
        t = np.asarray(target.reference(x64), dtype=np.float64)
    tiny = np.finfo(np.float32).tiny
    # A subnormal input is read as 0 by XLA, while an input of 0 itself is exact.
    keep = np.isfinite(t) & (np.abs(t) >= tiny) & ((np.abs(x64) >= tiny) | (x64 == 0.0))
    t = t[keep]
    return Points(x64[keep], t, ulp_weight(t), np.exp2(binade(t)))


def ulp_measure(x: np.ndarray, rounded: np.ndarray, xla: bool = False
                ) -> Callable[[Callable[[Any], Callable[..., Any]], np.ndarray], np.ndarray]:
    """:data:`evolve.fitting.minimax.Measure` for float32 inputs ``x`` and their correctly rounded values ``rounded``:
    each row of float32 constants run operation by operation, each rounded to float32 as written, scored by its
    maximum ULP error with the mean as a tie-break (``max + mean / (max + 1)``, which orders by the max first);
    ``inf`` for a non-finite output.

    It runs in numpy float32, whose ``+ - * /`` round exactly as XLA's do, with no compilation for each new
    shape of a batch (eager JAX compiles every operation again for each); XLA flushes subnormal numbers to zero,
    which the result is made to do too, and the inputs are chosen with no subnormal input or result (a
    subnormal intermediate value is the one place the two could differ: the evaluator's own measurement, run in
    JAX, is the one recorded). ``xla=True`` runs it in eager JAX instead, for the few inputs where flushing
    decides (XLA flushes a result that rounds to the smallest normal number from below, numpy keeps it)."""
    xs = np.asarray(x, dtype=np.float32)[None, :]
    want = ordered(np.asarray(rounded, dtype=np.float32))[None, :]
    tiny = np.finfo(np.float32).tiny

    def measure(make: Callable[[Any], Callable[..., Any]], P: np.ndarray) -> np.ndarray:
        P = np.asarray(P, dtype=np.float32)
        rows = P.shape[0]
        if xla:  # rows padded to a multiple of 16: each new shape compiles every eager operation again
            P = np.concatenate([P, np.repeat(P[:1], -rows % 16, axis=0)])
            y = np.asarray(make([jnp.asarray(P[:, k:k + 1]) for k in range(P.shape[1])])(jnp.asarray(xs)))
        else:
            with np.errstate(all="ignore"):
                y = np.asarray(make([P[:, k:k + 1] for k in range(P.shape[1])])(xs))
        if y.dtype != np.float32:
            raise TypeError(f"the program computes in {y.dtype}, not float32")
        y = np.broadcast_to(np.where(np.abs(y) < tiny, np.float32(0.0), y), (P.shape[0], xs.shape[1]))[:rows]
        finite = np.all(np.isfinite(y), axis=1)
        d = np.abs(ordered(np.where(np.isfinite(y), y, np.float32(0.0))) - want)
        top = np.max(d, axis=1).astype(np.float64)
        mean = np.mean(d, axis=1)
        return np.where(finite, top + mean / (top + 1.0), np.inf)

    return measure


def _worse(first: Callable[..., np.ndarray], second: Callable[..., np.ndarray]) -> Callable[..., np.ndarray]:
    """A measure from two of :func:`ulp_measure`'s on other inputs: the larger maximum, ``first``'s mean."""

    def measure(make: Callable[[Any], Callable[..., Any]], P: np.ndarray) -> np.ndarray:
        a, b = first(make, P), second(make, P)
        top_a, top_b = np.floor(a), np.floor(b)
        top = np.maximum(top_a, top_b)
        with np.errstate(invalid="ignore"):
            mean = (a - top_a) * (top_a + 1.0)  # ulp_measure's key is max + mean / (max + 1)
        return np.where(np.isfinite(a) & np.isfinite(b), top + mean / (top + 1.0), np.inf)

    return measure


def minimax_fitter(target: Target, x: np.ndarray, rounded: np.ndarray, fit_x: np.ndarray, entrypoint: str = "f",
                   fit_size: int = 1024, measure_size: int = 2**14) -> Callable[[str], str]:
    """``fit_constants(source) -> source`` for ``target``'s problem: the minimax constants of the program's
    structure in float32 ULPs (:func:`evolve.fitting.minimax.fit_source`), on ``fit_size`` of the tuning inputs
    ``fit_x`` (and all of them as check points), rounded to float32 against the exact ULP error on
    ``measure_size`` of the measured inputs ``x`` (with correctly rounded values ``rounded``) and the tuning
    inputs. Constants at the target's zero in ``x - zero`` stay exact."""
    from evolve.fitting.minimax import fit_source

    fit_x = np.asarray(fit_x, dtype=np.float32)
    check = fit_points(target, fit_x)
    pick = np.unique(np.linspace(0, check.x.size - 1, min(fit_size, check.x.size)).round().astype(np.int64))
    near = np.flatnonzero(np.isin(check.x, near_zero(target, fit_x).astype(np.float64)))
    pts = check.take(np.union1d(pick, near))
    idx = np.unique(np.r_[np.linspace(0, x.size - 1, measure_size).round().astype(np.int64),
                          np.searchsorted(x, fit_x).clip(0, x.size - 1)])
    tiny = np.finfo(np.float32).tiny
    idx = idx[(np.abs(x[idx]) >= tiny) | (x[idx] == 0)]
    idx = idx[np.abs(rounded[idx]) >= tiny]  # subnormal results are accepted as 0 too: left to the evaluator
    measure = ulp_measure(x[idx], rounded[idx])
    lowest = above_smallest_normal(target)
    if lowest.size:
        # Just above the smallest normal number a product with a constant below 1 is subnormal, and XLA flushes
        # it to zero: 2**23 ULPs off. These few inputs are run as XLA runs them.
        flushing = ulp_measure(lowest, correctly_rounded(target, lowest)[1], xla=True)
        measure = _worse(measure, flushing)
    anchors = (*(() if target.zero is None else (float(np.float32(target.zero)),)), centre(target))

    def fit_constants(source: str) -> str:
        return fit_source(source, entrypoint, pts, check, measure=measure, anchors=anchors)[0]

    return fit_constants

"""The float32 problems' independent check (``Problem.verify``): a program's ULP error re-measured on more points
than the search saw, as the search ran it.

The search measures a candidate on a fixed set of inputs (every float32 number of a small domain, else 2**22
chosen ones): a program tuned against that set can be worse between its points. The check measures it again on
every float32 number of the domain where there are at most ``points`` of them (by default 4 times the search's
number), else on ``points`` inputs drawn afresh (the domain's ends, its hard points and the numbers above the
smallest normal one, as the search has them, then fresh random numbers, half uniform in value and half uniform
over the number line), chunk by chunk so memory stays small. The program runs operation by operation as the
search ran it, and jitted too where the search timed its speed (its error was then the worse of the two). The
reference values are computed afresh (:func:`problems.float32.domain.correctly_rounded`). The program passes
when no point is worse than the error the search reported.
"""

from __future__ import annotations

import ast
from collections.abc import Iterator
from typing import TYPE_CHECKING, Any

import numpy as np

from evolve.problem import Verdict
from problems.float32.domain import accepted_values, correctly_rounded, domain_points
from problems.float32.ulp import domain_positions, from_ordered, ordered

if TYPE_CHECKING:
    from problems.float32.approx import Target

VERIFY_DENSITY = 4
"""The check measures a program on this many times the search's number of inputs (2**24 for the default 2**22),
drawn afresh, or on the whole domain when it holds no more."""

CHUNK = 2**22
"""Inputs measured at once."""

FRESH_SEED = 1_000_003
"""Added to the problem's seed for the check's random inputs, so they are not the search's."""


def verification_inputs(target: Target, points: int, seed: int = 0,
                        chunk: int = CHUNK) -> tuple[Iterator[np.ndarray], str]:
    """The check's float32 inputs, as chunks of at most about ``chunk`` sorted numbers, and how they were chosen:
    ``"exhaustive"`` (every float32 number of the domain, when it holds at most ``points``) or ``"sampled"``
    (``points`` numbers, :func:`problems.float32.domain.domain_points`' structure with fresh random ones)."""
    first, last = domain_positions(target.low, target.high, target.include_high)
    if last < first:
        raise ValueError(f"{target.name}: the domain {target.domain} holds no float32 number")
    if last - first + 1 <= points:
        return (from_ordered(np.arange(start, min(start + chunk, last + 1)))
                for start in range(first, last + 1, chunk)), "exhaustive"

    def sampled() -> Iterator[np.ndarray]:
        yield domain_points(target, min(chunk, points), exhaustive_limit=0, seed=seed + FRESH_SEED)[0]
        rng = np.random.default_rng([seed, FRESH_SEED])
        lo32, hi32 = (float(v) for v in from_ordered(np.array([first, last])))
        for _ in range(1, max(points // chunk, 1)):
            uniform = ordered(rng.uniform(lo32, hi32, chunk // 2).astype(np.float32))
            spread = rng.integers(first, last + 1, chunk - chunk // 2)
            # Neither sorted nor distinct: a repeated input measures the same error twice, which is harmless.
            positions = np.concatenate([uniform, spread])
            yield from_ordered(positions[(positions >= first) & (positions <= last)])

    return sampled(), "sampled"


def ulp_errors(y: np.ndarray, accepted: np.ndarray) -> np.ndarray:
    """The distance in float32 ULPs (int64) of each output ``y`` from the nearest of its accepted values
    ``accepted`` (``(k, n)``, the correctly rounded one first, :func:`problems.float32.domain.accepted_values`);
    -0 and +0 are the same number."""
    here = ordered(np.asarray(y, np.float32))
    d = np.abs(ordered(accepted[0]) - here)
    # Only a few inputs accept another value (subnormal inputs and results).
    special = np.flatnonzero(np.any(accepted[1:] != accepted[:1], axis=0))
    if special.size:
        d[special] = np.min(np.abs(ordered(accepted[:, special]) - here[None, special]), axis=0)
    return d


def _outputs(fn: Any, jitted: Any, x: np.ndarray) -> list[tuple[str, np.ndarray]]:
    """The program's outputs at ``x`` as the search ran it (operation by operation) and, when ``jitted`` is
    given, as the jitted program computes them."""
    import jax.numpy as jnp

    from problems.float32.approx import float32_outputs

    xs = jnp.asarray(x)
    runs = [("as_run", np.broadcast_to(np.asarray(float32_outputs(fn, xs)), x.shape))]
    if jitted is not None:
        runs.append(("jitted", np.asarray(jitted(xs))))
    return runs


def verify_program(target: Target, points: int, seed: int, tree: ast.Module, metrics: dict[str, Any]) -> Verdict:
    """The float32 problems' ``verify``: the program ``tree``'s largest ULP error re-measured on
    :func:`verification_inputs`, against the ``max_ulp`` the search reported in ``metrics``.

    The verdict's score is in the search's units (largest ULP error plus ``ops / 1000``); it passes when every
    output is finite and no input is worse than the search's figure.
    """
    from evolve.programs import program
    from problems.float32.approx import jitted_program

    fn = program.compile_program(tree, "f")
    # The search's error was the worse of the two runs where it timed the jitted program (max_ulp_jitted set).
    jitted = jitted_program(fn) if metrics.get("max_ulp_jitted") is not None else None
    chunks, coverage = verification_inputs(target, points, seed)
    worst = {"as_run": (-1, 0.0), "jitted": (-1, 0.0)}
    measured = 0
    for x in chunks:
        _, rounded, _ = correctly_rounded(target, x)
        accepted = accepted_values(target, x, rounded)
        for how, y in _outputs(fn, jitted, x):
            bad = ~np.isfinite(y)
            if bad.any():
                at = float(x[int(np.argmax(bad))])
                return Verdict(False, None, f"{'the jitted program' if how == 'jitted' else 'the program'} "
                                            f"returns {float(y[bad][0])} at x={at!r} ({coverage} check)",
                               {"coverage": coverage, "nonfinite_x": at})
            d = ulp_errors(y, accepted)
            i = int(np.argmax(d))
            if int(d[i]) > worst[how][0]:
                worst[how] = (int(d[i]), float(x[i]))
        measured += x.size
    how = max(worst, key=lambda k: worst[k][0])
    max_ulp, worst_x = worst[how]
    search = metrics.get("max_ulp")
    ops = int(metrics.get("ops") or 0)
    passed = search is not None and max_ulp <= int(search)
    where = "every float32 number of the domain" if coverage == "exhaustive" else f"{measured:,} fresh points"
    detail = (f"largest error {max_ulp} ULP at x={worst_x!r} over {where}"
              + (" (operation by operation and jitted)" if jitted is not None else "")
              + (f"; the search reported {search} ULP" if search is not None else "; no search figure to compare"))
    return Verdict(passed, max_ulp + min(ops, 999) / 1000.0, detail,
                   {"max_ulp": max_ulp, "worst_x": worst_x, "points": measured, "coverage": coverage,
                    "max_ulp_as_run": worst["as_run"][0],
                    "max_ulp_jitted": worst["jitted"][0] if jitted is not None else None})


__all__ = ["CHUNK", "VERIFY_DENSITY", "ulp_errors", "verification_inputs", "verify_program"]

"""Where a float32 target is measured, and what counts as exact there.

The inputs (every float32 number of a small domain, a dense sample of a large one, with its hard points), the
correctly rounded reference values at them (float64, with mpmath where float64 cannot decide the rounding), and
the few more values XLA's flushing of subnormal numbers makes acceptable.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

import numpy as np

from problems.float32.ulp import distinct, domain_positions, from_ordered, ordered

if TYPE_CHECKING:
    from problems.float32.approx import Target

EXHAUSTIVE_LIMIT = 2**24
"""Domains with at most this many float32 numbers are enumerated whole."""

SAMPLED_POINTS = 2**22
"""Points a larger domain is measured on by default."""


def domain_points(target: Target, points: int = SAMPLED_POINTS, exhaustive_limit: int = EXHAUSTIVE_LIMIT,
                  seed: int = 0) -> tuple[np.ndarray, str]:
    """The float32 inputs a candidate is measured on, sorted and distinct, and how they were chosen.

    Every float32 number of the domain when there are at most ``exhaustive_limit`` (``"exhaustive"``);
    otherwise (``"sampled"``) at least ``points`` of them: a uniform grid over the domain, the 4096
    consecutive numbers at each end and the 1024 on each side of every hard point (and of 0 when inside:
    the subnormals), the numbers just above the smallest normal one (:func:`above_smallest_normal`: there a
    product with a constant below 1 turns subnormal, and XLA flushes it to zero), and seeded random numbers,
    half uniform in value and half uniform over the number line
    (so every binade is visited, tiny inputs included).
    """
    first, last = domain_positions(target.low, target.high, target.include_high)
    if last < first:
        raise ValueError(f"{target.name}: the domain {target.domain} holds no float32 number")
    if last - first + 1 <= exhaustive_limit:
        return from_ordered(np.arange(first, last + 1)), "exhaustive"
    rng = np.random.default_rng(seed)
    edge, near = 4096, 1024
    parts = [np.arange(first, first + edge), np.arange(last - edge + 1, last + 1)]
    for point in (*target.hard_points, *((0.0,) if target.low <= 0.0 <= target.high else ())):
        centre = int(ordered(np.float32(point)))
        parts.append(np.arange(centre - near, centre + near + 1))
    grid = np.linspace(target.low, target.high, points // 2).astype(np.float32)
    parts += [ordered(grid), ordered(above_smallest_normal(target))]
    lo32, hi32 = from_ordered(np.array([first, last]))
    uniform = rng.uniform(float(lo32), float(hi32), points // 4).astype(np.float32)
    parts += [ordered(uniform), rng.integers(first, last + 1, points // 4)]
    chosen = distinct(np.concatenate(parts))
    chosen = chosen[(chosen >= first) & (chosen <= last)]
    extra = points - chosen.size
    while extra > 0:  # the parts overlapped: top up with more random positions
        chosen = distinct(np.concatenate([chosen, rng.integers(first, last + 1, 2 * extra)]))
        extra = points - chosen.size
    return from_ordered(chosen), "sampled"


def above_smallest_normal(target: Target) -> np.ndarray:
    """The float32 numbers of the domain just above the smallest normal number in magnitude, at geometric steps
    of the number line (``tiny``, its next 1, 2, 4... up to 2**22 numbers above), on each side of 0 the domain
    reaches; empty for a domain that reaches no such number."""
    tiny = int(ordered(np.float32(np.finfo(np.float32).tiny)))
    steps = np.r_[0, 2 ** np.arange(23)]
    out = np.concatenate([from_ordered(tiny + steps), from_ordered(-(tiny + steps))])
    return out[(out >= np.float32(target.low)) & (out <= np.float32(target.high))]


def near_zero(target: Target, x: np.ndarray) -> np.ndarray:
    """Inputs of ``x`` approaching the function's zero inside the domain, geometrically (``z +- span * 2**-j``)
    and the 64 float32 numbers of ``x`` on each side of it (subnormals left out): where the function vanishes
    the relative error is largest, and a grid or a thinning of a single binade (log2 on [1, 2)) puts no tuning
    point there. None without a zero (``x`` is sorted)."""
    if target.zero is None:
        return np.empty(0, np.float32)
    z = np.float32(target.zero)
    span = float(np.max(np.abs(np.array([target.low, target.high]) - float(z))))
    steps = span * 2.0 ** -np.arange(1, 150, dtype=np.float64)
    geometric = np.concatenate([float(z) + steps, float(z) - steps]).astype(np.float32)
    at = int(np.searchsorted(x, z))
    ulps = x[max(at - 64, 0):at + 65]
    near = np.concatenate([geometric, ulps])
    # Not subnormal: XLA reads those as zero, an error no constant can tune away.
    keep = (near >= x[0]) & (near <= x[-1]) & (np.abs(near) >= np.finfo(np.float32).tiny) & (near != z)
    return near[keep]


def centre(target: Target) -> float:
    """The middle of ``target``'s domain, as a float32 number (exactly the middle when it is one: 1.5 for
    [1, 2)); a structure's shift ``x - centre`` is kept exact by the fit, like one at the function's zero."""
    return float(np.float32((np.float64(target.low) + np.float64(target.high)) / 2.0))


def correctly_rounded(target: Target, x: np.ndarray) -> tuple[np.ndarray, np.ndarray, int]:
    """The function at float32 inputs ``x``: in float64, and correctly rounded to float32; and at how many
    points mpmath had to decide the rounding (float64 within 16 of its ULPs of a float32 midpoint)."""
    x64 = np.asarray(x, dtype=np.float64)
    with np.errstate(all="ignore"):
        value = np.asarray(target.reference(x64), dtype=np.float64)
    rounded = value.astype(np.float32)
    # The midpoint between the rounded value and its neighbour on value's side is exact in float64.
    toward = np.where(value >= rounded.astype(np.float64), np.float32(np.inf), np.float32(-np.inf))
    neighbour = np.nextafter(rounded, toward.astype(np.float32))
    mid = (rounded.astype(np.float64) + neighbour.astype(np.float64)) / 2.0
    doubtful = np.flatnonzero(np.abs(value - mid) <= 16 * np.spacing(np.abs(value)))
    if doubtful.size:
        import mpmath

        with mpmath.workprec(128):
            for i in doubtful:
                exact = target.precise(mpmath.mpf(float(x64[i])))
                lo, hi = sorted((float(rounded[i]), float(neighbour[i])))
                halfway = (mpmath.mpf(lo) + mpmath.mpf(hi)) / 2
                rounded[i] = np.float32(lo if exact < halfway else hi if exact > halfway else
                                        (lo if np.float32(lo).view(np.int32) % 2 == 0 else hi))
                value[i] = float(exact)
    return value, rounded, int(doubtful.size)


def accepted_values(target: Target, x: np.ndarray, rounded: np.ndarray) -> np.ndarray:
    """The outputs that count as exact at each input, ``(k, n)``: the correctly rounded values ``rounded``
    first. XLA treats subnormal numbers as zero, inputs and results alike (on CPU and GPU), so no program can
    tell a subnormal input from zero or return a subnormal: zero is accepted where the correctly rounded value
    is subnormal, and for a subnormal input the (rounded, flushed) value at zero is accepted too."""
    tiny = np.finfo(np.float32).tiny

    def flushed(values: np.ndarray) -> np.ndarray:
        return np.where(np.abs(values) < tiny, np.float32(0.0), values).astype(np.float32)

    rows = [rounded, flushed(rounded)]
    subnormal = (np.abs(x) < tiny) & (x != 0)
    if subnormal.any():
        at_zero = correctly_rounded(target, np.zeros(1, dtype=np.float32))[1][0]
        rows += [np.where(subnormal, at_zero, rounded), np.where(subnormal, flushed(np.array([at_zero]))[0], rounded)]
    return np.stack(rows).astype(np.float32)

"""The float32 number line: positions of float32 numbers, ULP distances, and their smooth versions for a tuner.

Pure functions of arrays (numpy, or JAX where a candidate's output is measured); they know no target.
"""

from __future__ import annotations

import jax
import jax.numpy as jnp
import numpy as np


def ordered(x: np.ndarray) -> np.ndarray:
    """Float32 numbers as int64 positions on the float32 number line: consecutive floats differ by 1, -0 and
    +0 are both 0, negative numbers are negative."""
    bits = np.asarray(x, dtype=np.float32).view(np.int32).astype(np.int64)
    return np.where(bits < 0, -(bits & 0x7FFFFFFF), bits)


def from_ordered(k: np.ndarray) -> np.ndarray:
    """The float32 numbers at positions ``k`` of :func:`ordered` (its inverse; position 0 is +0)."""
    k = np.asarray(k, dtype=np.int64)
    bits = np.where(k < 0, (-k) | 0x80000000, k).astype(np.uint32)
    return bits.view(np.float32)


def domain_positions(low: float, high: float, include_high: bool) -> tuple[int, int]:
    """The first and last positions (:func:`ordered`) of the float32 numbers in the domain."""
    lo = np.float32(low)
    if float(lo) < low:
        lo = np.nextafter(lo, np.float32(np.inf))
    hi = np.float32(high)
    if float(hi) > high or (not include_high and float(hi) == high):
        hi = np.nextafter(hi, np.float32(-np.inf))
    return int(ordered(lo)), int(ordered(hi))


def domain_size(low: float, high: float, include_high: bool = True) -> int:
    """How many float32 numbers lie in the domain (-0 and +0 counted once)."""
    first, last = domain_positions(low, high, include_high)
    return max(last - first + 1, 0)


def distinct(a: np.ndarray) -> np.ndarray:
    """The distinct values of ``a``, sorted (``np.unique`` by sorting: its hash-based path is far slower on
    millions of integers)."""
    a = np.sort(np.asarray(a), kind="stable")
    return a[np.r_[True, a[1:] != a[:-1]]] if a.size else a


def _ordered_jax(bits: jax.Array) -> jax.Array:
    """float32 bit patterns (as uint32) to integers whose order is the order of the floats (:func:`ordered`
    shifted by 2**31, so that it fits a uint32; -0 and +0 are the same)."""
    top = jnp.uint32(0x80000000)
    return jnp.where(bits >> 31 == 1, top - (bits & jnp.uint32(0x7FFFFFFF)), bits | top)


def ulp_distance(y: jax.Array, target: jax.Array) -> jax.Array:
    """Distance in float32 ULPs between two broadcastable float32 arrays, as uint32: how many float32 numbers
    lie between them, plus one (0 for equal numbers, and for -0 and +0)."""
    a = _ordered_jax(jax.lax.bitcast_convert_type(y, jnp.uint32))
    b = _ordered_jax(jax.lax.bitcast_convert_type(target, jnp.uint32))
    return jnp.where(a >= b, a - b, b - a)


def number_line(y: jax.Array, binade: jax.Array) -> jax.Array:
    """The real-valued position of ``y`` on the float32 number line, in ULPs (piecewise linear: each binade
    ``[2**e, 2**(e+1))`` spans 2**23, the subnormals one ULP each; odd in ``y``). ``binade`` is the exponent
    of the value ``y`` should be near: ``y``'s own exponent is clamped to within 2 of it, so a far-off ``y``
    is placed on the line extended linearly (finite, with a useful gradient, for a tuner)."""
    a = jnp.abs(y)
    e = jnp.floor(jnp.log2(jnp.maximum(a, 2.0**-126)))
    e = jax.lax.stop_gradient(jnp.maximum(jnp.clip(e, binade - 2, binade + 2), -126.0))
    return jnp.sign(y) * (e + 126.0 + a / jnp.exp2(e)) * 2.0**23


def smooth_max(r: jax.Array) -> jax.Array:
    """The largest ``|r|``, smoothed for a gradient tuner: the 32-norm's mean, close to the max yet
    differentiable everywhere. Scaling by the (constant) max keeps ``r**32`` finite."""
    top = jax.lax.stop_gradient(jnp.maximum(jnp.max(jnp.abs(r)), 1e-30))
    return top * jnp.mean((r / top) ** 32) ** (1 / 32)


def binade(value: np.ndarray) -> np.ndarray:
    """The float32 exponent of each value (of the smallest normal for zero and subnormals)."""
    return np.floor(np.log2(np.maximum(np.abs(value), 2.0**-126)))


def ulp_weight(value: np.ndarray) -> np.ndarray:
    """The weight that turns an error at a function value into float32 ULPs of that value, ``2**(23 - e)``
    for a value in binade ``e`` (float64)."""
    return np.exp2(23.0 - binade(np.asarray(value, dtype=np.float64)))

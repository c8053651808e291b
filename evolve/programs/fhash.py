"""Functional hashing (Unified Functional Hashing): identify a program by what it computes.

A candidate's outputs on the problem's probe inputs are made canonical (``-0.0`` -> ``+0.0``, one NaN,
``±inf`` kept), their float mantissas are truncated to ``bits`` bits, and the result is hashed together
with the output structure, shapes and dtypes. Two programs with the same functional hash are treated as
duplicates. This module does not import JAX: JAX arrays are read through :func:`numpy.asarray`.
"""

from __future__ import annotations

import hashlib
from collections.abc import Mapping
from typing import Any

import numpy as np

_UINT = {1: np.uint8, 2: np.uint16, 4: np.uint32, 8: np.uint64}


def _as_float(x: np.ndarray) -> np.ndarray | None:
    """``x`` as a NumPy floating array if it holds floats (complex: real/imag pairs), else ``None``."""
    kind = x.dtype.kind
    if kind == "f":
        return x
    if kind == "c":
        return np.ascontiguousarray(x).view(np.finfo(x.dtype).dtype)  # (..., 2n) real, imag
    if kind == "V" and x.dtype.names is None and "float" in x.dtype.name:
        return x.astype(np.float32)  # bfloat16, float8...: exact in float32
    return None


def canonical_bits(x: np.ndarray, bits: int) -> np.ndarray:
    """Canonical integer bit pattern of an array, for hashing.

    For floating arrays (shape ``S``, float dtype ``F``), returns the unsigned-integer view (shape ``S``,
    same itemsize as ``F``) after: mantissa truncated to ``bits`` bits (clamped to
    ``[0, np.finfo(F).nmant]``; the low bits are masked, i.e. rounding toward zero), ``-0.0`` -> ``+0.0``
    (also for negatives truncated to zero), every NaN -> one canonical NaN, ``±inf`` kept. Complex arrays
    are treated as their real/imaginary float pairs (last axis doubled); bfloat16 and other ml_dtypes
    floats as float32. Non-float arrays (int, bool) are returned as they are, contiguous.

    Args:
        x: array of any shape (anything :func:`numpy.asarray` accepts).
        bits: mantissa bits to keep.
    """
    x = np.asarray(x)
    f = _as_float(x)
    if f is None:
        return np.ascontiguousarray(x)
    f = np.ascontiguousarray(f)
    info = np.finfo(f.dtype)
    uint = _UINT[f.dtype.itemsize]
    keep = min(max(int(bits), 0), int(info.nmant))
    drop = int(info.nmant) - keep
    mask = uint(~((1 << drop) - 1) & ((1 << (8 * f.dtype.itemsize)) - 1))
    u = f.view(uint) & mask
    sign = uint(1 << (8 * f.dtype.itemsize - 1))
    u = np.where(u == sign, uint(0), u)  # -0.0 -> +0.0
    nan = np.asarray(np.nan, dtype=f.dtype).view(uint)
    u = np.where(np.isnan(f), nan, u)
    return np.ascontiguousarray(u.astype(uint, copy=False))


def _update(h: Any, obj: Any, bits: int) -> None:
    def tag(text: str) -> None:
        data = text.encode()
        h.update(len(data).to_bytes(8, "little"))
        h.update(data)

    if obj is None:
        tag("None")
    elif isinstance(obj, Mapping):
        items = sorted(obj.items(), key=lambda kv: repr(kv[0]))
        tag(f"dict:{len(items)}")
        for key, value in items:
            tag(repr(key))
            _update(h, value, bits)
    elif isinstance(obj, (tuple, list)):
        tag(f"{'tuple' if isinstance(obj, tuple) else 'list'}:{len(obj)}")
        for item in obj:
            _update(h, item, bits)
    else:
        a = np.asarray(obj)
        if a.dtype.kind == "O":
            raise TypeError(f"cannot hash an output of type {type(obj).__name__}")
        tag(f"array:{a.dtype.name}:{a.dtype.str}:{a.shape}")
        data = canonical_bits(a, bits).tobytes()
        h.update(len(data).to_bytes(8, "little"))
        h.update(data)


def functional_hash(outputs: Any, bits: int = 23) -> str:
    """Hash a program's outputs on the probe inputs (blake2b, 16 bytes, hex).

    Args:
        outputs: a scalar, a NumPy or JAX array of any shape, or a pytree of those built from tuples,
            lists, dicts (keys sorted) and ``None``. Structure, container kinds, shapes and dtypes are
            part of the hash, as are the :func:`canonical_bits` of every array.
        bits: mantissa bits kept (23 keeps every float32 bit; float64 arrays are truncated too).

    Raises:
        TypeError: an output cannot be turned into a numeric array.
    """
    h = hashlib.blake2b(digest_size=16)
    _update(h, outputs, bits)
    return h.hexdigest()

"""Tests for evolve.programs.fhash: canonical bits and functional hashes."""

from __future__ import annotations

import jax.numpy as jnp
import numpy as np
import pytest

from evolve.programs.fhash import canonical_bits, functional_hash


def _nan32(payload: int, negative: bool = False) -> np.float32:
    bits = np.uint32(0x7F800000 | payload | (0x80000000 if negative else 0))
    return np.array([bits], dtype=np.uint32).view(np.float32)[0]


def test_signed_zeros_collide() -> None:
    for dtype in (np.float16, np.float32, np.float64):
        a = np.array([0.0, 1.0], dtype=dtype)
        b = np.array([-0.0, 1.0], dtype=dtype)
        assert np.array_equal(canonical_bits(a, 52), canonical_bits(b, 52))
        assert functional_hash(a) == functional_hash(b)


def test_nan_payloads_collide() -> None:
    nans = np.array([_nan32(1), _nan32(0x400000), _nan32(0x1234, negative=True), np.nan], dtype=np.float32)
    assert np.isnan(nans).all()
    bits = canonical_bits(nans, 23)
    assert len(set(bits.tolist())) == 1
    assert functional_hash(nans[:1]) == functional_hash(nans[2:3])
    # a NaN whose payload lies only in truncated bits stays NaN (is not turned into inf)
    nan = np.array([np.nan], np.float32)
    assert functional_hash(np.array([_nan32(1)]), bits=4) == functional_hash(nan, bits=4)
    assert functional_hash(np.array([np.inf], np.float32), bits=4) != functional_hash(nan, bits=4)


def test_infinities_kept() -> None:
    a = np.array([np.inf, -np.inf, 1.0], dtype=np.float32)
    bits = canonical_bits(a, 10)
    assert bits[0] != bits[1]
    assert np.array_equal(bits.view(np.float32), a)


def test_truncation() -> None:
    x = np.float32(1.0)
    y = np.nextafter(x, np.float32(2.0))  # differs in the last mantissa bit
    assert functional_hash(np.array([x]), bits=23) != functional_hash(np.array([y]), bits=23)
    assert functional_hash(np.array([x]), bits=10) == functional_hash(np.array([y]), bits=10)
    one, one_and_half = np.array([1.0], np.float32), np.array([1.5], np.float32)
    assert functional_hash(one, bits=10) != functional_hash(one_and_half, bits=10)
    # bits beyond the dtype's mantissa are clamped, not an error
    assert np.array_equal(canonical_bits(np.array([x, y]), 100), np.array([x, y]).view(np.uint32))
    # truncation masks low mantissa bits, i.e. rounds toward zero
    t = canonical_bits(np.array([1.9999, -1.9999], np.float32), 0).view(np.float32)
    assert t.tolist() == [1.0, -1.0]


def test_negative_values_truncated_to_zero_are_canonical() -> None:
    tiny = np.array([1e-45, -1e-45], dtype=np.float32)  # subnormals with only the lowest bit set
    bits = canonical_bits(tiny, 0)
    assert bits.tolist() == [0, 0]


def test_float64_uses_its_own_mantissa() -> None:
    x = np.float64(1.0)
    y = np.nextafter(x, 2.0)
    assert functional_hash(np.array([x]), bits=52) != functional_hash(np.array([y]), bits=52)
    assert functional_hash(np.array([x]), bits=23) == functional_hash(np.array([y]), bits=23)


def test_shapes_and_dtypes_distinguish() -> None:
    a = np.zeros(4, np.float32)
    assert functional_hash(a) != functional_hash(a.reshape(2, 2))
    assert functional_hash(a) != functional_hash(np.zeros(4, np.float64))
    assert functional_hash(a) != functional_hash(np.zeros(4, np.int32))  # same bytes, other dtype
    assert functional_hash(np.zeros(2, np.int32)) != functional_hash(np.zeros(2, np.int64))
    assert functional_hash(np.array([True, False])) != functional_hash(np.array([1, 0], np.uint8))


def test_integers_and_bools_passed_through() -> None:
    a = np.array([[1, 2], [3, 4]], dtype=np.int64)[:, ::-1]  # not contiguous
    out = canonical_bits(a, 3)
    assert out.flags.c_contiguous
    assert np.array_equal(out, a)
    assert functional_hash(np.array([1, 2])) != functional_hash(np.array([1, 3]))


def test_pytrees() -> None:
    a, b = np.ones(3, np.float32), np.zeros(2, np.float32)
    assert functional_hash((a, b)) == functional_hash((a.copy(), -b))
    assert functional_hash((a, b)) != functional_hash((b, a))
    assert functional_hash((a, b)) != functional_hash([a, b])
    assert functional_hash({"x": a, "y": b}) == functional_hash({"y": b, "x": a})
    assert functional_hash({"x": a, "y": b}) != functional_hash({"x": b, "y": a})
    assert functional_hash({"x": (a, None)}) != functional_hash({"x": (a,)})
    assert functional_hash((a, (b,))) != functional_hash(((a, b),))
    assert functional_hash(1.5) == functional_hash(np.float64(1.5))
    with pytest.raises(TypeError):
        functional_hash(object())


def test_jax_arrays() -> None:
    x = jnp.linspace(0.0, 1.0, 7)
    assert functional_hash(x) == functional_hash(np.asarray(x))
    tree = {"a": x, "b": (x * 0.0, -x * 0.0)}
    assert functional_hash(tree) == functional_hash({"a": x, "b": (x * 0, x * 0)})
    bf = jnp.array([1.0, -0.0, jnp.nan], dtype=jnp.bfloat16)
    assert functional_hash(bf) == functional_hash(jnp.array([1.0, 0.0, jnp.nan], dtype=jnp.bfloat16))
    assert functional_hash(bf) != functional_hash(bf.astype(jnp.float32))


def test_complex() -> None:
    a = np.array([1 + 0j, np.nan + 1j], dtype=np.complex64)
    b = np.array([complex(-0.0, -0.0) + 1, complex(np.nan, 1.0)], dtype=np.complex64)
    assert functional_hash(a) == functional_hash(b)
    assert functional_hash(a) != functional_hash(a.real)

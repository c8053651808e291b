"""The program structures a float32 problem offers the search (``Vocabulary.structures``): the forms a numerical
analyst writes first (Horner polynomials, rationals, in the target's shape) and, for exponentials, the
reciprocal rationals that keep ``f(-x) = 1 / f(x)``. Their constants are found by the minimax fit.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import TYPE_CHECKING, Any

import numpy as np

from problems.float32.domain import centre

if TYPE_CHECKING:
    from problems.float32.approx import Target

STRUCTURE_DEGREES = tuple(range(2, 17))
"""Degrees of the polynomial structures a float32 problem offers the search (``Vocabulary.structures``): beyond
the baselines' 12, because an odd function's degree-11 polynomial is 0.84 ULP off erf in real numbers already."""

STRUCTURE_RATIONALS = 8
"""The largest ``m + n`` of the rational structures ``p_m / q_n`` it offers."""

RECIPROCAL_ORDERS = tuple(range(2, 7))
"""The orders ``n`` of the ``[n/n]`` reciprocal rationals offered for a target with ``f(-x) = 1 / f(x)``."""


def classical_structures(target: Target) -> tuple[tuple[str, ...], ...]:
    """The forms a numerical analyst writes first for ``target``, as families of structures for the search to
    fit (``Vocabulary.structures``, one form at each degree per family): Horner polynomials of each degree in
    :data:`STRUCTURE_DEGREES` and rationals with ``m + n <= STRUCTURE_RATIONALS``, in the target's shape
    (``(x - z) * q(x - z)``, ``x * q(x * x)``), every constant 0.0: no value of a baseline, only its shape. A
    factored polynomial comes also as its factor plus a correction (``u + u * q``, and scaled by ``2**24`` where
    the factor reaches the smallest normal number: :func:`problems.float32.baselines._program`), whose last
    operation adds a small correction to an exact value; a polynomial not in ``x * x`` also with ``q`` in
    ``x - centre`` (:func:`problems.float32.domain.centre`: 1 ULP on log2 with ``u + u * q(x - 1.5)``); an
    exponential's reciprocal rationals (:func:`reciprocal_structures`); and the families the target's author adds
    (``Target.families``)."""
    from problems.float32 import baselines

    middle = centre(target)
    families: dict[str, list[str]] = {}
    for degree in STRUCTURE_DEGREES:
        shape = baselines.form(target, degree)
        if shape is None:
            continue
        zeros = np.zeros(shape.inner + 1)
        forms: dict[str, dict[str, Any]] = {"horner": {}}
        if shape.odd or shape.factor:
            forms["split"] = {"split": "plain"}
            if shape.odd or shape.shift == 0.0:
                forms["scaled split"] = {"split": "scaled"}
        if not shape.odd and middle != shape.shift:
            if shape.factor:
                forms["centred split"] = {"split": "plain", "centre": middle}
            forms["centred"] = {"centre": middle}
        for name, how in forms.items():
            families.setdefault(name, []).append(baselines.horner_source(shape, zeros, **how))
    for total in range(2, STRUCTURE_RATIONALS + 1):
        for n in range(1, total + 1):
            shape = baselines.rational_form(target, total - n, n)
            if shape is not None:
                families.setdefault("rational", []).append(
                    baselines.rational_source(shape[0], np.zeros(shape[1] + 1), np.zeros(shape[2])))
    if target.reciprocal:
        families["reciprocal"] = list(reciprocal_structures(target))
    return (*(tuple(members) for members in families.values()), *target.families)


def _nested_in_s(lead: str, coefficients: list[float], monic: bool = False) -> str:
    """``(lead * s + c[k-1]) * s + ... + c[0]`` in Horner form (``coefficients`` lowest first); ``monic`` when
    ``lead`` is ``s`` itself, the leading coefficient 1."""
    out = lead
    for i, c in enumerate(reversed(coefficients)):
        out = f"{out} + {c!r}" if monic and i == 0 else f"{f'({out})' if ' + ' in out else out} * s + {c!r}"
    return out


def reciprocal_lines(function: Callable[[Any], Any], n: int, var: str = "x") -> list[str]:
    """The lines of a program body that set ``e`` and ``o`` so that ``(e + o) / (e - o)`` is the ``[n/n]``
    Padé approximant of ``function`` (an mpmath function with ``f(-v) = 1 / f(v)``, as ``mpmath.exp``) about 0
    in ``var``: ``s = var * var``, ``e = E(s)`` monic, ``o = var * O(s)``."""
    import mpmath

    with mpmath.workdps(40):
        p, _ = mpmath.pade(mpmath.taylor(function, 0, 2 * n), n, n)
    p = [float(v) for v in p]
    even, odd = p[0::2], p[1::2]
    lead = even[-1]
    even, odd = [v / lead for v in even], [v / lead for v in odd]
    return [f"    s = {var} * {var}", f"    e = {_nested_in_s('s', even[:-1], monic=True)}",
            f"    o = {var} * ({_nested_in_s(repr(odd[-1]), odd[:-1])})"]


def reciprocal_structures(target: Target, orders: tuple[int, ...] = RECIPROCAL_ORDERS) -> tuple[str, ...]:
    """For a target with ``f(-x) = 1 / f(x)``: the ``[n/n]`` rationals ``(e + o) / (e - o)`` with ``e = E(x*x)``
    monic and ``o = x * O(x*x)``, which keep that symmetry, for each ``n`` in ``orders`` (``2n + 2`` operations;
    ``n = 4`` is ``(s + a) * s + b`` and ``x * (c * s + d)``, 10 operations). Their constants start at the
    target's Padé approximant about 0, ``P(x) / P(-x)`` (:func:`reciprocal_lines`): a rational with every
    constant 0 is 0 / 0 with no direction to fit from, and from other flat starts the trust-region fit stops
    in local minima."""
    return tuple("\n".join(["# EVOLVE-BLOCK-START", "def f(x):", *reciprocal_lines(target.precise, n),
                            "    return (e + o) / (e - o)", "# EVOLVE-BLOCK-END", ""]) for n in orders)

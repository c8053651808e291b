"""Double-float arithmetic written as float32 source: a value carried as the unevaluated sum ``hi + lo`` of two
float32 numbers, for the steps of a program where one float32 rounding is already too much.

The error-free transformations need only ``+ - * /``, so a candidate may use them: Knuth's two-sum (the rounding
error of ``a + b``, 6 operations), Dekker's two-product with Veltkamp's split by ``2**12 + 1`` (the rounding error
of ``a * b``, 17), and from them a division with one correction step. Each relies on every operation rounding to
float32 as written; XLA keeps them so, jitted or not (tests/test_double_float.py checks the error terms are
exact either way). Every constant is written as an integer, so no fit moves it.

The targets use it to evaluate Lambert's continued fraction for ``tanh`` with its top levels in double-float
(:func:`tanh_lines`): the last additions and divisions are where a plain float32 evaluation loses its last ULP,
and for the sigmoid ``(1 + tanh(x / 2)) / 2`` the cancellation at ``x = -8`` needs some 36 correct bits of tanh.
"""

from __future__ import annotations

from dataclasses import dataclass, field

SPLIT = 4097
"""Veltkamp's constant for float32: ``2**12 + 1`` splits a 24-bit significand into two halves of 12 bits."""


@dataclass
class Writer:
    """Straight-line float32 source, one assignment per line, each value named once (``t0``, ``t1``...)."""

    lines: list[str] = field(default_factory=list)
    _splits: dict[str, tuple[str, str]] = field(default_factory=dict)

    def let(self, expr: str) -> str:
        """Assign ``expr`` to a new name; that name."""
        name = f"t{len(self.lines)}"
        self.lines.append(f"    {name} = {expr}")
        return name

    def split(self, a: str) -> tuple[str, str]:
        """Veltkamp's split of ``a`` into ``hi + lo`` exactly, each of at most 12 significant bits (once per
        value: a later split of the same value reuses it)."""
        if a not in self._splits:
            c = self.let(f"{a} * {SPLIT}")
            hi = self.let(f"{c} - ({c} - {a})")
            self._splits[a] = hi, self.let(f"{a} - {hi}")
        return self._splits[a]

    def two_prod(self, a: str, b: str) -> tuple[str, str]:
        """Dekker's product: ``(p, e)`` with ``p = fl(a * b)`` and ``p + e = a * b`` exactly."""
        p = self.let(f"{a} * {b}")
        ah, al = self.split(a)
        bh, bl = self.split(b)
        return p, self.let(f"(({ah} * {bh} - {p}) + {ah} * {bl} + {al} * {bh}) + {al} * {bl}")

    def two_sum(self, a: str, b: str) -> tuple[str, str]:
        """Knuth's sum: ``(s, e)`` with ``s = fl(a + b)`` and ``s + e = a + b`` exactly, whatever their sizes.

        A number is never the operand subtracted back from the sum: XLA's simplifier folds ``(q + 3) - 3`` to
        ``q``, which is not the float32 result, so ``3 + q`` is written ``q + 3`` and ``q`` is subtracted."""
        if a.isdigit():
            a, b = b, a
        s = self.let(f"{a} + {b}")
        v = self.let(f"{s} - {a}")
        return s, self.let(f"({a} - ({s} - {v})) + ({b} - {v})")

    def div(self, a: tuple[str, str | None], b: tuple[str, str | None]) -> tuple[str, str]:
        """``(ah + al) / (bh + bl)`` as ``(q, c)``: ``q = fl(ah / bh)`` and the correction ``c`` of one Newton step
        on the exact remainder (``None`` stands for a zero low part)."""
        (ah, al), (bh, bl) = a, b
        q = self.let(f"{ah} / {bh}")
        p, e = self.two_prod(q, bh)
        remainder = f"({ah} - {p}) - {e}" + (f" + {al}" if al else "") + (f" - {q} * {bl}" if bl else "")
        return q, self.let(f"({remainder}) / {bh}")

    def add(self, c: int, h: str, lo: str) -> tuple[str, str]:
        """``c + (h + lo)`` as ``(s, e)``: the two-sum of ``c`` and ``h``, with ``lo`` added to its error."""
        s, e = self.two_sum(str(c), h)
        return s, self.let(f"{e} + {lo}")


def tanh_lines(w: Writer, x: str, levels: int, exact: int) -> tuple[str, str]:
    """Write ``tanh(x)`` by Lambert's continued fraction ``x / (1 + u / (3 + u / (5 + ...)))`` with ``u = x * x``,
    ``levels`` deep, its top ``exact`` levels in double-float; ``(q, c)``, tanh as ``q + c``.

    Raises:
        ValueError: ``exact`` is not between 1 and ``levels``.
    """
    if not 1 <= exact <= levels:
        raise ValueError(f"exact levels must be between 1 and levels ({levels}); got {exact}")
    u, ue = w.two_prod(x, x)
    inner = w.let(f"{2 * levels + 1}")
    for k in range(levels - 1, exact - 1, -1):  # the deep levels: their errors are damped on the way up
        inner = w.let(f"{2 * k + 1} + {u} / {inner}")
    low: str | None = None
    for k in range(exact - 1, -1, -1):
        q, c = w.div((u, ue), (inner, low))
        inner, low = w.add(2 * k + 1, q, c)
    return w.div((x, None), (inner, low))


def program(body: list[str], result: str) -> str:
    """A candidate's source: ``def f(x)`` with ``body`` and ``return result``, in the evolve block."""
    return "\n".join(["# EVOLVE-BLOCK-START", "def f(x):", *body, f"    return {result}", "# EVOLVE-BLOCK-END", ""])


def tanh_program(levels: int, exact: int) -> str:
    """``tanh(x)``: :func:`tanh_lines`, rounded once at the end."""
    w = Writer()
    q, c = tanh_lines(w, "x", levels, exact)
    return program(w.lines, f"{q} + {c}")


def sigmoid_program(levels: int, exact: int) -> str:
    """The sigmoid ``(1 + tanh(x / 2)) / 2``: ``x / 2`` is exact, tanh by :func:`tanh_lines` as ``q + c``, then
    ``1 + q`` by a two-sum, so the cancellation for negative ``x`` loses nothing, and one rounding at the end."""
    w = Writer()
    h = w.let("x / 2")
    q, c = tanh_lines(w, h, levels, exact)
    s, e = w.two_sum("1", q)
    return program(w.lines, f"({s} + ({e} + {c})) / 2")

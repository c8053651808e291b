"""What one candidate may put in the archive.

A hostile or broken candidate, problem or LLM endpoint must not grow the archive by megabytes a row: a
candidate can raise an exception with a huge message, a problem can return huge metrics, an LLM (or a GP bug)
can propose a huge source. Each is bounded here, and the bounds are applied twice: by the evaluator to every
record it returns (:func:`bound_record`), and by the driver to every record it receives, since an evaluator
is not trusted to have done so. The driver also cuts the LLM answers it stores (:data:`RESPONSE_CHARS`).

All told, one proposal stores at most about ``SOURCE_CHARS + ERROR_CHARS + METRICS_BYTES + RESPONSE_CHARS``
(about 200,000 characters: a few hundred KiB even where every character takes 4 bytes in UTF-8).
"""

from __future__ import annotations

import json
from typing import Any

import numpy as np

from archive.vocabulary import Status

ERROR_CHARS = 2_000
"""Longest error message a record keeps; a longer one is cut, the cut said at its end."""

SOURCE_CHARS = 65_536
"""Longest source a record keeps. A longer one is refused (``invalid``, with the reason) and kept cut to this
length. (The static check refuses programs over :data:`evolve.programs.program.MAX_SOURCE_CHARS` well before this; this
bound is for what reaches the archive whatever the static check allows.)"""

METRICS_BYTES = 65_536
"""Largest a record's metrics may be as JSON. Larger metrics (a huge string or array from a problem's
``evaluate``) are refused: the record becomes an ``error`` that says so, with no metrics and no score."""

META_BYTES = 16_384
"""Largest a record's ``meta`` (what the mutator says about a child) may be as JSON; a larger one is replaced by
``{"dropped": reason}``."""

OPERATOR_CHARS = 100
"""Longest operator name a record keeps."""

RESPONSE_CHARS = 65_536
"""Longest LLM answer the driver parses and stores; a longer one makes its candidate ``invalid`` and is stored
cut."""


class TooLarge(ValueError):
    """A value passed its bound; the message says where and by how much."""


NOT_JSON = (TooLarge, TypeError, ValueError, OverflowError, RecursionError)
"""What :func:`plain_json` raises for a value it cannot take."""


def cut(text: str | None, limit: int) -> str | None:
    """``text`` cut to at most ``limit`` characters, ending with a note of its full length when it was cut."""
    if text is None or len(text) <= limit:
        return text
    note = f" ... [cut: {len(text):,} characters, at most {limit:,} kept]"
    return text[: max(limit - len(note), 0)] + note[: limit]


def source_refusal(length: int) -> str:
    """Why a source of ``length`` characters is refused (see :data:`SOURCE_CHARS`)."""
    return (f"the source is {length:,} characters, over the {SOURCE_CHARS:,} a program may have in the archive "
            "(refused, and stored cut)")


def plain_json(value: Any, limit: int, what: str = "value") -> Any:
    """``value`` as plain JSON types (numpy arrays and scalars become lists and numbers, keys become str).

    Raises:
        TooLarge: it is over ``limit`` bytes as JSON. A large string, array or container is refused before it
            is converted, so a problem that returns 10**8 numbers costs no list of 10**8 floats.
        TypeError, ValueError, OverflowError, RecursionError: it is not made of JSON-able values (a function, an
            int too long to write, lists nested thousands deep...).
    """
    left = limit

    def spend(n: int, detail: str) -> None:
        nonlocal left
        left -= n
        if left < 0:
            raise TooLarge(f"{what} pass the {limit:,} bytes they may take as JSON ({detail})")

    def plain(v: Any, where: str) -> Any:
        at = f"at {where}: " if where else ""
        if v is None or isinstance(v, (bool, int, float)):
            spend(1, f"{at}too many numbers")
            return v
        if isinstance(v, str):
            spend(len(v), f"{at}a str of {len(v):,} characters")
            return v
        if isinstance(v, dict):
            spend(len(v), f"{at}{len(v):,} entries")
            out = {}
            for k, x in v.items():
                key = k if isinstance(k, str) else str(k)
                spend(len(key), f"{at}a key of {len(key):,} characters")
                out[key] = plain(x, f"{where}[{key[:40]!r}]")
            return out
        if isinstance(v, (list, tuple)):
            spend(len(v), f"{at}{len(v):,} items")
            return [plain(x, f"{where}[{i}]") for i, x in enumerate(v)]
        arr = np.asarray(v)
        if arr.dtype.kind in "OVc":
            raise TypeError(f"{at}a {type(v).__name__}, which is not a number, str, list or dict")
        if arr.size > left:  # at least a byte per number: refused before tolist builds it
            spend(arr.size, f"{at}an array of {arr.size:,} numbers")
        return plain(arr.item() if arr.size == 1 else arr.tolist(), where)

    converted = plain(value, "")
    size = len(json.dumps(converted).encode())
    if size > limit:
        raise TooLarge(f"{what} are {size:,} bytes as JSON, over the {limit:,} they may take")
    return converted


def bound_record(record: Any) -> Any:
    """Bound what ``record`` (an :class:`evolve.evaluation.evaluator.Record`) would put in the archive, in place;
    returns it.

    A source over :data:`SOURCE_CHARS` makes the record ``invalid`` (with no hashes, score or metrics: nothing
    of it was judged) and is kept cut; metrics over :data:`METRICS_BYTES` or not JSON make it an ``error`` with
    no metrics and no score; the error is cut to :data:`ERROR_CHARS`, the operator to :data:`OPERATOR_CHARS`,
    and a meta over :data:`META_BYTES` is replaced by ``{"dropped": reason}``.
    """
    if isinstance(record.source, str) and len(record.source) > SOURCE_CHARS:
        record.status, record.error = Status.INVALID, source_refusal(len(record.source))
        record.source = record.source[:SOURCE_CHARS]
        record.code_hash = record.func_hash = record.skipped = record.score = record.metrics = None
    if record.metrics is not None:
        try:
            record.metrics = plain_json(record.metrics, METRICS_BYTES, "the problem's metrics")
        except NOT_JSON as exc:
            why = str(exc) if isinstance(exc, TooLarge) else f"the problem's metrics are not JSON ({exc})"
            record.status, record.error = Status.ERROR, f"{why}: not stored, nor the score"
            record.metrics = record.score = None
    if isinstance(record.error, str):
        record.error = cut(record.error, ERROR_CHARS)
    if isinstance(record.operator, str):
        record.operator = record.operator[:OPERATOR_CHARS]
    try:
        meta = plain_json(record.meta, META_BYTES, "the record's meta")
        record.meta = meta if isinstance(meta, dict) else {"dropped": "the record's meta is not a dict"}
    except NOT_JSON as exc:
        record.meta = {"dropped": cut(str(exc), 200)}
    return record


__all__ = ["ERROR_CHARS", "METRICS_BYTES", "META_BYTES", "OPERATOR_CHARS", "RESPONSE_CHARS", "SOURCE_CHARS",
           "NOT_JSON", "TooLarge", "bound_record", "cut", "plain_json", "source_refusal"]

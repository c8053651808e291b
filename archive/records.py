"""The typed record of one program handed to :meth:`archive.store.Archive.add`.

Dependency-free (no SQLAlchemy), so the engine builds records without loading the database layer; its fields
are the columns of :class:`archive.models.ProgramRow`.
"""

from __future__ import annotations

import dataclasses
from dataclasses import dataclass
from typing import Any


@dataclass(frozen=True, slots=True)
class ProgramRecord:
    """One candidate program as the archive stores it.

    Attributes:
        id: the program's id, assigned by the campaign driver (``Archive.next_program_id``).
        campaign_id: the campaign it belongs to.
        source: its full source text.
        status: one of :class:`archive.vocabulary.Status`.
        operator: what made it: ``seed``, a GP operator, ``llm-<mode>``, or a copy (``migration``, ``reset``).
        code_hash, func_hash: its code hash and functional hash, when known.
        duplicate_of, duplicate_by: for a duplicate, the original's id and the hash (``code`` or ``func``)
            that caught it.
        score, metrics, error: the outcome of its evaluation.
        island, generation: where it was made, and how many mutations from a seed.
        model, tokens_in, tokens_out: the LLM call that proposed it, if one did.
        eval_seconds: seconds its evaluation took.
        created_at: Unix seconds; None means "when it is written".
    """

    id: int
    campaign_id: int
    source: str
    status: str
    operator: str
    code_hash: str | None = None
    func_hash: str | None = None
    duplicate_of: int | None = None
    duplicate_by: str | None = None
    score: float | None = None
    metrics: dict[str, Any] | None = None
    error: str | None = None
    island: int | None = None
    generation: int = 0
    model: str | None = None
    tokens_in: int | None = None
    tokens_out: int | None = None
    eval_seconds: float | None = None
    created_at: float | None = None

    def replace(self, **changes: Any) -> ProgramRecord:
        """A copy with ``changes`` applied."""
        return dataclasses.replace(self, **changes)

    def as_dict(self) -> dict[str, Any]:
        """The record as a dict of column values."""
        return {f.name: getattr(self, f.name) for f in dataclasses.fields(self)}


__all__ = ["ProgramRecord", "bounded"]


def bounded(text: str, metrics: dict[str, Any] | None, chars: int = 2000,
            metric_bytes: int = 65536) -> tuple[str, dict[str, Any] | None]:
    """``text`` cut to ``chars`` characters and ``metrics`` replaced by a note when their JSON is over
    ``metric_bytes`` or not JSON: what one row may hold (a verdict's detail and metrics, from a problem's check)."""
    import json

    if len(text) > chars:
        text = text[: chars - 20] + " ... (cut)"
    try:
        size = 0 if metrics is None else len(json.dumps(metrics))
    except (TypeError, ValueError):
        return text, {"dropped": "not JSON"}
    return text, metrics if size <= metric_bytes else {"dropped": f"over {metric_bytes // 1024} KiB"}

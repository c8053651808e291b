"""The archive: an SQLite store (through SQLAlchemy) of every candidate program of a campaign and its lineage.

Every candidate is kept, failed and duplicate ones too, with the edges to the programs it was made from. The
campaign driver writes; notebooks and ``evolve status`` read, also while a campaign runs
(``Archive(path, readonly=True)``). The package imports neither Ray nor JAX, so opening an archive is cheap.

Its names are loaded on first use (PEP 562), so that the pure modules the engine shares with it,
:mod:`archive.vocabulary` and :mod:`archive.pareto`, import without SQLAlchemy.
"""

from __future__ import annotations

import importlib
from typing import Any

_WHERE = {
    "Report": "archive.integrity",
    **{name: "archive.models" for name in ("SCHEMA_VERSION", "ArmRow", "Base", "CampaignRow", "EdgeRow",
                                           "LLMCallRow", "ObjectiveRow", "ProgramRow", "VerdictRow")},
    **{name: "archive.vocabulary" for name in ("CAMPAIGN_STATUSES", "DIRECTIONS", "DUPLICATE_BY", "ROLES",
                                               "STATUSES", "CampaignStatus", "DuplicateBy", "Role", "Status")},
    "ArchiveBusy": "archive.engine",
    "ProgramRecord": "archive.records",
    **{name: "archive.store" for name in ("Archive", "ArchiveFull", "LineageStep")},
}

__all__ = sorted(_WHERE)


def __getattr__(name: str) -> Any:
    """Load ``name`` from the module that defines it, on first use."""
    if name not in _WHERE:
        raise AttributeError(f"module 'archive' has no attribute {name!r}")
    value = getattr(importlib.import_module(_WHERE[name]), name)
    globals()[name] = value
    return value


def __dir__() -> list[str]:
    return sorted([*globals(), *_WHERE])

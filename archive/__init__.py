"""The archive: an SQLite store (through SQLAlchemy) of every candidate program of a campaign and its lineage.

Every candidate is kept, failed and duplicate ones too, with the edges to the programs it was made from. The
campaign driver writes; notebooks and ``evolve status`` read, also while a campaign runs
(``Archive(path, readonly=True)``). The package imports neither Ray nor JAX, so opening an archive is cheap.
"""

from archive.integrity import Report
from archive.models import (
    CAMPAIGN_STATUSES,
    DIRECTIONS,
    DUPLICATE_BY,
    ROLES,
    SCHEMA_VERSION,
    STATUSES,
    ArmRow,
    Base,
    CampaignRow,
    EdgeRow,
    LLMCallRow,
    ObjectiveRow,
    ProgramRow,
)
from archive.store import Archive, ArchiveBusy, ArchiveFull, LineageStep

__all__ = [
    "Archive",
    "ArchiveBusy",
    "ArchiveFull",
    "ArmRow",
    "Base",
    "CAMPAIGN_STATUSES",
    "CampaignRow",
    "DIRECTIONS",
    "DUPLICATE_BY",
    "EdgeRow",
    "LLMCallRow",
    "LineageStep",
    "ObjectiveRow",
    "ProgramRow",
    "ROLES",
    "Report",
    "SCHEMA_VERSION",
    "STATUSES",
]

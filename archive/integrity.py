"""The integrity check of an archive (``evolve check DB``): SQLite's own checks and the engine's invariants.

Each invariant is one query that returns the rows breaking it, so a failure names the rows to look at. The
check only reads; it works on an archive a campaign is writing to (it sees the last committed batch).
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from typing import Any

from sqlalchemy import Connection

from archive.vocabulary import (
    CAMPAIGN_STATUSES,
    COPY_OPERATORS,
    DUPLICATE_BY,
    NOT_PROPOSALS,
    ROLES,
    STATUSES,
    CampaignStatus,
)

SHOWN = 8
"""How many offending rows a finding lists."""


def _quoted(values: tuple[str, ...]) -> str:
    return ", ".join(f"'{v}'" for v in values)


# (what must hold, the query returning the ids that break it)
INVARIANTS: tuple[tuple[str, str], ...] = (
    ("every program has a known status",
     f"SELECT id FROM programs WHERE status NOT IN ({_quoted(STATUSES)})"),
    ("every campaign has a known status",
     f"SELECT id FROM campaigns WHERE status NOT IN ({_quoted(CAMPAIGN_STATUSES)})"),
    ("every program belongs to a campaign",
     "SELECT p.id FROM programs p LEFT JOIN campaigns c ON c.id = p.campaign_id WHERE c.id IS NULL"),
    ("an evaluated program ('ok') has a score",
     "SELECT id FROM programs WHERE status = 'ok' AND score IS NULL"),
    # Recorded no later, rather than a smaller id: ids are given when a candidate is sent to an evaluator, and
    # results are recorded as they finish, so a later-sent program can be recorded first and be the original.
    ("a duplicate names a program recorded no later than itself that it repeats, of its own campaign, and which "
     "hash caught it",
     f"SELECT p.id FROM programs p LEFT JOIN programs o ON o.id = p.duplicate_of WHERE p.status = 'duplicate' "
     f"AND (o.id IS NULL OR o.id = p.id OR o.created_at > p.created_at OR o.campaign_id != p.campaign_id "
     f"OR o.status = 'duplicate' "
     f"OR p.duplicate_by IS NULL OR p.duplicate_by NOT IN ({_quoted(DUPLICATE_BY)}))"),
    ("only duplicates name a program they repeat",
     "SELECT id FROM programs WHERE status != 'duplicate' AND duplicate_of IS NOT NULL"),
    ("every lineage edge joins two stored programs of one campaign, the parent made first",
     f"SELECT e.child_id FROM edges e LEFT JOIN programs c ON c.id = e.child_id "
     f"LEFT JOIN programs p ON p.id = e.parent_id WHERE c.id IS NULL OR p.id IS NULL "
     f"OR p.campaign_id != c.campaign_id OR p.id >= c.id OR e.role NOT IN ({_quoted(ROLES)})"),
    ("a seed has no parent",
     "SELECT DISTINCT e.child_id FROM edges e JOIN programs c ON c.id = e.child_id WHERE c.operator = 'seed'"),
    ("a copy (migration, reset) points at the program it copies",
     f"SELECT p.id FROM programs p WHERE p.operator IN ({_quoted(COPY_OPERATORS)}) AND NOT EXISTS "
     f"(SELECT 1 FROM edges e WHERE e.child_id = p.id AND e.role = 'migration')"),
    ("every proposed program has a parent",
     f"SELECT p.id FROM programs p WHERE p.operator NOT IN ({_quoted(NOT_PROPOSALS)}) AND NOT EXISTS "
     f"(SELECT 1 FROM edges e WHERE e.child_id = p.id AND e.role = 'parent')"),
    ("every LLM call belongs to a campaign and, if it names one, a stored program of that campaign",
     "SELECT l.id FROM llm_calls l LEFT JOIN campaigns c ON c.id = l.campaign_id "
     "LEFT JOIN programs p ON p.id = l.program_id WHERE c.id IS NULL "
     "OR (l.program_id IS NOT NULL AND (p.id IS NULL OR p.campaign_id != l.campaign_id))"),
)


@dataclass
class Report:
    """What :func:`check` found: ``problems`` (empty when the archive is sound) and what it counted."""

    problems: list[str] = field(default_factory=list)
    counts: dict[str, int] = field(default_factory=dict)

    @property
    def ok(self) -> bool:
        """Whether no check failed."""
        return not self.problems


def _listed(ids: list[Any]) -> str:
    shown = ", ".join(str(i) for i in ids[:SHOWN])
    return shown + (f" and {len(ids) - SHOWN} more" if len(ids) > SHOWN else "")


def _budgets(connection: Connection) -> list[str]:
    """A campaign never proposes more than its budget; one that finished by budget proposed exactly it."""
    problems = []
    proposals = dict(connection.exec_driver_sql(
        f"SELECT campaign_id, count(*) FROM programs WHERE operator NOT IN ({_quoted(NOT_PROPOSALS)}) "
        "GROUP BY campaign_id").all())
    for cid, status, config in connection.exec_driver_sql("SELECT id, status, config FROM campaigns").all():
        try:
            settings = json.loads(config) if isinstance(config, str) else dict(config or {})
        except (TypeError, ValueError):
            problems.append(f"campaign {cid}: its config is not readable JSON")
            continue
        budget, made = settings.get("budget"), proposals.get(cid, 0)
        if not isinstance(budget, int):
            continue
        if made > budget:
            problems.append(f"campaign {cid}: {made} programs proposed, more than its budget of {budget}")
        elif status == CampaignStatus.FINISHED and settings.get("max_seconds") is None and made != budget:
            problems.append(f"campaign {cid}: finished with {made} programs proposed, not its budget of {budget}")
    return problems


def check(connection: Connection) -> Report:
    """Check an archive through ``connection``: SQLite's ``integrity_check`` and ``foreign_key_check``, then
    each of :data:`INVARIANTS` and the budgets. Returns a :class:`Report`; raises nothing for a broken
    archive (that is what the report is for)."""
    report = Report()
    rows = [r[0] for r in connection.exec_driver_sql("PRAGMA integrity_check").all()]
    if rows != ["ok"]:
        report.problems.append("SQLite integrity_check: " + "; ".join(str(r) for r in rows[:SHOWN]))
        return report  # a damaged file makes every later answer doubtful
    dangling = connection.exec_driver_sql("PRAGMA foreign_key_check").all()
    if dangling:
        report.problems.append("SQLite foreign_key_check: rows point at missing rows: " + _listed(
            [f"{table} row {rowid} -> {parent}" for table, rowid, parent, _ in dangling]))
    for rule, query in INVARIANTS:
        ids = [r[0] for r in connection.exec_driver_sql(query + " ORDER BY 1").all()]
        if ids:
            report.problems.append(f"{rule}: broken by {_listed(ids)}")
    report.problems += _budgets(connection)
    for table in ("campaigns", "programs", "edges", "llm_calls"):
        report.counts[table] = connection.exec_driver_sql(f"SELECT count(*) FROM {table}").scalar_one()
    return report


__all__ = ["INVARIANTS", "Report", "check"]

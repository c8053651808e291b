"""The archive's read queries that go beyond one table: lineage walks and a campaign's summary.

Each function runs inside a session the :class:`archive.store.Archive` opened, so a caller composes them in
one transaction; the SQL texts they run are here too.
"""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from typing import Any

from sqlalchemy import func, select, text
from sqlalchemy.orm import Session

from archive.models import ArmRow, ProgramRow
from archive.vocabulary import COPY_OPERATORS, DUPLICATE_BY, STATUSES, Status

_IN_CHUNK = 500
"""Ids per ``IN (...)`` list, well under SQLite's limit on bound parameters."""

# Order in which lineage() picks the edge to follow when a program has several parents.
_PRIMARY_ROLE_RANK = "CASE role WHEN 'parent' THEN 0 WHEN 'migration' THEN 1 ELSE 2 END"
_PRIMARY_ROLES = "('parent', 'migration', 'crossover')"

# The primary edge of each program on the way up from :id, one row per step; UNION stops a (corrupt) cycle.
_LINEAGE_SQL = f"""
WITH RECURSIVE chain(child_id, parent_id, role) AS (
    SELECT e.child_id, e.parent_id, e.role FROM edges AS e
    WHERE e.rowid = (
        SELECT rowid FROM edges WHERE child_id = :id AND role IN {_PRIMARY_ROLES}
        ORDER BY {_PRIMARY_ROLE_RANK}, parent_id LIMIT 1)
    UNION
    SELECT e.child_id, e.parent_id, e.role FROM chain JOIN edges AS e
    ON e.rowid = (
        SELECT rowid FROM edges WHERE child_id = chain.parent_id AND role IN {_PRIMARY_ROLES}
        ORDER BY {_PRIMARY_ROLE_RANK}, parent_id LIMIT 1)
)
SELECT child_id, parent_id, role FROM chain
"""

# Every program reachable upward from :id through edges of any role, then every edge out of them.
_ANCESTORS_SQL = """
WITH RECURSIVE up(id) AS (
    SELECT :id
    UNION
    SELECT e.parent_id FROM up JOIN edges AS e ON e.child_id = up.id
)
SELECT e.child_id, e.parent_id, e.role FROM edges AS e JOIN up ON e.child_id = up.id
ORDER BY e.child_id DESC, e.parent_id, e.role
"""

# Per operator: proposed, ok, and improved over the primary 'parent' parent (lowest parent id).
_OPERATORS_SQL = """
SELECT p.operator,
       COUNT(*),
       SUM(p.status = 'ok'),
       SUM(p.status = 'ok' AND p.score IS NOT NULL AND par.score IS NOT NULL AND p.score {cmp} par.score)
FROM programs AS p
LEFT JOIN programs AS par ON par.id = (
    SELECT MIN(e.parent_id) FROM edges AS e WHERE e.child_id = p.id AND e.role = 'parent')
WHERE p.campaign_id = :campaign_id
GROUP BY p.operator
ORDER BY p.operator
"""

_LLM_SQL = """
SELECT c.model, c.mode,
       COUNT(*),
       SUM(c.error IS NOT NULL),
       SUM(c.error IS NULL AND p.status = 'invalid'),
       SUM(p.status = 'ok'),
       SUM(c.tokens_in), SUM(c.tokens_out), AVG(c.latency)
FROM llm_calls AS c LEFT JOIN programs AS p ON p.id = c.program_id
WHERE c.campaign_id = :campaign_id
GROUP BY c.model, c.mode
ORDER BY c.model, c.mode
"""

# Duplicates whose metrics carry an audit (a full evaluation compared with the original's score).
_AUDIT_SQL = """
SELECT duplicate_by,
       COUNT(*),
       SUM(json_type(metrics, '$.audit.match') = 'false')
FROM programs
WHERE campaign_id = :campaign_id AND status = 'duplicate' AND metrics IS NOT NULL
  AND json_type(metrics, '$.audit.match') IN ('true', 'false')
GROUP BY duplicate_by
"""


def has_table(session: Session, name: str) -> bool:
    """Whether the archive has the table; an older archive opened read-only (not migrated) may lack
    ``llm_calls`` (added in schema 2) or ``arms`` (schema 3)."""
    query = text("SELECT count(*) FROM sqlite_master WHERE type = 'table' AND name = :name")
    return bool(session.execute(query, {"name": name}).scalar_one())


def _chunks(ids: Sequence[int]) -> Iterator[Sequence[int]]:
    for start in range(0, len(ids), _IN_CHUNK):
        yield ids[start : start + _IN_CHUNK]


def programs_by_id(session: Session, ids: Sequence[int]) -> dict[int, ProgramRow]:
    """The programs with these ids (any campaign), by id; ids with no program are left out."""
    rows: dict[int, ProgramRow] = {}
    for chunk in _chunks(ids):
        for row in session.scalars(select(ProgramRow).where(ProgramRow.id.in_(chunk))):
            rows[row.id] = row
    return rows


def primary_edges(session: Session, program_id: int) -> dict[int, tuple[int, str]]:
    """``child -> (parent, role)`` for the primary edge of each program on the way up from a program."""
    return {child: (parent, role)
            for child, parent, role in session.execute(text(_LINEAGE_SQL), {"id": program_id})}


def ancestor_edges(session: Session, program_id: int) -> list[tuple[int, int, str]]:
    """Every edge ``(child_id, parent_id, role)`` reachable upward from a program, all roles; by child id
    (newest first), then parent id and role."""
    result = session.execute(text(_ANCESTORS_SQL), {"id": program_id})
    return [(child, parent, role) for child, parent, role in result]


# -- a campaign's summary (``Archive.stats``) ---------------------------------------------------------------


def status_counts(session: Session, campaign_id: int) -> dict[str, int]:
    """Programs per status, every status present (0 when none)."""
    counts = dict.fromkeys(STATUSES, 0)
    query = (
        select(ProgramRow.status, func.count())
        .where(ProgramRow.campaign_id == campaign_id)
        .group_by(ProgramRow.status)
    )
    for status, n in session.execute(query):
        counts[status] = n
    return counts


def duplicate_counts(session: Session, campaign_id: int) -> dict[str, int]:
    """Duplicates per ``duplicate_by`` ('code'/'func'), both present."""
    duplicates_by = dict.fromkeys(DUPLICATE_BY, 0)
    query = (
        select(ProgramRow.duplicate_by, func.count())
        .where(ProgramRow.campaign_id == campaign_id, ProgramRow.status == Status.DUPLICATE)
        .group_by(ProgramRow.duplicate_by)
    )
    for by, n in session.execute(query):
        if by is not None:
            duplicates_by[by] = n
    return duplicates_by


def operator_stats(session: Session, campaign_id: int, direction: str) -> dict[str, dict[str, Any]]:
    """Per operator: proposed, ok, improved over its primary parent, and success_rate = improved / proposed."""
    cmp = "<" if direction == "min" else ">"
    operators = {}
    rows = session.execute(text(_OPERATORS_SQL.format(cmp=cmp)), {"campaign_id": campaign_id})
    for operator, proposed, ok, improved in rows:
        operators[operator] = {
            "proposed": proposed,
            "ok": ok or 0,
            "improved": improved or 0,
            "success_rate": (improved or 0) / proposed if proposed else None,
        }
    return operators


def throughput(session: Session, campaign_id: int, counts: dict[str, int]) -> tuple[int, float | None,
                                                                                     float | None]:
    """``(rows, wall_seconds, evaluations_per_second)``: the wall time from the first to the last program,
    and the ok, error and timeout rows (from ``counts``) over it."""
    query = select(
        func.count(), func.min(ProgramRow.created_at), func.max(ProgramRow.created_at)
    ).where(ProgramRow.campaign_id == campaign_id)
    n_rows, first, last = session.execute(query).one()
    evaluated = counts["ok"] + counts["error"] + counts["timeout"]
    wall_seconds = None if n_rows == 0 else last - first
    rate = evaluated / wall_seconds if n_rows >= 2 and wall_seconds else None
    return n_rows, wall_seconds, rate


def audit_stats(session: Session, campaign_id: int) -> dict[str, Any]:
    """Audited duplicates and mismatches per duplicate_by, and ``collision_rate`` (mismatched / audited)."""
    audit: dict[str, Any] = {by: {"audited": 0, "mismatched": 0} for by in DUPLICATE_BY}
    audited_total = mismatched_total = 0
    for by, audited, mismatched in session.execute(text(_AUDIT_SQL), {"campaign_id": campaign_id}):
        key = by if by is not None else "unknown"
        audit[key] = {"audited": audited, "mismatched": mismatched or 0}
        audited_total += audited
        mismatched_total += mismatched or 0
    audit["collision_rate"] = mismatched_total / audited_total if audited_total else None
    return audit


def best_score(session: Session, campaign_id: int, direction: str) -> float | None:
    """The best score of an ok program, copies onto other islands left out; None when there is none."""
    best = func.min(ProgramRow.score) if direction == "min" else func.max(ProgramRow.score)
    return session.scalar(
        select(best).where(
            ProgramRow.campaign_id == campaign_id,
            ProgramRow.status == Status.OK,
            ProgramRow.operator.not_in(COPY_OPERATORS),
        )
    )


def llm_stats(session: Session, campaign_id: int) -> list[dict[str, Any]]:
    """Per model and prompt mode: calls, failed calls, answers with no usable program (the apply or
    parse failures), ok programs, tokens and mean latency. Empty for archives without LLM calls."""
    if not has_table(session, "llm_calls"):
        return []
    out = []
    for model, mode, calls, failed, unusable, ok, t_in, t_out, latency in session.execute(
            text(_LLM_SQL), {"campaign_id": campaign_id}):
        answered = calls - (failed or 0)
        out.append({
            "model": model, "mode": mode, "calls": calls, "failed_calls": failed or 0,
            "unusable_answers": unusable or 0, "ok": ok or 0,
            "apply_failure_rate": (unusable or 0) / answered if answered else None,
            "tokens_in": t_in or 0, "tokens_out": t_out or 0, "mean_latency": latency,
        })
    return out


def arm_stats(arm: ArmRow) -> dict[str, Any]:
    """One bandit arm as a JSON-able dict: pulls, successes, reward and cost, with their ratios."""
    return {
        "arm": arm.name, "pulls": arm.pulls, "successes": arm.successes,
        "success_rate": arm.successes / arm.pulls if arm.pulls else None, "reward": arm.reward,
        "cost_seconds": arm.cost, "mean_cost": arm.cost / arm.pulls if arm.pulls else None,
        "tokens": arm.tokens,
        "reward_per_second": arm.reward / arm.cost if arm.cost else None,
    }

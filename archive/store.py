"""The :class:`Archive`: an SQLite store of every candidate of a campaign with its lineage.

One writer (the campaign driver) and any number of readers (notebooks, ``evolve status``) share one file in
WAL mode. Each query runs in its own short session, so a reader sees rows written since its previous call.
"""

from __future__ import annotations

import os
import sqlite3
import time
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from sqlalchemy import Engine, create_engine, event, func, insert, select, text, update
from sqlalchemy.dialects.sqlite import insert as sqlite_insert
from sqlalchemy.exc import OperationalError
from sqlalchemy.orm import Session, sessionmaker
from sqlalchemy.pool import QueuePool

from archive import integrity
from archive.integrity import Report
from archive.models import (
    SCHEMA_VERSION,
    ArmRow,
    Base,
    CampaignRow,
    EdgeRow,
    LLMCallRow,
    ObjectiveRow,
    ProgramRow,
)
from archive.records import ProgramRecord
from archive.vocabulary import (
    CAMPAIGN_STATUSES,
    COPY_OPERATORS,
    DIRECTIONS,
    DUPLICATE_BY,
    ROLES,
    STATUSES,
    CampaignStatus,
    Status,
)


class ArchiveBusy(RuntimeError):
    """Another campaign holds the archive's writer lock (see :meth:`Archive.writer`)."""


class ArchiveFull(OSError):
    """The archive could not be written because its disk (or SQLite's page limit) is full; nothing of the
    write was kept, and the archive is as it was before it."""


@contextmanager
def _full_disk_as_error(path: Path) -> Iterator[None]:
    try:
        yield
    except OperationalError as exc:
        orig = exc.orig
        code = getattr(orig, "sqlite_errorcode", None)  # Python 3.11+; before, SQLite's message for it
        if not (code == sqlite3.SQLITE_FULL if code is not None else "database or disk is full" in str(orig)):
            raise
        raise ArchiveFull(f"archive {path} could not be written: {orig} (the write was rolled back; the "
                          "archive is as it was)") from exc


BUSY_TIMEOUT_MS = 10_000
"""How long a connection waits for a lock held by another connection before it gives up."""

_ARM_DEFAULTS: dict[str, Any] = {
    column.key: column.default.arg for column in ArmRow.__table__.columns if column.default is not None
}

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

# Duplicates whose metrics carry an audit (a full evaluation compared with the original's score).
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

_AUDIT_SQL = """
SELECT duplicate_by,
       COUNT(*),
       SUM(json_type(metrics, '$.audit.match') = 'false')
FROM programs
WHERE campaign_id = :campaign_id AND status = 'duplicate' AND metrics IS NOT NULL
  AND json_type(metrics, '$.audit.match') IN ('true', 'false')
GROUP BY duplicate_by
"""


@dataclass(frozen=True)
class LineageStep:
    """One step of a lineage: a program and the edge to the parent the lineage goes on to."""

    program: ProgramRow
    role: str | None
    """Role of the edge to the parent; None for the root."""
    parent_id: int | None
    """The parent the lineage goes on to; None for the root."""
    score_change: float | None
    """This program's score minus its parent's; None when either score is missing."""


def _check(value: str | None, allowed: Sequence[str], what: str) -> None:
    if value not in allowed:
        raise ValueError(f"invalid {what} {value!r}: expected one of {', '.join(map(repr, allowed))}")


def _chunks(ids: Sequence[int]) -> Iterator[Sequence[int]]:
    for start in range(0, len(ids), _IN_CHUNK):
        yield ids[start : start + _IN_CHUNK]


def _has_table(session: Session, name: str) -> bool:
    """Whether the archive has the table; an older archive opened read-only (not migrated) may lack
    ``llm_calls`` (added in schema 2) or ``arms`` (schema 3)."""
    query = text("SELECT count(*) FROM sqlite_master WHERE type = 'table' AND name = :name")
    return bool(session.execute(query, {"name": name}).scalar_one())


class Archive:
    """The SQLite lineage archive of one or more campaigns.

    ``Archive(path)`` opens (creating it, its parent folders and tables if needed) a writable archive;
    ``Archive(path, readonly=True)`` opens an existing one read-only, which works while a campaign writes to
    it.
    Returned rows are detached from any session, with every column loaded.
    """

    def __init__(self, path: str | Path, readonly: bool = False) -> None:
        self.path = Path(path).expanduser()
        self.readonly = readonly
        if readonly:
            if not self.path.is_file():
                raise FileNotFoundError(
                    f"no archive at {self.path}: an archive is created by running a campaign that writes to "
                    f"this path (or by opening it writable with Archive(path))"
                )
            uri = self.path.resolve().as_uri() + "?mode=ro"
        else:
            self.path.parent.mkdir(parents=True, exist_ok=True)
            uri = self.path.resolve().as_uri() + "?mode=rwc"

        def connect() -> sqlite3.Connection:
            return sqlite3.connect(uri, uri=True, check_same_thread=False, timeout=BUSY_TIMEOUT_MS / 1000)

        self._engine: Engine = create_engine("sqlite://", creator=connect, poolclass=QueuePool)
        event.listen(self._engine, "connect", self._on_connect)
        event.listen(self._engine, "begin", self._on_begin)
        self._sessions = sessionmaker(self._engine, expire_on_commit=False)
        self._closed = False
        try:
            self._check_schema()
        except BaseException:
            self.close()
            raise

    # -- connection set-up -------------------------------------------------------------------------------

    def _on_connect(self, dbapi_connection: sqlite3.Connection, _record: object) -> None:
        # SQLAlchemy emits BEGIN itself (see _on_begin), so that reads and DDL are transactional too.
        dbapi_connection.isolation_level = None
        cursor = dbapi_connection.cursor()
        cursor.execute(f"PRAGMA busy_timeout = {BUSY_TIMEOUT_MS}")
        if not self.readonly:
            cursor.execute("PRAGMA journal_mode = WAL")
            cursor.execute("PRAGMA synchronous = NORMAL")
        cursor.close()

    @staticmethod
    def _on_begin(connection: Any) -> None:
        connection.exec_driver_sql("BEGIN")

    def _check_schema(self) -> None:
        with self._engine.begin() as connection:
            version = connection.exec_driver_sql("PRAGMA user_version").scalar_one()
            if version > SCHEMA_VERSION:
                raise RuntimeError(
                    f"archive {self.path} has schema version {version}, newer than the version this code "
                    f"understands ({SCHEMA_VERSION}); upgrade evolve to open it"
                )
            if self.readonly:
                tables = connection.exec_driver_sql(
                    "SELECT count(*) FROM sqlite_master WHERE type = 'table' AND name = 'programs'"
                ).scalar_one()
                if not tables:
                    raise ValueError(f"{self.path} is not an evolve archive (it has no programs table)")
                return
            # Migrations, one step at a time. 1 -> 2 only adds the llm_calls table and 2 -> 3 the arms table,
            # which create_all makes (it creates missing tables and leaves existing ones as they are).
            Base.metadata.create_all(connection)
            if version < SCHEMA_VERSION:
                connection.exec_driver_sql(f"PRAGMA user_version = {SCHEMA_VERSION}")

    @contextmanager
    def _session(self) -> Iterator[Session]:
        if self._closed:
            raise RuntimeError(f"archive {self.path} is closed")
        with self._sessions() as session, session.begin():
            yield session

    def _require_writable(self) -> None:
        if self.readonly:
            raise PermissionError(f"archive {self.path} is open read-only")

    def close(self) -> None:
        """Close every connection of the archive; it cannot be used afterwards."""
        self._closed = True
        self._engine.dispose()

    def __enter__(self) -> Archive:
        return self

    def __exit__(self, *exc_info: object) -> None:
        self.close()

    def __repr__(self) -> str:
        return f"Archive({str(self.path)!r}{', readonly=True' if self.readonly else ''})"

    # -- campaigns ---------------------------------------------------------------------------------------

    def create_campaign(
        self,
        name: str,
        problem: str,
        config: dict[str, Any],
        seed: int | None,
        direction: str,
        objectives: Sequence[tuple[str, str]] = (),
    ) -> int:
        """Record a new running campaign and return its id.

        ``objectives`` are the problem's ``(metric, direction)`` pairs for multi-objective views; none means
        the score alone."""
        self._require_writable()
        _check(direction, DIRECTIONS, "direction")
        for metric, way in objectives:
            _check(way, DIRECTIONS, f"direction of objective {metric!r}")
        row = CampaignRow(
            name=name,
            problem=problem,
            config=dict(config),
            seed=seed,
            direction=direction,
            created_at=time.time(),
            status=CampaignStatus.RUNNING,
        )
        with self._session() as session:
            session.add(row)
            session.flush()
            session.add_all(ObjectiveRow(campaign_id=row.id, position=i, name=metric, direction=way)
                            for i, (metric, way) in enumerate(objectives))
            return row.id

    def objectives(self, campaign_id: int | None = None) -> list[tuple[str, str]]:
        """A campaign's objectives as ``(metric, direction)`` pairs; ``[("score", direction)]`` when none were
        recorded (a single-objective problem, or an archive from before schema 3)."""
        with self._session() as session:
            campaign = self._campaign(session, campaign_id)
            rows = []
            if _has_table(session, "objectives"):
                query = select(ObjectiveRow).where(ObjectiveRow.campaign_id == campaign.id)
                rows = list(session.scalars(query.order_by(ObjectiveRow.position)))
            return [(r.name, r.direction) for r in rows] or [("score", campaign.direction)]

    def campaign(self, campaign_id: int | None = None) -> CampaignRow:
        """Return the campaign with this id, or the latest one when ``campaign_id`` is None."""
        with self._session() as session:
            return self._campaign(session, campaign_id)

    def _campaign(self, session: Session, campaign_id: int | None) -> CampaignRow:
        if campaign_id is None:
            row = session.scalars(select(CampaignRow).order_by(CampaignRow.id.desc()).limit(1)).first()
            if row is None:
                raise LookupError(f"archive {self.path} has no campaigns yet")
            return row
        row = session.get(CampaignRow, campaign_id)
        if row is None:
            known = session.scalars(select(CampaignRow.id).order_by(CampaignRow.id)).all()
            raise KeyError(f"no campaign {campaign_id} in archive {self.path} (campaigns: {list(known)})")
        return row

    def _campaign_id(self, session: Session, campaign_id: int | None) -> int:
        if campaign_id is not None:
            return campaign_id
        return self._campaign(session, None).id

    def campaigns(self) -> list[CampaignRow]:
        """Return every campaign, oldest first."""
        with self._session() as session:
            return list(session.scalars(select(CampaignRow).order_by(CampaignRow.id)))

    def set_campaign_status(self, campaign_id: int, status: str) -> None:
        """Set a campaign's status: one of 'running', 'finished', 'stopped', 'failed'."""
        self._require_writable()
        _check(status, CAMPAIGN_STATUSES, "campaign status")
        self._update_campaign(campaign_id, status=status)

    def update_campaign_config(self, campaign_id: int, config: dict[str, Any]) -> None:
        """Replace a campaign's stored config."""
        self._require_writable()
        self._update_campaign(campaign_id, config=dict(config))

    def _update_campaign(self, campaign_id: int, **values: Any) -> None:
        with _full_disk_as_error(self.path), self._session() as session:
            result = session.execute(
                update(CampaignRow).where(CampaignRow.id == campaign_id).values(**values),
                execution_options={"synchronize_session": False},
            )
            if result.rowcount != 1:
                raise KeyError(f"no campaign {campaign_id} in archive {self.path}")

    # -- writing programs --------------------------------------------------------------------------------

    @contextmanager
    def writer(self, owner: str) -> Iterator[None]:
        """Hold the archive's writer lock while the block runs: SQLite lets two processes write one file, but
        two campaign drivers would hand out the same program ids, so the second is refused.

        The lock is an exclusive ``flock`` on ``<archive>.lock`` (which records ``owner``, e.g. a pid); the
        kernel drops it when its holder exits, a killed one too, so a crash never leaves the archive locked.

        Raises:
            ArchiveBusy: another process (or another writer in this one) holds the lock.
        """
        import fcntl  # POSIX only; imported here so that reading an archive works everywhere

        self._require_writable()
        lock = self.path.with_name(self.path.name + ".lock")
        fd = os.open(lock, os.O_RDWR | os.O_CREAT, 0o644)
        try:
            try:
                fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
            except BlockingIOError:
                holder = os.pread(fd, 4096, 0).decode(errors="replace").strip() or "unknown"
                raise ArchiveBusy(
                    f"archive {self.path} is being written by another campaign ({holder}); two campaigns "
                    "cannot write one archive at once: wait for that one to finish (or stop it with Ctrl-C), or "
                    "give this one another --db") from None
            os.ftruncate(fd, 0)
            os.pwrite(fd, owner.encode(), 0)
            try:
                yield
            finally:
                os.ftruncate(fd, 0)
                fcntl.flock(fd, fcntl.LOCK_UN)
        finally:
            os.close(fd)

    def check(self) -> Report:
        """Check the archive's integrity: SQLite's own checks and the engine's invariants (see
        :mod:`archive.integrity`). Read-only; safe while a campaign writes."""
        with self._engine.connect() as connection:
            return integrity.check(connection)

    def next_program_id(self) -> int:
        """Return the next free program id: the largest id in the archive (any campaign) plus one."""
        with self._session() as session:
            largest = session.scalar(select(func.max(ProgramRow.id)))
        return 1 if largest is None else largest + 1

    def add(
        self,
        programs: Sequence[ProgramRecord],
        edges: Sequence[tuple[int, int, str]] = (),
        calls: Sequence[dict[str, Any]] = (),
        arms: Sequence[dict[str, Any]] = (),
    ) -> None:
        """Insert programs, lineage edges ``(child_id, parent_id, role)`` and LLM calls, and write the operator
        bandit's arms, in one transaction.

        Each program is a :class:`ProgramRecord` (``created_at`` None means now). Each call is a dict of
        :class:`LLMCallRow` columns (``campaign_id``, ``model``, ``mode`` and ``prompt`` required). Each arm is a
        dict of :class:`ArmRow` columns (``campaign_id`` and ``name`` required) and replaces the stored row of
        that arm. Raises TypeError for a program that is no :class:`ProgramRecord`, ValueError for an unknown
        column or an invalid status, duplicate_by or role, before writing anything, and :class:`ArchiveFull`
        (having written nothing) when the disk is full.
        """
        self._require_writable()
        now = time.time()
        rows = []
        for program in programs:
            if not isinstance(program, ProgramRecord):
                raise TypeError(f"a program to add is an archive.records.ProgramRecord, not {type(program).__name__}")
            _check(program.status, STATUSES, f"status of program {program.id!r}")
            if program.duplicate_by is not None:
                _check(program.duplicate_by, DUPLICATE_BY, f"duplicate_by of program {program.id!r}")
            row = program.as_dict()
            if row["created_at"] is None:
                row["created_at"] = now
            rows.append(row)
        edge_rows = []
        for child_id, parent_id, role in edges:
            _check(role, ROLES, f"role of edge {child_id} <- {parent_id}")
            edge_rows.append({"child_id": child_id, "parent_id": parent_id, "role": role})
        call_rows = []
        columns = {c.key for c in LLMCallRow.__table__.columns} - {"id"}
        for call in calls:
            missing = [k for k in ("campaign_id", "model", "mode", "prompt") if k not in call]
            unknown = call.keys() - columns
            if missing or unknown:
                raise ValueError(f"LLM call lacks field(s) {missing} or has unknown field(s) {sorted(unknown)}")
            call_rows.append({"program_id": None, "response": None, "error": None, "tokens_in": 0,
                              "tokens_out": 0, "latency": 0.0, "attempts": 1, "created_at": now, **call})
        arm_rows = []
        arm_columns = {c.key for c in ArmRow.__table__.columns}
        for arm in arms:
            missing = [k for k in ("campaign_id", "name") if k not in arm]
            unknown = arm.keys() - arm_columns
            if missing or unknown:
                raise ValueError(f"arm lacks field(s) {missing} or has unknown field(s) {sorted(unknown)}")
            arm_rows.append({**_ARM_DEFAULTS, **arm})
        if not rows and not edge_rows and not call_rows and not arm_rows:
            return
        with _full_disk_as_error(self.path), self._engine.begin() as connection:
            if rows:
                connection.execute(insert(ProgramRow.__table__), rows)
            if edge_rows:
                connection.execute(insert(EdgeRow.__table__), edge_rows)
            if call_rows:
                connection.execute(insert(LLMCallRow.__table__), call_rows)
            if arm_rows:
                keys = list(arm_rows[0])  # every row has every column, so one executemany serves all
                upsert = sqlite_insert(ArmRow.__table__)
                upsert = upsert.on_conflict_do_update(
                    index_elements=["campaign_id", "name"],
                    set_={k: upsert.excluded[k] for k in keys if k not in ("campaign_id", "name")})
                connection.execute(upsert, arm_rows)

    def arms(self, campaign_id: int | None = None) -> list[ArmRow]:
        """What the operator bandit of a campaign (the latest when None) knows, one row per operator, in
        the order the operators were first written. Empty for archives from before the bandit (schema < 3)."""
        with self._session() as session:
            if not _has_table(session, "arms"):
                return []
            campaign = self._campaign(session, campaign_id)
            query = select(ArmRow).where(ArmRow.campaign_id == campaign.id).order_by(text("rowid"))
            return list(session.scalars(query))

    def llm_calls(self, campaign_id: int | None = None, program_id: int | None = None) -> list[LLMCallRow]:
        """The LLM calls of a campaign (the latest when None), or of one program, in order.

        An archive written before LLM calls were recorded (schema 1) has none."""
        with self._session() as session:
            if not _has_table(session, "llm_calls"):
                return []
            query = select(LLMCallRow).order_by(LLMCallRow.id)
            if program_id is not None:
                query = query.where(LLMCallRow.program_id == program_id)
            else:
                query = query.where(LLMCallRow.campaign_id == self._campaign(session, campaign_id).id)
            return list(session.scalars(query))

    # -- reading programs --------------------------------------------------------------------------------

    def get(self, program_id: int) -> ProgramRow:
        """Return one program; KeyError if there is none with this id."""
        with self._session() as session:
            row = session.get(ProgramRow, program_id)
        if row is None:
            raise KeyError(f"no program {program_id} in archive {self.path}")
        return row

    def best(self, k: int = 10, campaign_id: int | None = None) -> list[ProgramRow]:
        """Return the ``k`` best evaluated programs of a campaign (the latest when None), best first.

        Only status 'ok' with a score counts, and copies of a program onto another island (operators
        'migration' and 'reset') are left out. Ties are broken by id.
        """
        with self._session() as session:
            campaign = self._campaign(session, campaign_id)
            order = ProgramRow.score.asc() if campaign.direction == "min" else ProgramRow.score.desc()
            query = (
                select(ProgramRow)
                .where(
                    ProgramRow.campaign_id == campaign.id,
                    ProgramRow.status == Status.OK,
                    ProgramRow.score.is_not(None),
                    ProgramRow.operator.not_in(COPY_OPERATORS),
                )
                .order_by(order, ProgramRow.id)
                .limit(k)
            )
            return list(session.scalars(query))

    def front(self, campaign_id: int | None = None,
              objectives: Sequence[tuple[str, str]] | None = None) -> list[ProgramRow]:
        """The Pareto front of a campaign (the latest when None): its evaluated programs that no other beats
        on every objective, one per distinct point, sorted by the first objective. ``objectives`` are
        ``(metric, direction)`` pairs ('score' is the score), by default the campaign's own. Copies onto
        other islands are left out; a program missing a metric is worst on it."""
        from archive.pareto import front, minimised

        chosen = list(objectives) if objectives is not None else self.objectives(campaign_id)
        with self._session() as session:
            campaign = self._campaign(session, campaign_id)
            query = select(ProgramRow).where(
                ProgramRow.campaign_id == campaign.id,
                ProgramRow.status == Status.OK,
                ProgramRow.operator.not_in(COPY_OPERATORS),
            ).order_by(ProgramRow.id)
            rows = list(session.scalars(query))
        values = minimised([{**(r.metrics or {}), "score": r.score} for r in rows], chosen)
        return [rows[i] for i in front(values)]

    def parents(self, program_id: int) -> list[tuple[int, str]]:
        """Return ``(parent_id, role)`` for every edge into a program, by role then parent id."""
        with self._session() as session:
            query = (
                select(EdgeRow.parent_id, EdgeRow.role)
                .where(EdgeRow.child_id == program_id)
                .order_by(EdgeRow.role, EdgeRow.parent_id)
            )
            return [(parent_id, role) for parent_id, role in session.execute(query)]

    def lineage(self, program_id: int) -> list[LineageStep]:
        """Return the chain from a program back to its root, the program first.

        At each step the primary parent is followed: an edge of role 'parent' if there is one, else
        'migration', else 'crossover' (the lowest parent id among equals); 'inspiration' edges are not
        followed. The chain stops at a program without such an edge, or at a parent missing from the archive.
        """
        with self._session() as session:
            if session.get(ProgramRow, program_id) is None:
                raise KeyError(f"no program {program_id} in archive {self.path}")
            step_of = {
                child: (parent, role)
                for child, parent, role in session.execute(text(_LINEAGE_SQL), {"id": program_id})
            }
            chain, seen = [program_id], {program_id}
            while chain[-1] in step_of and step_of[chain[-1]][0] not in seen:
                chain.append(step_of[chain[-1]][0])
                seen.add(chain[-1])
            rows = self._programs_by_id(session, chain)
        steps = []
        for position, current in enumerate(chain):
            if current not in rows:
                break
            program = rows[current]
            parent_id, role = step_of.get(current, (None, None))
            parent = rows.get(parent_id) if position + 1 < len(chain) else None
            change = None
            if parent is not None and program.score is not None and parent.score is not None:
                change = program.score - parent.score
            steps.append(LineageStep(program=program, role=role, parent_id=parent_id, score_change=change))
        return steps

    @staticmethod
    def _programs_by_id(session: Session, ids: Sequence[int]) -> dict[int, ProgramRow]:
        rows: dict[int, ProgramRow] = {}
        for chunk in _chunks(ids):
            for row in session.scalars(select(ProgramRow).where(ProgramRow.id.in_(chunk))):
                rows[row.id] = row
        return rows

    def rows_by_id(self, ids: Sequence[int]) -> dict[int, ProgramRow]:
        """The programs with these ids (any campaign), by id; ids with no program are left out."""
        with self._session() as session:
            return self._programs_by_id(session, list(ids))

    def ancestors(self, program_id: int) -> list[tuple[int, int, str]]:
        """Return every edge ``(child_id, parent_id, role)`` reachable upward from a program, all roles.

        Ordered by child id (newest first), then parent id and role.
        """
        with self._session() as session:
            result = session.execute(text(_ANCESTORS_SQL), {"id": program_id})
            return [(child, parent, role) for child, parent, role in result]

    def programs(
        self,
        campaign_id: int | None = None,
        status: str | None = None,
        operator: str | None = None,
        island: int | None = None,
        since_id: int | None = None,
        limit: int | None = None,
    ) -> list[ProgramRow]:
        """Return a campaign's programs (the latest campaign when None) in id order.

        Optional filters: ``status``, ``operator``, ``island``, ``since_id`` (only ids greater than it, to
        poll for new rows) and ``limit`` (the first that many).
        """
        if status is not None:
            _check(status, STATUSES, "status")
        with self._session() as session:
            campaign_id = self._campaign_id(session, campaign_id)
            query = select(ProgramRow).where(ProgramRow.campaign_id == campaign_id)
            if status is not None:
                query = query.where(ProgramRow.status == status)
            if operator is not None:
                query = query.where(ProgramRow.operator == operator)
            if island is not None:
                query = query.where(ProgramRow.island == island)
            if since_id is not None:
                query = query.where(ProgramRow.id > since_id)
            query = query.order_by(ProgramRow.id)
            if limit is not None:
                query = query.limit(limit)
            return list(session.scalars(query))

    def count(
        self, campaign_id: int | None = None, status: str | None = None, exclude_operators: Sequence[str] = ()
    ) -> int:
        """Count a campaign's programs (the latest campaign when None), optionally of one status and leaving
        out some operators."""
        if status is not None:
            _check(status, STATUSES, "status")
        with self._session() as session:
            campaign_id = self._campaign_id(session, campaign_id)
            query = select(func.count()).where(ProgramRow.campaign_id == campaign_id)
            if status is not None:
                query = query.where(ProgramRow.status == status)
            if exclude_operators:
                query = query.where(ProgramRow.operator.not_in(list(exclude_operators)))
            return session.scalar(query) or 0

    def hash_index(self, campaign_id: int) -> tuple[dict[str, int], dict[str, int]]:
        """Return ``(code_hash -> root id, func_hash -> root id)`` over a campaign's programs.

        The root of a duplicate is the program it duplicates (``duplicate_of``); of any other program, itself.
        When several programs share a hash the lowest id wins. Used to rebuild the dedup tables on resume.
        """
        code: dict[str, int] = {}
        funcs: dict[str, int] = {}
        with self._session() as session:
            query = (
                select(
                    ProgramRow.id,
                    ProgramRow.status,
                    ProgramRow.duplicate_of,
                    ProgramRow.code_hash,
                    ProgramRow.func_hash,
                )
                .where(ProgramRow.campaign_id == campaign_id)
                .order_by(ProgramRow.id)
            )
            for program_id, status, duplicate_of, code_hash, func_hash in session.execute(query):
                root = duplicate_of if status == Status.DUPLICATE and duplicate_of is not None else program_id
                if code_hash is not None:
                    code.setdefault(code_hash, root)
                if func_hash is not None:
                    funcs.setdefault(func_hash, root)
        return code, funcs

    def _llm_stats(self, campaign_id: int) -> list[dict[str, Any]]:
        """Per model and prompt mode: calls, failed calls, answers with no usable program (the apply or
        parse failures), ok programs, tokens and mean latency. Empty for archives without LLM calls."""
        with self._session() as session:
            if not _has_table(session, "llm_calls"):
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

    def stats(self, campaign_id: int | None = None) -> dict[str, Any]:
        """Return a JSON-able summary of a campaign (the latest when None), for ``evolve status``.

        Keys: ``campaign`` (id, name, problem, direction, status), ``total``, ``counts`` per status,
        ``duplicates_by`` ('code'/'func'), ``operators`` (per operator: proposed, ok, improved over its
        primary parent, success_rate = improved / proposed), ``wall_seconds`` (first to last program),
        ``evaluations_per_second`` (ok, error and timeout rows over that span), ``audit`` (audited duplicates
        and mismatches per duplicate_by, and ``collision_rate``), ``best_score``, ``llm`` (per model and prompt
        mode) and ``arms`` (the operator bandit's pulls, successes and cost per operator).
        """
        with self._session() as session:
            campaign = self._campaign(session, campaign_id)
            where = {"campaign_id": campaign.id}

            counts = dict.fromkeys(STATUSES, 0)
            status_query = (
                select(ProgramRow.status, func.count())
                .where(ProgramRow.campaign_id == campaign.id)
                .group_by(ProgramRow.status)
            )
            for status, n in session.execute(status_query):
                counts[status] = n

            duplicates_by = dict.fromkeys(DUPLICATE_BY, 0)
            duplicate_query = (
                select(ProgramRow.duplicate_by, func.count())
                .where(ProgramRow.campaign_id == campaign.id, ProgramRow.status == Status.DUPLICATE)
                .group_by(ProgramRow.duplicate_by)
            )
            for by, n in session.execute(duplicate_query):
                if by is not None:
                    duplicates_by[by] = n

            cmp = "<" if campaign.direction == "min" else ">"
            operators = {}
            operator_rows = session.execute(text(_OPERATORS_SQL.format(cmp=cmp)), where)
            for operator, proposed, ok, improved in operator_rows:
                operators[operator] = {
                    "proposed": proposed,
                    "ok": ok or 0,
                    "improved": improved or 0,
                    "success_rate": (improved or 0) / proposed if proposed else None,
                }

            span_query = select(
                func.count(), func.min(ProgramRow.created_at), func.max(ProgramRow.created_at)
            ).where(ProgramRow.campaign_id == campaign.id)
            n_rows, first, last = session.execute(span_query).one()
            evaluated = counts["ok"] + counts["error"] + counts["timeout"]
            wall_seconds = None if n_rows == 0 else last - first
            rate = evaluated / wall_seconds if n_rows >= 2 and wall_seconds else None

            audit: dict[str, Any] = {by: {"audited": 0, "mismatched": 0} for by in DUPLICATE_BY}
            audited_total = mismatched_total = 0
            for by, audited, mismatched in session.execute(text(_AUDIT_SQL), where):
                key = by if by is not None else "unknown"
                audit[key] = {"audited": audited, "mismatched": mismatched or 0}
                audited_total += audited
                mismatched_total += mismatched or 0
            audit["collision_rate"] = mismatched_total / audited_total if audited_total else None

            best = func.min(ProgramRow.score) if campaign.direction == "min" else func.max(ProgramRow.score)
            best_score = session.scalar(
                select(best).where(
                    ProgramRow.campaign_id == campaign.id,
                    ProgramRow.status == Status.OK,
                    ProgramRow.operator.not_in(COPY_OPERATORS),
                )
            )

        return {
            "campaign": {
                "id": campaign.id,
                "name": campaign.name,
                "problem": campaign.problem,
                "direction": campaign.direction,
                "status": campaign.status,
            },
            "total": n_rows,
            "counts": counts,
            "duplicates_by": duplicates_by,
            "operators": operators,
            "wall_seconds": wall_seconds,
            "evaluations_per_second": rate,
            "audit": audit,
            "best_score": best_score,
            "llm": self._llm_stats(campaign.id),
            "arms": [self._arm_stats(arm) for arm in self.arms(campaign.id)],
        }

    @staticmethod
    def _arm_stats(arm: ArmRow) -> dict[str, Any]:
        return {
            "arm": arm.name, "pulls": arm.pulls, "successes": arm.successes,
            "success_rate": arm.successes / arm.pulls if arm.pulls else None, "reward": arm.reward,
            "cost_seconds": arm.cost, "mean_cost": arm.cost / arm.pulls if arm.pulls else None,
            "tokens": arm.tokens,
            "reward_per_second": arm.reward / arm.cost if arm.cost else None,
        }

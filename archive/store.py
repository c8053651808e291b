"""The :class:`Archive`: an SQLite store of every candidate of a campaign with its lineage.

One writer (the campaign driver) and any number of readers (notebooks, ``evolve status``) share one file in
WAL mode. Each query runs in its own short session, so a reader sees rows written since its previous call.
"""

from __future__ import annotations

import sqlite3
import time
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from sqlalchemy import Engine, func, insert, select, text, update
from sqlalchemy.dialects.sqlite import insert as sqlite_insert
from sqlalchemy.exc import OperationalError
from sqlalchemy.orm import Session, sessionmaker

from archive import integrity, queries
from archive.engine import check_schema, open_engine, writer_lock
from archive.integrity import Report
from archive.models import (
    ArmRow,
    CampaignRow,
    EdgeRow,
    LLMCallRow,
    ObjectiveRow,
    ProgramRow,
    VerdictRow,
)
from archive.records import ProgramRecord, bounded
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


_ARM_DEFAULTS: dict[str, Any] = {
    column.key: column.default.arg for column in ArmRow.__table__.columns if column.default is not None
}


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
        self._engine: Engine = open_engine(self.path, readonly)
        self._sessions = sessionmaker(self._engine, expire_on_commit=False)
        self._closed = False
        try:
            check_schema(self._engine, self.path, readonly)
        except BaseException:
            self.close()
            raise

    # -- sessions ---------------------------------------------------------------------------------------

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
            if queries.has_table(session, "objectives"):
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
        self._require_writable()
        with writer_lock(self.path, owner):
            yield

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
            if not queries.has_table(session, "arms"):
                return []
            campaign = self._campaign(session, campaign_id)
            query = select(ArmRow).where(ArmRow.campaign_id == campaign.id).order_by(text("rowid"))
            return list(session.scalars(query))

    def llm_calls(self, campaign_id: int | None = None, program_id: int | None = None) -> list[LLMCallRow]:
        """The LLM calls of a campaign (the latest when None), or of one program, in order.

        An archive written before LLM calls were recorded (schema 1) has none."""
        with self._session() as session:
            if not queries.has_table(session, "llm_calls"):
                return []
            query = select(LLMCallRow).order_by(LLMCallRow.id)
            if program_id is not None:
                query = query.where(LLMCallRow.program_id == program_id)
            else:
                query = query.where(LLMCallRow.campaign_id == self._campaign(session, campaign_id).id)
            return list(session.scalars(query))

    def add_verdict(self, program_id: int, passed: bool, score: float | None, detail: str,
                    metrics: dict[str, Any] | None = None, tolerance: float = 0.0) -> VerdictRow:
        """Record what a problem's independent check said of program ``program_id`` (KeyError if there is none);
        ``worse`` is set here: the check failed, or its ``score`` is worse than the search score by more than
        ``tolerance`` (its noise band, kept in the metrics). Detail and metrics are bounded (``records.bounded``)."""
        if not tolerance >= 0:  # NaN too
            raise ValueError(f"tolerance must be a non-negative number, got {tolerance!r}")
        self._require_writable()
        detail, kept = bounded(detail, {**(metrics or {}), "tolerance": float(tolerance)} if tolerance else metrics)
        with _full_disk_as_error(self.path), self._session() as session:
            program = session.get(ProgramRow, program_id)
            if program is None:
                raise KeyError(f"no program {program_id} in archive {self.path}")
            sign = 1.0 if session.get(CampaignRow, program.campaign_id).direction == "min" else -1.0
            worse = not passed or (score is not None and program.score is not None
                                   and sign * (score - program.score) > tolerance)
            row = VerdictRow(program_id=program_id, campaign_id=program.campaign_id, passed=bool(passed), score=score,
                             worse=bool(worse), detail=detail, metrics=kept, created_at=time.time())
            session.add(row)
            session.flush()
        return row

    def verdicts(self, campaign_id: int | None = None) -> dict[int, VerdictRow]:
        """The latest verdict of each checked program of a campaign (the latest when None), by program id;
        empty for an archive from before verdicts (schema < 4)."""
        with self._session() as session:
            if not queries.has_table(session, "verdicts"):
                return {}
            campaign = self._campaign(session, campaign_id)
            rows = session.scalars(select(VerdictRow).where(VerdictRow.campaign_id == campaign.id)
                                   .order_by(VerdictRow.id))
            return {row.program_id: row for row in rows}

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
            step_of = queries.primary_edges(session, program_id)
            chain, seen = [program_id], {program_id}
            while chain[-1] in step_of and step_of[chain[-1]][0] not in seen:
                chain.append(step_of[chain[-1]][0])
                seen.add(chain[-1])
            rows = queries.programs_by_id(session, chain)
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

    def rows_by_id(self, ids: Sequence[int]) -> dict[int, ProgramRow]:
        """The programs with these ids (any campaign), by id; ids with no program are left out."""
        with self._session() as session:
            return queries.programs_by_id(session, list(ids))

    def ancestors(self, program_id: int) -> list[tuple[int, int, str]]:
        """Return every edge ``(child_id, parent_id, role)`` reachable upward from a program, all roles.

        Ordered by child id (newest first), then parent id and role.
        """
        with self._session() as session:
            return queries.ancestor_edges(session, program_id)

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
            counts = queries.status_counts(session, campaign.id)
            n_rows, wall_seconds, rate = queries.throughput(session, campaign.id, counts)
            duplicates_by = queries.duplicate_counts(session, campaign.id)
            operators = queries.operator_stats(session, campaign.id, campaign.direction)
            audit = queries.audit_stats(session, campaign.id)
            best_score = queries.best_score(session, campaign.id, campaign.direction)
            llm = queries.llm_stats(session, campaign.id)
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
            "llm": llm,
            "arms": [queries.arm_stats(arm) for arm in self.arms(campaign.id)],
        }

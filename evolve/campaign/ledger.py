"""The ledger of a campaign: the hashes it has seen, what it has counted, and what each result becomes in the archive.

The driver's evaluators report :class:`evolve.evaluation.evaluator.Record`s; the ledger judges each one by the
campaign's one dedupe rule (:meth:`Ledger.original_of`), turns it into the :class:`archive.records.ProgramRecord`
the archive stores (:meth:`Ledger.judge`, the one row builder, for seeds and children alike, and for copies of
members) and keeps what later judgements need: the first program of each code and functional hash, the outcome of
every original, each program's generation. :meth:`Ledger.replay` rebuilds all of it from the archive alone, for a
resume.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Iterable
from typing import Any

from archive.records import ProgramRecord
from archive.vocabulary import COPY_OPERATORS, NOT_PROPOSALS, SEED, Status
from evolve.campaign.population import Member
from evolve.evaluation.evaluator import Record, Task

UNEVALUATED = "not evaluated: "
"""How the error of a program the driver stores as never evaluated begins (see :func:`unevaluated`)."""

FAILED = (Status.INVALID, Status.ERROR, Status.TIMEOUT)
EVALUATED = (Status.OK, Status.ERROR, Status.TIMEOUT)

Edge = tuple[int, int, str]


def unevaluated(rec: Record) -> Record:
    """``rec`` as the driver stores it when it is no duplicate of a program the campaign knows: an ``ok`` record
    with no score (one its evaluator skipped as a repeat of a program the campaign has no record of, or one from a
    broken evaluator) becomes an ``error`` that says so, since ``ok`` promises a score. Other records are kept."""
    if rec.status != Status.OK or rec.score is not None:
        return rec
    why = (f"its evaluator skipped it as a repeat (by its {rec.skipped} hash) of a program this campaign has no "
           "record of" if rec.skipped else "its evaluator reported it evaluated, with no score")
    return dataclasses.replace(rec, status=Status.ERROR, error=UNEVALUATED + why, metrics=None)


def can_be_original(status: str, score: float | None, error: str | None) -> bool:
    """Whether a stored program's hashes may stand for later repeats of it: not an invalid one (a repeat is judged
    again), not an ``ok`` one with no score, and not one never evaluated (a repeat of it must not be a duplicate of
    nothing). A failed one may: its repeats would fail too."""
    return (status != Status.INVALID and not (status == Status.OK and score is None)
            and not (status == Status.ERROR and (error or "").startswith(UNEVALUATED)))


def program_record(rec: Record, *, campaign_id: int, island: int, generation: int, operator: str,
                   created_at: float, source: str | None = None) -> ProgramRecord:
    """The archive row of ``rec`` as it stands (no dedupe decision): the one place a row is built."""
    return ProgramRecord(
        id=rec.id, campaign_id=campaign_id, source=rec.source or source or "", code_hash=rec.code_hash,
        func_hash=rec.func_hash, status=rec.status, score=rec.score, metrics=rec.metrics, error=rec.error,
        island=island, generation=generation, operator=operator, eval_seconds=rec.eval_seconds,
        created_at=created_at)


def _audit(rec: Record, outcome: tuple[str | None, float | None, Any]) -> dict[str, Any]:
    """What a duplicate that was evaluated anyway says about the hash that caught it."""
    o_status, o_score, o_metrics = outcome
    match = o_status == rec.status and (o_score == rec.score)
    # Which metrics differ tells a real collision (behaviour) from a cost-only difference, e.g. `x` and `x * 1.0`
    # are one function but not one op count.
    differs = sorted(k for k in set(o_metrics or {}) | set(rec.metrics or {})
                     if (o_metrics or {}).get(k) != (rec.metrics or {}).get(k))
    return {"audit": {"status": rec.status, "score": rec.score, "error": rec.error, "original_score": o_score,
                      "match": bool(match), "metrics_differ": differs}}


class Ledger:
    """What a campaign knows of its programs, as the archive holds them.

    Attributes:
        dedupe: whether repeats are duplicates (``Config.evaluation.dedupe``).
        code_seen, func_seen: hash -> id of the first program with it (the original of later repeats).
        code_log, func_log: the same hashes in the order learnt (evaluators are sent what they have not seen).
        outcome: original id -> (status, score, metrics), what an audit compares a repeat with.
        roots: program id -> the original it stands for (itself, or what it copies or repeats).
        generation: program id -> its generation.
        proposed: proposals made so far (seeds and copies are none).
        counts: proposals ``evaluated``, ``duplicates``, and failed ones by status.
        reset_mark: island -> the id of its last reset row (children dispatched before it are not members).
        next_id: the id the next program gets.
    """

    def __init__(self, dedupe: bool = True) -> None:
        self.dedupe = dedupe
        self.code_seen: dict[str, int] = {}
        self.func_seen: dict[str, int] = {}
        self.code_log: list[str] = []
        self.func_log: list[str] = []
        self.outcome: dict[int, tuple[str, float | None, Any]] = {}
        self.roots: dict[int, int] = {}
        self.generation: dict[int, int] = {}
        self.proposed = 0
        self.counts = {"evaluated": 0, "duplicates": 0, "invalid": 0, "error": 0, "timeout": 0}
        self.reset_mark: dict[int, int] = {}
        self.next_id = 1

    def take_id(self) -> int:
        """A fresh program id."""
        pid = self.next_id
        self.next_id += 1
        return pid

    def remember(self, code_hash: str | None, func_hash: str | None, root: int) -> None:
        """Make ``root`` the original of these hashes, unless they already have one."""
        if code_hash and code_hash not in self.code_seen:
            self.code_seen[code_hash] = root
            self.code_log.append(code_hash)
        if func_hash and func_hash not in self.func_seen:
            self.func_seen[func_hash] = root
            self.func_log.append(func_hash)

    def original_of(self, rec: Record) -> tuple[int, str] | None:
        """The campaign's one dedupe rule: ``(original id, "code" or "func")`` when ``rec`` repeats a program the
        campaign knows (by its code hash first), None when it is an original. Never with dedupe off, never for
        an invalid record (a repeat is judged again) nor one without a code hash."""
        if not self.dedupe or rec.status == Status.INVALID or not rec.code_hash:
            return None
        if rec.code_hash in self.code_seen:
            return self.code_seen[rec.code_hash], "code"
        if rec.func_hash and rec.func_hash in self.func_seen:
            return self.func_seen[rec.func_hash], "func"
        return None

    def judge(self, rec: Record, task: Task, *, campaign_id: int, island: int, created_at: float,
              edges: list[Edge], operator: str | None = None) -> ProgramRecord:
        """The archive row of ``rec``, the result of ``task``, with the campaign's decision: a duplicate of a
        known program, or an original whose hashes now stand for its repeats. Counts it (if a proposal), notes
        its generation and lineage (appended to ``edges``). ``operator`` overrides what made it (``seed``)."""
        operator = operator or rec.operator or task.operator or "gp"
        parents = task.parents
        generation = 0
        if parents:
            crossed = operator.endswith("crossover")
            generation = 1 + max(self.generation.get(p.id, 0) for p in parents[: 2 if crossed else 1])
            edges.append((task.id, parents[0].id, "parent"))
            if crossed and len(parents) > 1:
                edges.append((task.id, parents[1].id, "crossover"))
        self.generation[task.id] = generation
        proposal = operator not in NOT_PROPOSALS
        found = self.original_of(rec)
        if found is not None:
            original, kind = found
            if proposal:
                self.counts["duplicates"] += 1
            self.remember(rec.code_hash, rec.func_hash, original)
            self.roots[task.id] = original
            evaluated = rec.skipped is None or task.audit  # it was evaluated anyway: an audit of the hash
            audit = _audit(rec, self.outcome.get(original, (None, None, None))) if evaluated else None
            repeat = dataclasses.replace(rec, status=Status.DUPLICATE, score=None, metrics=audit, error=None)
            row = program_record(repeat, campaign_id=campaign_id, island=island, generation=generation,
                                 operator=operator, created_at=created_at, source=task.source)
            return row.replace(duplicate_of=original, duplicate_by=kind)
        rec = unevaluated(rec)
        self.roots[task.id] = task.id
        if can_be_original(rec.status, rec.score, rec.error):
            self.remember(rec.code_hash, rec.func_hash, task.id)
        self.outcome[task.id] = (rec.status, rec.score, rec.metrics)
        if proposal:
            if rec.status in EVALUATED:
                self.counts["evaluated"] += 1
            if rec.status != Status.OK:
                self.counts[rec.status] += 1
        return program_record(rec, campaign_id=campaign_id, island=island, generation=generation,
                              operator=operator, created_at=created_at, source=task.source)

    def copy(self, row: Member | ProgramRecord, *, campaign_id: int, island: int, operator: str,
             created_at: float) -> ProgramRecord:
        """The archive row of a copy of ``row`` (a population member, an ``ok`` program) onto ``island``: a
        ``migration`` or ``reset`` row with a fresh id that stands for the same original."""
        pid = self.take_id()
        self.roots[pid] = self.roots.get(row.id, row.id)
        self.generation[pid] = row.generation
        rec = Record(pid, row.source, operator, Status.OK, code_hash=row.code_hash, func_hash=row.func_hash,
                     score=row.score, metrics=row.metrics)
        return program_record(rec, campaign_id=campaign_id, island=island, generation=row.generation,
                              operator=operator, created_at=created_at).replace(eval_seconds=None)

    def replay(self, rows: Iterable[Any]) -> None:
        """Rebuild hashes, counts, roots, generations, outcomes and each island's last reset (``reset_mark``) from
        a campaign's stored rows (in id order), as judging them live did."""
        for r in rows:
            if r.operator == "reset" and r.island is not None:
                self.reset_mark[r.island] = r.id
            if r.operator not in NOT_PROPOSALS:
                self.proposed += 1
                if r.status == Status.DUPLICATE:
                    self.counts["duplicates"] += 1
                elif r.status in FAILED:
                    self.counts[r.status] += 1
                if r.status in EVALUATED:
                    self.counts["evaluated"] += 1
            root = r.duplicate_of if r.status == Status.DUPLICATE else r.id
            if r.operator in COPY_OPERATORS:
                root = self.code_seen.get(r.code_hash, r.id)
            self.roots[r.id] = root
            self.generation[r.id] = r.generation
            if r.status != Status.DUPLICATE and r.operator not in COPY_OPERATORS:
                self.outcome[r.id] = (r.status, r.score, r.metrics)
            if can_be_original(r.status, r.score, r.error):
                self.remember(r.code_hash, r.func_hash, root)


def seed_of(rows: Iterable[Any]) -> Any | None:
    """The first seed row among ``rows``, if any."""
    return next((r for r in rows if r.operator == SEED), None)


__all__ = ["UNEVALUATED", "Ledger", "can_be_original", "program_record", "seed_of", "unevaluated"]

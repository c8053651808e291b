"""SQLAlchemy models of the archive: campaigns, programs, the lineage edges between programs, LLM calls, what
the operator bandit knows and the verdicts of problems' independent checks.

The schema is versioned through SQLite's ``PRAGMA user_version`` (see :data:`SCHEMA_VERSION`); change it
with a migration in :mod:`archive.engine`, never by hand.
"""

from __future__ import annotations

from typing import Any

from sqlalchemy import JSON, Boolean, Float, ForeignKey, Index, Integer, String, Text
from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column

from archive.vocabulary import CampaignStatus

SCHEMA_VERSION = 4
"""Version of the schema written by this code, kept in ``PRAGMA user_version``.

1: campaigns, programs, edges. 2: adds ``llm_calls``. 3: adds ``arms`` and ``objectives``. 4: adds
``verdicts``."""

class Base(DeclarativeBase):
    """Declarative base of the archive's models."""

    def as_dict(self) -> dict[str, Any]:
        """Return the row's columns as a plain dict (e.g. for a pandas DataFrame)."""
        return {column.key: getattr(self, column.key) for column in self.__table__.columns}


class CampaignRow(Base):
    """One campaign: a run of the search on one problem with one config."""

    __tablename__ = "campaigns"

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    name: Mapped[str] = mapped_column(String)
    problem: Mapped[str] = mapped_column(String)
    config: Mapped[dict[str, Any]] = mapped_column(JSON)
    seed: Mapped[int | None] = mapped_column(Integer)
    direction: Mapped[str] = mapped_column(String)
    """'min' or 'max': which way the score improves."""
    created_at: Mapped[float] = mapped_column(Float)
    """Unix seconds."""
    status: Mapped[str] = mapped_column(String, default=CampaignStatus.RUNNING)
    """One of :class:`archive.vocabulary.CampaignStatus`."""

    def __repr__(self) -> str:
        return (
            f"CampaignRow(id={self.id}, name={self.name!r}, problem={self.problem!r}, "
            f"direction={self.direction!r}, status={self.status!r})"
        )


class ProgramRow(Base):
    """One candidate program and the outcome of its evaluation; failed and duplicates are kept too."""

    __tablename__ = "programs"

    # Ids are assigned by the campaign driver (Archive.next_program_id), so that edges can be written with
    # their programs in one batch.
    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=False)
    campaign_id: Mapped[int] = mapped_column(Integer, ForeignKey("campaigns.id"))
    source: Mapped[str] = mapped_column(Text)
    code_hash: Mapped[str | None] = mapped_column(String)
    func_hash: Mapped[str | None] = mapped_column(String)
    status: Mapped[str] = mapped_column(String)
    """One of :class:`archive.vocabulary.Status`."""
    duplicate_of: Mapped[int | None] = mapped_column(Integer, ForeignKey("programs.id"))
    """For a duplicate: the id of the first program with the same hash."""
    duplicate_by: Mapped[str | None] = mapped_column(String)
    """For a duplicate: 'code' or 'func', the hash that caught it."""
    score: Mapped[float | None] = mapped_column(Float)
    metrics: Mapped[dict[str, Any] | None] = mapped_column(JSON(none_as_null=True))
    error: Mapped[str | None] = mapped_column(Text)
    island: Mapped[int | None] = mapped_column(Integer)
    generation: Mapped[int] = mapped_column(Integer, default=0)
    operator: Mapped[str] = mapped_column(String)
    """What made it: 'seed', a GP operator, an LLM prompt kind, or a copy ('migration', 'reset')."""
    model: Mapped[str | None] = mapped_column(String)
    tokens_in: Mapped[int | None] = mapped_column(Integer)
    tokens_out: Mapped[int | None] = mapped_column(Integer)
    eval_seconds: Mapped[float | None] = mapped_column(Float)
    created_at: Mapped[float] = mapped_column(Float)
    """Unix seconds."""

    __table_args__ = (
        Index("ix_programs_best", "campaign_id", "status", "score"),
        Index("ix_programs_campaign", "campaign_id", "id"),
        Index("ix_programs_code_hash", "code_hash"),
        Index("ix_programs_func_hash", "func_hash"),
    )

    def __repr__(self) -> str:
        return (
            f"ProgramRow(id={self.id}, campaign_id={self.campaign_id}, status={self.status!r}, "
            f"score={self.score!r}, operator={self.operator!r}, island={self.island!r})"
        )


class EdgeRow(Base):
    """A lineage edge: ``parent_id`` took part in making ``child_id`` in the given role."""

    __tablename__ = "edges"

    child_id: Mapped[int] = mapped_column(Integer, ForeignKey("programs.id"), primary_key=True)
    parent_id: Mapped[int] = mapped_column(Integer, ForeignKey("programs.id"), primary_key=True)
    role: Mapped[str] = mapped_column(String, primary_key=True)
    """One of :class:`archive.vocabulary.Role`."""

    # The primary key (child_id, parent_id, role) is the index for walking from a child to its parents;
    # this one walks from a parent to its children.
    __table_args__ = (Index("ix_edges_parent", "parent_id", "child_id"),)

    def __repr__(self) -> str:
        return f"EdgeRow(child_id={self.child_id}, parent_id={self.parent_id}, role={self.role!r})"


class LLMCallRow(Base):
    """One call to a language model: the prompt, the answer (or the error) and its cost.

    ``program_id`` is the candidate the answer became; a call that failed, or whose answer held no usable
    program, still points at the ``invalid`` candidate recorded for it.
    """

    __tablename__ = "llm_calls"

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    campaign_id: Mapped[int] = mapped_column(Integer, ForeignKey("campaigns.id"))
    program_id: Mapped[int | None] = mapped_column(Integer, ForeignKey("programs.id"))
    model: Mapped[str] = mapped_column(String)
    mode: Mapped[str] = mapped_column(String)
    """The prompt kind: 'diff', 'full' or 'crossover'."""
    prompt: Mapped[list[dict[str, str]]] = mapped_column(JSON)
    """The chat messages sent."""
    response: Mapped[str | None] = mapped_column(Text)
    error: Mapped[str | None] = mapped_column(Text)
    tokens_in: Mapped[int] = mapped_column(Integer, default=0)
    tokens_out: Mapped[int] = mapped_column(Integer, default=0)
    latency: Mapped[float] = mapped_column(Float, default=0.0)
    """Seconds from the request to the answer, retries included."""
    attempts: Mapped[int] = mapped_column(Integer, default=1)
    created_at: Mapped[float] = mapped_column(Float)
    """Unix seconds."""

    __table_args__ = (
        Index("ix_llm_calls_campaign", "campaign_id", "id"),
        Index("ix_llm_calls_program", "program_id"),
    )

    def __repr__(self) -> str:
        return (f"LLMCallRow(id={self.id}, program_id={self.program_id}, model={self.model!r}, "
                f"mode={self.mode!r}, error={self.error!r})")


class ArmRow(Base):
    """What a campaign's operator bandit knows of one operator (a GP operator or an LLM prompt mode).

    Rewritten with every batch of results, in the same transaction, so it always matches the programs
    written; ``--resume`` reads it back. See :class:`evolve.campaign.bandit.Arm` for the fields.
    """

    __tablename__ = "arms"

    campaign_id: Mapped[int] = mapped_column(Integer, ForeignKey("campaigns.id"), primary_key=True)
    name: Mapped[str] = mapped_column(String, primary_key=True)
    pulls: Mapped[int] = mapped_column(Integer, default=0)
    successes: Mapped[int] = mapped_column(Integer, default=0)
    """Children that were evaluated, were no duplicate and beat their primary parent."""
    reward: Mapped[float] = mapped_column(Float, default=0.0)
    """Sum of the children's relative improvements over their parents
    (see :func:`evolve.campaign.bandit.improvement`)."""
    cost: Mapped[float] = mapped_column(Float, default=0.0)
    """Seconds charged to the arm in all."""
    tokens: Mapped[int] = mapped_column(Integer, default=0)
    alpha: Mapped[float] = mapped_column(Float, default=0.0)
    beta: Mapped[float] = mapped_column(Float, default=0.0)
    weight: Mapped[float] = mapped_column(Float, default=0.0)
    weighted_cost: Mapped[float] = mapped_column(Float, default=0.0)

    def __repr__(self) -> str:
        return f"ArmRow(campaign_id={self.campaign_id}, name={self.name!r}, pulls={self.pulls})"


class ObjectiveRow(Base):
    """One objective of a campaign's problem: a metric and its direction, for multi-objective views (the
    Pareto front). A campaign without rows here has its score as its one objective."""

    __tablename__ = "objectives"

    campaign_id: Mapped[int] = mapped_column(Integer, ForeignKey("campaigns.id"), primary_key=True)
    position: Mapped[int] = mapped_column(Integer, primary_key=True)
    name: Mapped[str] = mapped_column(String)
    """A key of the programs' ``metrics`` (or 'score')."""
    direction: Mapped[str] = mapped_column(String)
    """'min' or 'max'."""

    def __repr__(self) -> str:
        return f"ObjectiveRow(campaign_id={self.campaign_id}, name={self.name!r}, direction={self.direction!r})"


class VerdictRow(Base):
    """What a problem's independent check (:attr:`evolve.problem.Problem.verify`) said of one program, when.

    A program checked again (another ``evolve verify``) gets another row; the latest is its verdict.
    """

    __tablename__ = "verdicts"

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    program_id: Mapped[int] = mapped_column(Integer, ForeignKey("programs.id"))
    campaign_id: Mapped[int] = mapped_column(Integer, ForeignKey("campaigns.id"))
    passed: Mapped[bool] = mapped_column(Boolean)
    score: Mapped[float | None] = mapped_column(Float)
    """The program's figure under the check (the search score's units and direction), if it gives one."""
    worse: Mapped[bool] = mapped_column(Boolean)
    """The check did not pass, or its figure is worse than the search score: the search overrated the program."""
    detail: Mapped[str] = mapped_column(Text)
    metrics: Mapped[dict[str, Any] | None] = mapped_column(JSON(none_as_null=True))
    created_at: Mapped[float] = mapped_column(Float)

    def __repr__(self) -> str:
        return (f"VerdictRow(program_id={self.program_id}, passed={self.passed}, score={self.score!r}, "
                f"worse={self.worse})")

"""The words the archive and the engine share: a candidate's status, a campaign's, the roles of lineage edges,
which hash caught a duplicate, the operators that copy rather than propose.

Dependency-free (the standard library only), so that :mod:`evolve` and :mod:`archive` both import it without
either importing the other, and without SQLAlchemy, Ray or JAX. The enums are ``StrEnum``: a member equals its
string, so the archive stores, and old archives hold, plain text.
"""

from __future__ import annotations

from enum import StrEnum


class Status(StrEnum):
    """Outcome of a candidate."""

    OK = "ok"
    """Evaluated, with a score."""
    INVALID = "invalid"
    """Rejected before it ran (the static check, the problem's own check, a source too long)."""
    ERROR = "error"
    """Raised, returned what the problem refuses, or went over its memory limit."""
    TIMEOUT = "timeout"
    """Ran past its time or CPU limit."""
    DUPLICATE = "duplicate"
    """Seen before, by its code or by its behaviour: not evaluated again."""


class CampaignStatus(StrEnum):
    """Lifecycle of a campaign."""

    RUNNING = "running"
    FINISHED = "finished"
    STOPPED = "stopped"
    FAILED = "failed"


class Role(StrEnum):
    """Role of a parent in the making of a child (the ``role`` of a lineage edge)."""

    PARENT = "parent"
    INSPIRATION = "inspiration"
    CROSSOVER = "crossover"
    MIGRATION = "migration"


class DuplicateBy(StrEnum):
    """Which hash caught a duplicate: the normalised-AST code hash or the functional hash."""

    CODE = "code"
    FUNC = "func"


STATUSES: tuple[str, ...] = tuple(Status)
"""Every :class:`Status`, in order."""

CAMPAIGN_STATUSES: tuple[str, ...] = tuple(CampaignStatus)
"""Every :class:`CampaignStatus`, in order."""

ROLES: tuple[str, ...] = tuple(Role)
"""Every :class:`Role`, in order."""

DUPLICATE_BY: tuple[str, ...] = tuple(DuplicateBy)
"""Every :class:`DuplicateBy`, in order."""

DIRECTIONS: tuple[str, ...] = ("min", "max")
"""Whether a campaign minimises or maximises its score."""

COPY_OPERATORS: tuple[str, ...] = ("migration", "reset")
"""Operators that copy an existing program onto another island rather than propose a new one."""

SEED = "seed"
"""The operator of a campaign's seed programs (the problem's seed and its extra seeds)."""

NOT_PROPOSALS: tuple[str, ...] = (SEED, *COPY_OPERATORS)
"""Operators whose programs are not proposals of the search (counted apart from its budget)."""

LLM_PREFIX = "llm-"
"""The prefix of an LLM prompt mode's operator and arm (``llm-diff``), as opposed to a GP operator."""


def arm_of(operator: str) -> str:
    """The bandit arm an archived operator name belongs to: ``insert_term+tune`` -> ``insert_term``."""
    return operator.split("+", 1)[0]


def is_llm_arm(arm: str) -> bool:
    """Whether the arm is an LLM prompt mode (``llm-diff``...), as opposed to a GP operator."""
    return arm.startswith(LLM_PREFIX)

__all__ = ["CAMPAIGN_STATUSES", "COPY_OPERATORS", "DIRECTIONS", "DUPLICATE_BY", "LLM_PREFIX", "NOT_PROPOSALS",
           "ROLES", "SEED", "STATUSES", "CampaignStatus", "DuplicateBy", "Role", "Status", "arm_of", "is_llm_arm"]

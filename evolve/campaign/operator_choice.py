"""Which proposer makes the next child: a GP operator or an LLM prompt mode, chosen by a bandit or by weight.

:class:`OperatorChoice` holds the campaign's portfolio of arms (the GP operators that apply to the problem, and an
``llm-<mode>`` arm per prompt mode when an LLM proposes) and the :class:`evolve.campaign.bandit.OperatorBandit` over
them; it picks the next arm (:meth:`OperatorChoice.next`), within what the LLM's queue allows now, and tells the
bandit how each child did and what it cost (:meth:`OperatorChoice.reward`).
"""

from __future__ import annotations

import time
from typing import Any

import numpy as np

from archive.records import ProgramRecord
from archive.vocabulary import LLM_PREFIX, NOT_PROPOSALS, Status, arm_of, is_llm_arm
from evolve.campaign.bandit import OperatorBandit, improvement
from evolve.campaign.llm_queue import LLMQueue
from evolve.config import Config
from evolve.evaluation.evaluator import Record, Task
from evolve.mutators.registry import portfolio as gp_portfolio
from evolve.problem import Problem


class NoOperator(ValueError):
    """No operator can act on the problem with the configured weights, and no LLM proposes."""


class OperatorChoice:
    """The arms of a campaign with ``config`` on ``problem`` and the bandit over them (``state``: the stored rows
    of its arms, for a resume); ``llm`` says whether an LLM call may start now. Raises :class:`NoOperator` when
    the portfolio is empty."""

    def __init__(self, config: Config, problem: Problem, llm: LLMQueue, state: list[dict[str, Any]]) -> None:
        self.config = config
        self.problem = problem
        self.llm = llm
        self.gp_arms = gp_portfolio(problem, config.bandit.weights or None)
        self.llm_arms = ([LLM_PREFIX + m for m, w in config.llm.modes.items() if w > 0]
                         if config.resolved_mutator != "gp" else [])
        if not self.gp_arms + self.llm_arms:
            raise NoOperator(
                f"no operator can act on problem {problem.name!r} with operator_weights "
                f"{dict(config.bandit.weights)}: give a positive weight to an operator that applies (see "
                "evolve.mutators.registry.portfolio), or configure an LLM")
        self.bandit = OperatorBandit(self.gp_arms + self.llm_arms, decay=config.bandit.decay, state=state)

    def next(self, rng: np.random.Generator) -> tuple[str, str | None]:
        """What makes the next child: ``("llm", mode)``, ``("gp", operator)`` (operator None: the evaluator
        draws one by weight), or ``("wait", None)`` when a pure LLM campaign has as many calls queued as it
        may."""
        cfg = self.config
        # A down endpoint (or one that asked us to wait) gets no calls: GP proposes meanwhile.
        llm_open = self.llm.available(time.monotonic())
        # Pure LLM waits for answers; mixed fills the slot with GP meanwhile.
        llm_full = self.llm.full()
        pure_llm = cfg.resolved_mutator == "llm"
        if pure_llm and llm_open and llm_full:
            return "wait", None
        if not self.gp_arms and not llm_open:
            return "wait", None  # nothing else can propose: wait for the endpoint
        if cfg.bandit.choice == "bandit":
            if llm_open and pure_llm:
                allowed = self.llm_arms
            elif llm_open and not llm_full:
                allowed = self.gp_arms + self.llm_arms
            else:
                allowed = self.gp_arms
            arm = self.bandit.choose(rng, allowed)
            return ("llm", arm[len(LLM_PREFIX):]) if is_llm_arm(arm) else ("gp", arm)
        if llm_open and not llm_full and (pure_llm or bool(rng.random() < cfg.llm.share)):
            return "llm", self.llm.draw_mode(rng)
        return "gp", None

    def reward(self, row: ProgramRecord, rec: Record, task: Task) -> None:
        """Tell the bandit how the child of ``task`` (stored as ``row``) did and what it cost."""
        cfg = self.config
        operator = row.operator
        if operator in NOT_PROPOSALS:
            return
        if operator == "gp" and task.operator:  # the evaluator died before it could say what it made
            operator = task.operator
        parent = task.parents[0] if task.parents else None
        reward = 0.0
        if row.status == Status.OK and row.score is not None and parent is not None and parent.score is not None:
            reward = improvement(self.problem.key(parent.score), self.problem.key(row.score))
        tokens, call_seconds = self.llm.cost(task.id)
        seconds = 1.0 if cfg.bandit.cost == "proposals" else rec.eval_seconds + call_seconds
        seconds += tokens * cfg.bandit.seconds_per_token
        for tried in rec.meta.get("not_applicable", {}):
            self.bandit.update(tried, 0.0, 0.0)
        self.bandit.update(arm_of(operator), reward, seconds, tokens)


__all__ = ["NoOperator", "OperatorChoice"]

"""The LLM proposer's queue: the calls under way, the budgets of calls and tokens, the endpoint's health.

The campaign asks :class:`LLMQueue` for a child by starting a call (:meth:`LLMQueue.start`, through an
:class:`evolve.mutators.llm.LLMMutator` per prompt mode) and takes the answers back as tasks for the evaluators in
the order the calls were started (:meth:`LLMQueue.ready`); an answer with no usable program becomes an ``invalid``
record (:meth:`LLMQueue.take_failed`). Every call is kept for the archive's ``llm_calls`` table until its
program is written (:meth:`LLMQueue.pop_call`). A campaign whose problem calls an LLM also gets its endpoint here
(the embedded local server when it names none).
"""

from __future__ import annotations

import time
from collections import deque
from collections.abc import Sequence
from typing import Any

import numpy as np

from archive import Archive
from archive.records import ProgramRecord
from archive.vocabulary import LLM_PREFIX, Status
from evolve.campaign.ledger import UNEVALUATED
from evolve.campaign.population import Member
from evolve.config import Config
from evolve.evaluation import row_limits
from evolve.evaluation.evaluator import Record, Task
from evolve.llm.evaluation import calls_llm
from evolve.llm.health import LLMHealth
from evolve.mutators.base import Parent
from evolve.mutators.llm import LLMMutator, LLMParseError, LLMPending
from evolve.problem import Problem

RECENT_ERRORS = 3
"""Errors of recent failed LLM children shown in the next prompts."""


def candidate_seed(seed: int, program_id: int) -> int:
    """The seed of the random generator of candidate ``program_id`` in a campaign seeded ``seed``."""
    return int(np.random.SeedSequence([seed, program_id]).generate_state(1)[0])


class LLMQueue:
    """The LLM side of a campaign on ``problem`` with ``config``; ``spent`` starts at what ``archive`` records
    for ``campaign_id`` (a resume's budgets count the calls made before the stop). Nothing is started before
    :meth:`open`; :meth:`close` stops the client and the local server."""

    def __init__(self, config: Config, problem: Problem, archive: Archive, campaign_id: int | None) -> None:
        self.config = config
        self.problem = problem
        self.mutators: dict[str, LLMMutator] = {}
        """The LLM as a proposer, one per prompt mode (empty unless the campaign proposes with an LLM)."""
        self.client: Any = None
        self.local_server: Any = None
        self.endpoint: tuple[str, str] | None = None
        """``(base_url, model)`` of the endpoint, also the evaluators' when the problem calls an LLM."""
        self.pending: deque[tuple[LLMPending, int]] = deque()
        self.failed: list[tuple[Record, Task]] = []
        self.calls: dict[int, dict[str, Any]] = {}
        self.recent_errors: deque[str] = deque(maxlen=RECENT_ERRORS)
        self.spent = {"calls": 0, "tokens": 0}
        if campaign_id is not None:
            for call in archive.llm_calls(campaign_id):
                self.spent["calls"] += 1
                self.spent["tokens"] += call.tokens_in + call.tokens_out
        self.spent_before = dict(self.spent)  # rates on the progress bar are this run's
        self.health = LLMHealth(pause=config.llm.pause, max_pause=max(config.llm.pause, 120.0))
        modes = {m: w for m, w in config.llm.modes.items() if w > 0}
        self.mode_names = list(modes)
        weights = np.array(list(modes.values()), dtype=float)
        self.mode_p = weights / weights.sum() if modes else weights

    def open(self) -> None:
        """Start what the campaign needs: the local server (a problem that calls an LLM gets the embedded model
        when the campaign names no endpoint) and the client, when the campaign proposes with an LLM."""
        cfg = self.config
        if cfg.resolved_mutator == "gp" and not calls_llm(self.problem):
            return
        base_url, model = cfg.llm.base_url or "local", cfg.llm.model
        if base_url == "local":  # the embedded model: a server of our own on loopback, for this run
            from evolve.llm.local import LocalServer

            self.local_server = LocalServer(cfg.llm.local_command).start()
            base_url, model = self.local_server.url, self.local_server.alias
        self.endpoint = (base_url, model)
        if cfg.resolved_mutator == "gp":
            return
        from evolve.llm.client import LLMClient, LLMSettings

        self.client = LLMClient(LLMSettings(
            base_url=base_url, model=model, api_key_env=cfg.llm.api_key_env,
            temperature=cfg.llm.temperature, max_tokens=cfg.llm.max_tokens, in_flight=cfg.llm.in_flight,
            deadline=cfg.llm.deadline, retries=cfg.llm.retries), seed=cfg.seed)
        self.mutators = {mode: LLMMutator(self.client, mode) for mode in self.mode_names}

    def close(self) -> None:
        """Stop the client (calls under way end within their deadline) and the local server."""
        if self.client is not None:
            self.client.close()
        if self.local_server is not None:
            self.local_server.stop()

    # ------------------------------------------------------------------ whether to call
    @property
    def proposing(self) -> bool:
        """Whether the campaign proposes with an LLM (its client is open)."""
        return self.client is not None

    def budget_left(self) -> bool:
        """Whether the budgets of calls and tokens allow another call."""
        cfg, spent = self.config, self.spent
        return not ((cfg.llm.max_calls is not None and spent["calls"] >= cfg.llm.max_calls) or (
            cfg.llm.token_budget is not None and spent["tokens"] >= cfg.llm.token_budget))

    def available(self, now: float) -> bool:
        """Whether a call may start at ``now``: an LLM proposes, within budget, and its endpoint is up."""
        return self.proposing and self.budget_left() and self.health.available(now)

    def paused(self, now: float) -> bool:
        """Whether only the endpoint's pause (down, or it asked to wait) keeps a call from starting."""
        return self.proposing and self.budget_left() and not self.health.available(now)

    def full(self) -> bool:
        """Whether calls queue as deep as they may (an endpoint slower than the evaluators must not pile up)."""
        return len(self.pending) >= 2 * self.config.llm.in_flight

    def draw_mode(self, rng: np.random.Generator) -> str:
        """A prompt mode drawn by ``llm_modes``."""
        return self.mode_names[int(rng.choice(len(self.mode_names), p=self.mode_p))]

    # ------------------------------------------------------------------ calls
    def start(self, pid: int, parents: Sequence[Member], inspirations: Sequence[Member], mode: str) -> None:
        """Ask for child ``pid`` of ``parents`` (population members) in ``mode``, ``inspirations`` shown."""
        as_parents = tuple(Parent(m.id, m.source, m.score, m.metrics) for m in parents)
        shown = [Parent(m.id, m.source, m.score, m.metrics) for m in inspirations]
        self.spent["calls"] += 1
        self.health.started()
        pending = self.mutators[mode].start(as_parents, self.problem, None, shown, list(self.recent_errors))
        self.pending.append((pending, pid))

    def has_answer(self) -> bool:
        """Whether the oldest call has ended."""
        return bool(self.pending) and self.pending[0][0].done()

    def ready(self, limit: int) -> list[Task]:
        """Turn ended calls (in the order they were started) into up to ``limit`` tasks; unusable answers become
        ``invalid`` records for :meth:`take_failed`."""
        tasks: list[Task] = []
        while self.pending and len(tasks) < limit and self.pending[0][0].done():
            pending, pid = self.pending.popleft()
            call = pending.call
            self.health.record(call.ok, time.monotonic(), call.retry_after)
            self.spent["tokens"] += call.tokens_in + call.tokens_out
            operator = LLM_PREFIX + pending.mode
            self.calls[pid] = {
                "campaign_id": None, "program_id": pid, "model": call.model, "mode": pending.mode,
                "prompt": call.messages, "response": row_limits.cut(call.text, row_limits.RESPONSE_CHARS),
                "error": row_limits.cut(call.error, row_limits.ERROR_CHARS), "tokens_in": call.tokens_in,
                "tokens_out": call.tokens_out, "latency": call.latency, "attempts": call.attempts,
                "_inspirations": [p.id for p in pending.inspirations],
            }
            seed = candidate_seed(self.config.seed, pid)
            try:
                proposal = self.mutators[pending.mode].finish(pending)
            except LLMParseError as exc:
                task = Task(id=pid, parents=pending.parents, seed=seed, operator=operator)
                self.failed.append((Record(pid, "", operator, Status.INVALID, error=str(exc)), task))
                continue
            tasks.append(Task(id=pid, parents=pending.parents, seed=seed, source=proposal.source,
                              operator=proposal.operator, meta=dict(proposal.meta)))
        return tasks

    def take_failed(self) -> list[tuple[Record, Task]]:
        """The records of answers with no usable program, and their tasks, since the last call."""
        failed, self.failed = self.failed, []
        return failed

    def cost(self, pid: int) -> tuple[int, float]:
        """Tokens and endpoint seconds the call that proposed ``pid`` took (none for a GP child)."""
        call = self.calls.get(pid)
        if call is None:
            return 0, 0.0
        # Calls overlap with each other and with evaluation: one holds 1 / in_flight of the endpoint.
        return call["tokens_in"] + call["tokens_out"], call["latency"] / self.config.llm.in_flight

    def pop_call(self, pid: int, campaign_id: int) -> dict[str, Any] | None:
        """The ``llm_calls`` row of the call that proposed ``pid`` (None for a GP child), and the ids of the
        inspirations it showed under ``"_inspirations"``; forgotten here."""
        call = self.calls.pop(pid, None)
        if call is not None:
            call["campaign_id"] = campaign_id
        return call

    def learn(self, row: ProgramRecord) -> None:
        """Note the error of an LLM child that failed, for the next prompts (not one the LLM did not cause)."""
        if (row.status in (Status.INVALID, Status.ERROR, Status.TIMEOUT) and row.error
                and row.operator.startswith("llm") and not row.error.startswith(UNEVALUATED)):
            self.recent_errors.append(row.error)

    def postfix(self, elapsed: float) -> str:
        """Calls and tokens spent, and this run's rates, for the progress bar (empty unless an LLM proposes)."""
        if not self.proposing:
            return ""
        spent, before = self.spent, self.spent_before
        elapsed = max(elapsed, 1e-9)
        return (f" llm_calls={spent['calls']} ({(spent['calls'] - before['calls']) / elapsed:.2f}/s)"
                f" tokens={spent['tokens']} ({(spent['tokens'] - before['tokens']) / elapsed:.0f}/s)")


__all__ = ["LLMQueue", "candidate_seed"]

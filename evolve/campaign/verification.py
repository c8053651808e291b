"""The verification stage: a problem's independent check (:attr:`evolve.problem.Problem.verify`) run on a
campaign's best programs and its Pareto front, each verdict stored in the archive beside the program's score.

A search score is what the search measured to choose between candidates; the check is stricter and independent
of it (an exhaustive re-measurement, fresh held-out episodes, symbolic equivalence to a known law). A verdict
that did not pass, or whose figure is worse than the search score, marks the program as overrated. ``evolve
verify DB`` runs the stage on a finished campaign, in an evaluator process of its own, confined as a campaign's
evaluators are: the programs are candidates' code, as hostile as ever.
"""

from __future__ import annotations

import contextlib
import os
import socket
import time
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

from evolve.problem import Verdict

TOP = 5
"""Best programs checked by default, beside the Pareto front."""


FRONT = 20
"""Pareto-front programs checked at most (a front of many objectives can hold hundreds)."""


def chosen(archive: Any, campaign_id: int | None = None, top: int = TOP, front: int = FRONT) -> list[Any]:
    """The programs a campaign's verification checks: its ``top`` best, then up to ``front`` more of its Pareto
    front (on its own objectives, in the front's order), each once."""
    rows = {r.id: r for r in archive.best(top, campaign_id)}
    for r in [r for r in archive.front(campaign_id) if r.id not in rows][:front]:
        rows[r.id] = r
    return list(rows.values())


def verify_rows(archive: Any, rows: list[Any], check: Callable[[str, dict[str, Any]], Verdict],
                on_verdict: Callable[[Any, Any], None] | None = None) -> list[Any]:
    """Check each program of ``rows`` with ``check(source, metrics) -> Verdict`` and store its verdict; returns the
    stored verdict rows (``on_verdict(program_row, verdict_row)`` is called after each, for progress)."""
    stored = []
    for row in rows:
        verdict = check(row.source, dict(row.metrics or {}))
        score = None if verdict.score is None else float(verdict.score)
        saved = archive.add_verdict(row.id, bool(verdict.passed), score, str(verdict.detail), verdict.metrics,
                                    float(verdict.tolerance))
        stored.append(saved)
        if on_verdict is not None:
            on_verdict(row, saved)
    return stored


@contextlib.contextmanager
def llm_endpoint(problem: Any, config: Any, llm: str | None) -> Iterator[tuple[dict[str, str], tuple[int, ...]]]:
    """For a problem whose check calls an LLM (:class:`evolve.llm.evaluation.LLMEvaluation`): the environment
    that tells the evaluator its endpoint and the TCP port the evaluator may reach, for the life of the block;
    ``llm`` (a base URL, or ``"local"`` for the embedded model, started here and stopped after) overrides the
    campaign's own endpoint (``config.llm``). Nothing for any other problem."""
    from evolve.campaign.pool import endpoint_ports
    from evolve.llm.evaluation import LLM_BASE_URL_ENV, LLM_MODEL_ENV, calls_llm

    if not calls_llm(problem):
        yield {}, ()
        return
    base_url, model, server = llm or config.llm.base_url or "local", config.llm.model, None
    if base_url == "local":
        from evolve.llm.local import LocalServer

        server = LocalServer(config.llm.local_command).start()
        base_url, model = server.url, server.alias
    try:
        yield {LLM_BASE_URL_ENV: base_url, LLM_MODEL_ENV: model}, endpoint_ports((base_url, model))
    finally:
        if server is not None:
            server.stop()


def verify_archive(db: str, campaign_id: int | None = None, top: int = TOP,
                   on_verdict: Callable[[Any, Any], None] | None = None, llm: str | None = None) -> list[Any]:
    """``evolve verify DB``: rebuild the problem of a campaign (the latest when None) from what the archive
    stored, start one confined evaluator for it, check the campaign's :func:`chosen` programs and store the
    verdicts. A problem whose check calls an LLM calls the campaign's endpoint, or ``llm`` (:func:`llm_endpoint`).

    Raises:
        FileNotFoundError: there is no archive at ``db``.
        ValueError: the problem has no ``verify`` check.
        archive.ArchiveBusy: a campaign is writing the archive (verdicts wait until it ends).
    """
    from archive import Archive
    from evolve.config import Config
    from evolve.problem import load_problem
    from evolve.sandbox.runner import ConfinedEvaluator

    if not Path(db).is_file():  # opened writable, a missing archive would be created empty
        raise FileNotFoundError(f"no archive at {db}: give the --db of a campaign that ran")
    archive = Archive(db)
    try:
        owner = f"evolve verify, pid {os.getpid()} on {socket.gethostname()}, since {time.strftime('%H:%M:%S')}"
        with archive.writer(owner):
            campaign = archive.campaign(campaign_id)
            config = Config.from_dict(campaign.config)
            problem = load_problem(config.problem, **config.problem_options)
            if problem.verify is None:
                raise ValueError(f"problem {problem.name!r} has no verify check: its module gives no "
                                 "Problem.verify, so there is nothing independent to run")
            rows = chosen(archive, campaign.id, top)
            with llm_endpoint(problem, config, llm) as (env, ports):
                evaluator = ConfinedEvaluator(problem.spec if problem.spec is not None else problem,
                                              confine=config.sandbox.os, isolated=True, env=env, tcp_ports=ports,
                                              memory_limit=config.sandbox.memory_limit,
                                              cpu_seconds=config.sandbox.cpu_limit)
                try:
                    return verify_rows(archive, rows, evaluator.verify, on_verdict)
                finally:
                    evaluator.close()
    finally:
        archive.close()


__all__ = ["FRONT", "TOP", "chosen", "llm_endpoint", "verify_archive", "verify_rows"]

"""The evaluator pool: Ray actors that make and evaluate candidates, kept busy, replaced when they fail.

:class:`EvaluatorPool` starts Ray (or joins a cluster) and one evaluator per worker, each a
:class:`evolve.sandbox.runner.ConfinedEvaluator` whose candidates run in a process the kernel confines. Each batch
of tasks goes to the evaluator with the fewest batches queued, and :meth:`EvaluatorPool.collect` hands back
whichever batch finishes first, so one slow batch does not idle the other evaluators. With
``evaluation.ordered`` the batches go round-robin and come back in the order they were sent, so a seeded campaign
replays the same way. Each batch goes out with the hashes its evaluator has not been told yet (from the
campaign's :class:`evolve.campaign.ledger.Ledger`). An evaluator that hangs in native code or dies costs its batch
a quarantine (:meth:`EvaluatorPool.quarantine`: its tasks again, one at a time, on fresh evaluators), never the
campaign.
"""

from __future__ import annotations

import logging
import os
import shutil
import time
import urllib.parse
import warnings
from collections import deque
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np

from archive.vocabulary import Status
from evolve.campaign.ledger import Ledger
from evolve.config import Config
from evolve.evaluation.evaluator import Record, Task
from evolve.llm.evaluation import LLM_BASE_URL_ENV, LLM_MODEL_ENV, calls_llm
from evolve.problem import Problem
from evolve.programs import program
from evolve.sandbox.limits import blank_secrets, death_note, note_folder, read_note
from evolve.sandbox.runner import ConfinedEvaluator

log = logging.getLogger(__name__)

START_TIMEOUT = 180.0
"""Seconds an evaluator may take to start (process, imports, problem set-up) before it counts as dead."""
MARGIN = 2.0
"""Seconds a batch may take beyond its candidates' allowance before its evaluator counts as hung."""


@dataclass
class Batch:
    """Tasks sent to evaluator ``worker`` at time ``dispatched``; ``ref`` is the Ray reference of its records."""

    tasks: list[Task]
    worker: int
    ref: Any
    dispatched: float


def _code_hash_or_none(source: str | None) -> str | None:
    try:
        return program.code_hash(source) if source else None
    except program.ProgramError:
        return None


class EvaluatorPool:
    """``config.evaluation.workers`` evaluators of ``problem``, each candidate allowed ``timeout`` seconds.

    Nothing starts before :meth:`start`; :meth:`shutdown` stops the evaluators, Ray (if the pool started it) and
    removes the campaign's private folder. ``on_time(phase, seconds)`` is told the time spent waiting for
    results.
    """

    def __init__(self, problem: Problem, config: Config, timeout: float, ledger: Ledger,
                 on_time: Callable[[str, float], None] = lambda phase, seconds: None) -> None:
        self.problem = problem
        self.config = config
        self.timeout = timeout
        self.ledger = ledger
        self.on_time = on_time
        self.ray: Any = None
        self.owns_ray = False
        self.actor_cls: Any = None
        self.actor_args: tuple[Any, ...] = ()
        self.actor_kwargs: dict[str, Any] = {}
        self.actors: list[Any] = []
        self.actor_pids: list[int] = []
        self.sent_code = [0] * config.evaluation.workers
        self.sent_func = [0] * config.evaluation.workers
        self.restarts = 0
        """Evaluators replaced (one that hung in native code, died, or was killed from outside)."""
        self.note_folder: Path | None = None
        self.confinement: Any = None
        """What the kernel enforces on candidates (an :class:`evolve.sandbox.confine.Confinement`), once started."""
        self.inflight: deque[Batch] = deque()
        self.free_at = [0.0] * config.evaluation.workers
        self.slot = 0
        self.ema_item = 0.1
        """Smoothed seconds per candidate, for the deadline of a batch."""

    # ------------------------------------------------------------------ start and stop
    def start_ray(self, llm_endpoint: tuple[str, str] | None) -> None:
        """Make the campaign's private folder, start Ray (unless it runs) and prepare the evaluators' options;
        ``llm_endpoint`` is ``(base_url, model)`` for a problem whose evaluation calls an LLM."""
        import ray

        cfg = self.config
        self.note_folder = note_folder()  # removed by shutdown
        self.ray = ray
        if not ray.is_initialized():
            kwargs: dict[str, Any] = {"include_dashboard": False, "log_to_driver": False,
                                      "logging_level": logging.ERROR}
            with warnings.catch_warnings():
                # Ray starts its processes with fork+exec, which Python flags once JAX has threads;
                # the exec follows at once, so the deadlock it warns about cannot happen.
                warnings.filterwarnings("ignore", message=r"os\.fork\(\) was called", category=RuntimeWarning)
                if cfg.evaluation.ray_address:
                    ray.init(address=cfg.evaluation.ray_address, **kwargs)
                else:
                    cpus = max(os.cpu_count() or 1, int(np.ceil(cfg.evaluation.workers * cfg.evaluation.worker_cpus)))
                    # "local": always a fresh instance of our own, never a cluster someone left running.
                    ray.init(address="local", num_cpus=cpus, **kwargs)
            self.owns_ray = True
        opts: dict[str, Any] = {"num_cpus": cfg.evaluation.worker_cpus, "max_restarts": 0}
        if cfg.evaluation.worker_gpus:
            opts["num_gpus"] = cfg.evaluation.worker_gpus
        # Evaluators inherit the driver's environment: its secrets (the LLM key among them) are blanked there,
        # and the evaluator removes what else it does not need (evolve.sandbox.limits). Candidates never need a key; an
        # LLM-calling problem's own calls go to the endpoint without it.
        keep = tuple(cfg.sandbox.keep_env)
        env_vars = blank_secrets(os.environ, keep)
        if cfg.resolved_mutator != "gp" or calls_llm(self.problem):
            env_vars[cfg.llm.api_key_env] = ""
        endpoint = llm_endpoint if calls_llm(self.problem) else None
        if endpoint is not None:
            env_vars[LLM_BASE_URL_ENV], env_vars[LLM_MODEL_ENV] = endpoint
        if env_vars:
            opts["runtime_env"] = {"env_vars": env_vars}
        self.actor_cls = ray.remote(ConfinedEvaluator).options(**opts)
        self.actor_args = (self.problem.spec if self.problem.spec is not None else self.problem,)
        self.actor_kwargs = {
            "dedupe": cfg.evaluation.dedupe,
            "operator_weights": dict(cfg.bandit.weights),
            "tune_steps": cfg.evaluation.tune_steps,
            "timeout": self.timeout,
            "compile_cache": cfg.evaluation.compile_cache,
            "isolated": True,
            "memory_limit": cfg.sandbox.memory_limit,
            "cpu_seconds": cfg.sandbox.cpu_limit,
            "keep_env": keep,
            "note_folder": str(self.note_folder),
            # Candidates run in a child process the kernel confines (evolve.sandbox.runner): it may write in the
            # campaign's private folder only (its TMPDIR, where the death notes go too), and reach no network
            # but an LLM-calling problem's endpoint.
            "scratch": str(self.note_folder),
            "tcp_ports": endpoint_ports(endpoint),
            "confine": cfg.sandbox.os,
        }

    def start_actors(self) -> None:
        """Start the evaluators and learn what the kernel enforces on their candidates."""
        self.actors = [self._new_actor() for _ in range(self.config.evaluation.workers)]
        self.actor_pids = self.ray.get([a.ping.remote() for a in self.actors], timeout=START_TIMEOUT)
        self.free_at = [time.time()] * self.config.evaluation.workers
        self.confinement = self.ray.get(self.actors[0].confined.remote(), timeout=START_TIMEOUT)
        if self.confinement.missing:  # the user should know what the kernel does not enforce
            log.warning("%s", self.confinement.describe())

    def _new_actor(self) -> Any:
        return self.actor_cls.remote(*self.actor_args, **self.actor_kwargs)

    def restart(self, w: int) -> None:
        """Replace evaluator ``w`` by a fresh one (which is told every hash again)."""
        if self.actor_pids[w]:  # its note was read by fault(), or is stale: not for a new evaluator of that pid
            death_note(self.actor_pids[w], self.note_folder).unlink(missing_ok=True)
        try:
            self.ray.kill(self.actors[w], no_restart=True)
        except Exception:
            pass
        self.actors[w] = self._new_actor()
        self.sent_code[w] = self.sent_func[w] = 0
        self.restarts += 1
        self.actor_pids[w] = self.ray.get(self.actors[w].ping.remote(), timeout=START_TIMEOUT)
        log.info("evolve: evaluator %d replaced (restart %d)", w, self.restarts)

    def shutdown(self) -> None:
        """Stop the evaluators, Ray if the pool started it, and remove the campaign's private folder."""
        for actor in self.actors:
            try:
                self.ray.kill(actor, no_restart=True)
            except Exception:
                pass
        self.actors = []
        if self.owns_ray:
            self.ray.shutdown()
            self.owns_ray = False
        if self.note_folder is not None:  # after the evaluators: none writes there any more
            shutil.rmtree(self.note_folder, ignore_errors=True)
            self.note_folder = None

    # ------------------------------------------------------------------ work
    def submit(self, w: int, tasks: list[Task]) -> Any:
        """Send ``tasks`` to evaluator ``w`` with the hashes it has not been told yet; returns the Ray ref."""
        ledger = self.ledger
        code = ledger.code_log[self.sent_code[w]:]
        func = ledger.func_log[self.sent_func[w]:]
        self.sent_code[w] = len(ledger.code_log)
        self.sent_func[w] = len(ledger.func_log)
        return self.actors[w].run.remote(tasks, code, func)

    def has_room(self) -> bool:
        """Whether another batch may be sent (each evaluator holds up to ``pipeline_depth`` batches)."""
        return len(self.inflight) < self.config.evaluation.workers * self.config.evaluation.pipeline_depth

    def dispatch(self, tasks: list[Task]) -> None:
        """Send a batch to the next evaluator in turn (ordered), or to the one with the fewest batches queued."""
        workers = self.config.evaluation.workers
        w = self.slot % workers
        if not self.config.evaluation.ordered:
            queued = [0] * workers
            for batch in self.inflight:
                queued[batch.worker] += 1
            w = min(range(workers), key=lambda i: (queued[i], (i - w) % workers))
        self.slot += 1
        self.inflight.append(Batch(tasks, w, self.submit(w, tasks), time.time()))

    def under_way(self) -> int:
        """Candidates in batches sent and not yet collected."""
        return sum(len(b.tasks) for b in self.inflight)

    def allowance(self, n: int) -> float:
        """Seconds a batch of ``n`` candidates may take."""
        return self.timeout + MARGIN + n * 4.0 * self.ema_item

    def _started(self, batch: Batch) -> float:
        """When its evaluator began ``batch``, the one it runs now (once it had sent the one before back)."""
        return max(batch.dispatched, self.free_at[batch.worker])

    def _deadline(self, batch: Batch) -> float:
        """When ``batch``, the one its evaluator runs now, counts as hung."""
        return self._started(batch) + self.allowance(len(batch.tasks))

    def running(self) -> list[Batch]:
        """The batches that may finish next: the oldest one (ordered), or each evaluator's oldest (an actor runs
        its calls one after another, in the order they were sent)."""
        if self.config.evaluation.ordered:
            return [self.inflight[0]]
        firsts: dict[int, Batch] = {}
        for batch in self.inflight:
            firsts.setdefault(batch.worker, batch)
        return list(firsts.values())

    def collect(self, cap: float | None, stopping: bool) -> tuple[Batch, list[Record] | None] | None:
        """Wait (up to ``cap`` seconds, or the first deadline) for a batch to finish: the oldest one (ordered), or
        whichever finishes first; None if none is back yet.

        A batch past its deadline, or whose evaluator died, is quarantined and the evaluator's other batches sent
        again; its records come back all the same. Only while ``stopping`` is such a batch given up: its records
        are None (a resume proposes its tasks again)."""
        ray = self.ray
        running = self.running()
        deadlines = {id(b): self._deadline(b) for b in running}
        first_deadline = min(deadlines.values())
        wait = first_deadline - time.time() if cap is None else min(first_deadline - time.time(), cap)
        t0 = time.perf_counter()
        ready, _ = ray.wait([b.ref for b in running], num_returns=1, timeout=max(wait, 0.0))
        self.on_time("wait", time.perf_counter() - t0)
        now = time.time()
        done = [b for b in running if b.ref in ready] or [b for b in running if now >= deadlines[id(b)]]
        if not done:
            return None
        head = done[0]
        w = head.worker
        started = self._started(head)
        records = None  # stays None when the batch passed its deadline or its evaluator died
        if ready:
            try:
                records = ray.get(head.ref)
            except ray.exceptions.RayActorError:
                pass
            except ray.exceptions.RayError:
                # A Ctrl-C in a terminal reaches Ray's own processes too: on the way out, drop the batch.
                if not stopping:
                    raise
        del self.inflight[next(i for i, b in enumerate(self.inflight) if b is head)]
        if records is None and stopping:  # no quarantine on the way out
            return head, None
        if records is None:
            # The evaluator hung in native code or died: replace it, find the guilty candidate, then send its
            # other queued batches again.
            records = self.quarantine(head)
            for other in self.inflight:
                if other.worker == w:
                    other.ref = self.submit(w, other.tasks)
                    other.dispatched = time.time()
        else:
            per_item = (time.time() - started) / max(len(head.tasks), 1)
            self.ema_item = 0.8 * self.ema_item + 0.2 * per_item
        self.free_at[w] = time.time()
        return head, records

    def run_alone(self, task: Task, wait: float) -> Record:
        """Evaluate one task on evaluator 0 within ``wait`` seconds; if the evaluator hangs or dies, retry it
        once on a fresh one (:meth:`quarantine`) and return what that gives."""
        ref = self.submit(0, [task])
        try:
            return self.ray.get(ref, timeout=wait)[0]
        except Exception:  # hung in native code, or the evaluator died
            return self.quarantine(Batch([task], 0, ref, time.time()))[0]

    # ------------------------------------------------------------------ failures
    def quarantine(self, batch: Batch) -> list[Record]:
        """Re-run a batch whose evaluator hung or died one task at a time, each on a fresh evaluator after
        one that failed, so only the guilty candidate is recorded as ``timeout`` (or ``error`` if its
        evaluator died); leaves a working evaluator in the batch's slot."""
        ray = self.ray
        w = batch.worker
        log.info("evolve: evaluator %d hung or died; its %d candidate(s) run again one at a time", w,
                    len(batch.tasks))
        records = []
        broken = True  # the evaluator that hung or died
        for task in batch.tasks:
            if broken:
                self.restart(w)
            broken = False
            actor = self.actors[w]
            made = None
            try:
                made = ray.get(actor.mutate.remote(task), timeout=self.timeout + MARGIN)
            except Exception as exc:  # stuck in native code while mutating, or died
                broken = True
                records.append(Record(task.id, None, "gp", self._fault_status(exc),
                                      error=self._fault(exc, "mutating", w)))
                continue
            if isinstance(made, Record):
                records.append(made)
                continue
            ref = self.submit(w, [made])
            try:
                records.extend(ray.get(ref, timeout=self.timeout + MARGIN))
            except Exception as exc:
                broken = True
                # Remember its code hash, so the same program is a duplicate, not another hang.
                records.append(Record(task.id, made.source, made.operator or "gp", self._fault_status(exc),
                                      code_hash=_code_hash_or_none(made.source),
                                      error=self._fault(exc, "evaluating", w)))
        if broken:
            self.restart(w)
        return records

    def _fault_status(self, exc: BaseException) -> str:
        return Status.TIMEOUT if isinstance(exc, self.ray.exceptions.GetTimeoutError) else Status.ERROR

    def _fault(self, exc: BaseException, doing: str, w: int) -> str:
        if isinstance(exc, self.ray.exceptions.GetTimeoutError):
            return f"killed with its evaluator after {self.timeout + MARGIN:g} s {doing} (stuck outside Python)"
        reason = read_note(death_note(self.actor_pids[w], self.note_folder)) if self.actor_pids[w] else None
        if reason:  # the evaluator killed itself and said why
            return f"while {doing}, {reason}"
        return f"evaluator process died while {doing}: {type(exc).__name__}: {str(exc)[:500]}"


def endpoint_ports(endpoint: tuple[str, str] | None) -> tuple[int, ...]:
    """The TCP port of the LLM endpoint an LLM-calling problem's evaluation calls (none otherwise)."""
    if endpoint is None:
        return ()
    url = urllib.parse.urlsplit(endpoint[0])
    return (url.port or (443 if url.scheme == "https" else 80),)


__all__ = ["MARGIN", "START_TIMEOUT", "Batch", "EvaluatorPool", "endpoint_ports"]

"""The steady-state campaign loop: keep every evaluator busy, write every result as it arrives.

The driver owns the population, the authoritative sets of seen hashes and the archive; evaluators
(``evolve.workers``) make and evaluate candidates. Batches are consumed in the order they were sent,
so a seeded campaign with a given configuration replays the same way; while the driver waits for the
oldest batch, every evaluator still has further batches queued.
"""

from __future__ import annotations

import concurrent.futures
import contextlib
import dataclasses
import logging
import os
import shutil
import signal
import socket
import sys
import threading
import time
import urllib.parse
import warnings
from collections import deque
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np

from archive import Archive, ArchiveBusy, ArchiveFull
from archive.vocabulary import (
    COPY_OPERATORS,
    LLM_PREFIX,
    NOT_PROPOSALS,
    SEED,
    CampaignStatus,
    Status,
    arm_of,
    is_llm_arm,
)
from evolve import limits, program
from evolve.bandit import OperatorBandit, improvement
from evolve.config import Config
from evolve.llm_evaluation import LLM_BASE_URL_ENV, LLM_MODEL_ENV, calls_llm
from evolve.mutators.base import Parent
from evolve.mutators.llm import LLMParseError, build_messages, parse_answer
from evolve.mutators.llm_health import LLMHealth
from evolve.mutators.registry import portfolio as gp_portfolio
from evolve.population import Member, Population
from evolve.problem import Problem, ProblemSpec, load_problem
from evolve.runner import ConfinedEvaluator
from evolve.sandbox import blank_secrets, death_note, note_folder, read_note
from evolve.workers import Record, Task

# Seconds an evaluator may take to start (process, imports, problem set-up) before it counts as dead.
START_TIMEOUT = 180.0
MARGIN = 2.0
STOP_SIGNALS = (signal.SIGINT, signal.SIGTERM)
"""Signals that stop a campaign cleanly (see :meth:`Campaign.run`)."""

DISK_RETRY = 5.0
"""Seconds between two tries of an archive write that found the disk full (see ``Config.disk_wait``)."""

STOP_GRACE = 30.0
"""Seconds a Ctrl-C'd campaign waits for the batches under way before it drops them."""


class CampaignError(RuntimeError):
    """The campaign cannot start or go on (e.g. the seed program fails); the message says why."""


@dataclass
class Summary:
    """What a finished (or stopped) campaign achieved.

    ``phases`` is the mean time per proposal of each step, in seconds: the evaluators' ``mutate``,
    ``check``, ``probe`` and ``evaluate`` (summed over evaluators, so they can exceed the wall time per
    proposal when several run at once), and the driver's ``select`` (selection and batching),
    ``wait`` (waiting for results), ``record`` (dedupe decisions and population updates) and ``archive``
    (writes). They are for this run only (not the part before a ``--resume``).
    """

    campaign_id: int
    db: str
    problem: str
    proposed: int
    evaluated: int
    duplicates: int
    failures: dict[str, int]
    best_id: int | None
    best_score: float | None
    best_metrics: dict[str, Any] = field(default_factory=dict)
    best_source: str | None = None
    wall_seconds: float = 0.0
    status: str = CampaignStatus.FINISHED
    phases: dict[str, float] = field(default_factory=dict)
    restarts: int = 0
    """Evaluators replaced in this run (one that hung in native code, died, or was killed from outside)."""
    dropped: int = 0
    """Candidates under way when a Ctrl-C stopped the campaign and not back within the grace period: never
    written, and proposed again (with new ids) by a resume."""
    stop_signal: int | None = None
    """The signal that stopped the campaign (``signal.SIGINT`` for Ctrl-C, ``signal.SIGTERM`` from ``kill``
    or a batch scheduler), None if it was not stopped by one."""

    @property
    def candidates_per_second(self) -> float:
        """Proposals handled per second of this run."""
        return self.proposed / self.wall_seconds if self.wall_seconds > 0 else 0.0


@dataclass
class _Batch:
    tasks: list[Task]
    worker: int
    ref: Any
    dispatched: float


UNEVALUATED = "not evaluated: "
"""How the error of a program the driver stores as never evaluated begins (see :func:`_unevaluated`)."""


def _unevaluated(rec: Record) -> Record:
    """``rec`` as the driver stores it when it is no duplicate of a program the campaign knows: an ``ok`` record
    with no score (one its evaluator skipped as a repeat of a program the campaign has no record of, or one from a
    broken evaluator) becomes an ``error`` that says so, since ``ok`` promises a score. Other records are kept."""
    if rec.status != Status.OK or rec.score is not None:
        return rec
    why = (f"its evaluator skipped it as a repeat (by its {rec.skipped} hash) of a program this campaign has no "
           "record of" if rec.skipped else "its evaluator reported it evaluated, with no score")
    return dataclasses.replace(rec, status=Status.ERROR, error=UNEVALUATED + why, metrics=None)


def _can_be_original(status: str, score: float | None, error: str | None) -> bool:
    """Whether a stored program's hashes may stand for later repeats of it: not an invalid one (a repeat is judged
    again), not an ``ok`` one with no score, and not one never evaluated (a repeat of it must not be a duplicate of
    nothing). A failed one may: its repeats would fail too."""
    return (status != Status.INVALID and not (status == Status.OK and score is None)
            and not (status == Status.ERROR and (error or "").startswith(UNEVALUATED)))


def _code_hash_or_none(source: str | None) -> str | None:
    try:
        return program.code_hash(source) if source else None
    except program.ProgramError:
        return None


def _candidate_seed(seed: int, program_id: int) -> int:
    return int(np.random.SeedSequence([seed, program_id]).generate_state(1)[0])


class Campaign:
    """A search campaign on one problem, backed by one archive.

    ``Campaign(problem, config, **overrides).run()`` starts (or with ``resume=True`` continues) the
    campaign and returns a :class:`Summary`. ``problem`` is a :class:`Problem` or anything
    :func:`load_problem` takes; overrides are :class:`Config` fields (``db=``, ``budget=``...).
    """

    def __init__(
        self,
        problem: Problem | str | None = None,
        config: Config | None = None,
        *,
        resume: bool = False,
        campaign_id: int | None = None,
        **overrides: Any,
    ) -> None:
        config = (config or Config()).replace(**overrides)
        self.resume = resume
        self.archive = Archive(config.db)
        self.campaign_id: int | None = None
        if resume:
            row = self.archive.campaign(campaign_id)
            stored = Config.from_dict(dict(row.config))
            keep = {k: v for k, v in overrides.items() if k in RESUME_OVERRIDES}
            config = stored.replace(db=config.db, **keep)
            self.campaign_id = row.id
        if isinstance(problem, Problem):
            self.problem = problem
        else:
            name = problem if isinstance(problem, str) and not resume else config.problem
            self.problem = load_problem(name, **config.problem_options)
        spec = self.problem.spec
        if spec is not None:
            config.problem = spec.path or spec.module or config.problem
            config.problem_options = dict(spec.options)
        else:  # built in a script: a resume must be handed the same Problem object again
            config.problem = f"<problem object {self.problem.name!r}: pass it to Campaign(..., resume=True)>"
        self.config = config
        self.timeout = float(config.timeout or self.problem.timeout)

    # ------------------------------------------------------------------ set-up
    def _start_ray(self) -> None:
        import ray

        self._ray = ray
        self._owns_ray = False
        if not ray.is_initialized():
            kwargs: dict[str, Any] = {"include_dashboard": False, "log_to_driver": False,
                                      "logging_level": logging.ERROR}
            with warnings.catch_warnings():
                # Ray starts its processes with fork+exec, which Python flags once JAX has threads;
                # the exec follows at once, so the deadlock it warns about cannot happen.
                warnings.filterwarnings("ignore", message=r"os\.fork\(\) was called", category=RuntimeWarning)
                if self.config.ray_address:
                    ray.init(address=self.config.ray_address, **kwargs)
                else:
                    cpus = max(os.cpu_count() or 1, int(np.ceil(self.config.workers * self.config.worker_cpus)))
                    # "local": always a fresh instance of our own, never a cluster someone left running.
                    ray.init(address="local", num_cpus=cpus, **kwargs)
            self._owns_ray = True
        cls = ray.remote(ConfinedEvaluator)
        opts: dict[str, Any] = {"num_cpus": self.config.worker_cpus, "max_restarts": 0}
        if self.config.worker_gpus:
            opts["num_gpus"] = self.config.worker_gpus
        # Evaluators inherit the driver's environment: its secrets (the LLM key among them) are blanked there,
        # and the evaluator removes what else it does not need (evolve.sandbox). Candidates never need a key; an
        # LLM-calling problem's own calls go to the endpoint without it.
        keep = tuple(self.config.keep_env)
        env_vars = blank_secrets(os.environ, keep)
        if self.config.resolved_mutator != "gp" or calls_llm(self.problem):
            env_vars[self.config.llm_api_key_env] = ""
        if calls_llm(self.problem) and self.llm_endpoint is not None:
            env_vars[LLM_BASE_URL_ENV], env_vars[LLM_MODEL_ENV] = self.llm_endpoint
        if env_vars:
            opts["runtime_env"] = {"env_vars": env_vars}
        self._actor_cls = cls.options(**opts)
        payload = self.problem.spec if self.problem.spec is not None else self.problem
        self._actor_args = (payload,)
        self._actor_kwargs = {
            "dedupe": self.config.dedupe,
            "operator_weights": dict(self.config.operator_weights),
            "tune_steps": self.config.tune_steps,
            "timeout": self.timeout,
            "compile_cache": self.config.compile_cache,
            "isolated": True,
            "memory_limit": self.config.memory_limit,
            "cpu_seconds": self.config.cpu_limit,
            "keep_env": keep,
            "note_folder": str(self.note_folder),
            # Candidates run in a child process the kernel confines (evolve.runner): it may write in the
            # campaign's private folder only (its TMPDIR, where the death notes go too), and reach no network
            # but an LLM-calling problem's endpoint.
            "scratch": str(self.note_folder),
            "tcp_ports": self._endpoint_ports(),
            "confine": self.config.sandbox_os,
        }

    def _endpoint_ports(self) -> tuple[int, ...]:
        """The TCP port of the LLM endpoint an LLM-calling problem's evaluation calls (none otherwise)."""
        if not (calls_llm(self.problem) and self.llm_endpoint is not None):
            return ()
        url = urllib.parse.urlsplit(self.llm_endpoint[0])
        return (url.port or (443 if url.scheme == "https" else 80),)

    def _new_actor(self) -> Any:
        return self._actor_cls.remote(*self._actor_args, **self._actor_kwargs)

    def _restart(self, w: int) -> None:
        if self.actor_pids[w]:  # its note was read by _fault, or is stale: not for a new evaluator of that pid
            death_note(self.actor_pids[w], self.note_folder).unlink(missing_ok=True)
        try:
            self._ray.kill(self.actors[w], no_restart=True)
        except Exception:
            pass
        self.actors[w] = self._new_actor()
        self.sent_code[w] = self.sent_func[w] = 0
        self.restarts += 1
        self.actor_pids[w] = self._ray.get(self.actors[w].ping.remote(), timeout=START_TIMEOUT)

    def _init_state(self) -> None:
        cfg = self.config
        self.population = Population(cfg.islands, cfg.island_size, cfg.selection, cfg.tournament_size,
                                     self.problem.pareto_objectives() if cfg.pareto else (), cfg.pareto_elite)
        self.code_seen: dict[str, int] = {}
        self.func_seen: dict[str, int] = {}
        self.code_log: list[str] = []
        self.func_log: list[str] = []
        self.outcome: dict[int, tuple[str, float | None, Any]] = {}  # root id -> (status, score, metrics)
        self.roots: dict[int, int] = {}  # member id -> original program id (copies point home)
        self.generation: dict[int, int] = {}
        self.proposed = 0
        self.counts = {"evaluated": 0, "duplicates": 0, "invalid": 0, "error": 0, "timeout": 0}
        self.restarts = 0
        self.timings: dict[str, float] = {}
        self.run_proposals = 0
        self.reset_mark: dict[int, int] = {}  # island -> id of its last reset row

    def _remember(self, code_hash: str | None, func_hash: str | None, root: int) -> None:
        if code_hash and code_hash not in self.code_seen:
            self.code_seen[code_hash] = root
            self.code_log.append(code_hash)
        if func_hash and func_hash not in self.func_seen:
            self.func_seen[func_hash] = root
            self.func_log.append(func_hash)

    def _member(self, row: Any) -> Member:
        """A population member from an archive row or a row dict."""
        get = row.get if isinstance(row, dict) else lambda k: getattr(row, k)
        return Member(get("id"), self.problem.key(get("score")), get("source"), get("score"), get("generation"),
                      dict(get("metrics") or {}), get("code_hash"), get("func_hash"))

    def _rebuild(self) -> None:
        """Rebuild population, hash sets and counts from the archive alone (for ``--resume``)."""
        rows = self.archive.programs(campaign_id=self.campaign_id)
        last_reset: dict[int, int] = {}
        seed_row = None
        for r in rows:
            if r.operator == SEED and seed_row is None:
                seed_row = r
            if r.operator == "reset" and r.island is not None:
                last_reset[r.island] = r.id
                self.reset_mark[r.island] = r.id
            if r.operator not in NOT_PROPOSALS:
                self.proposed += 1
                if r.status == Status.DUPLICATE:
                    self.counts["duplicates"] += 1
                elif r.status in (Status.INVALID, Status.ERROR, Status.TIMEOUT):
                    self.counts[r.status] += 1
                if r.status in (Status.OK, Status.ERROR, Status.TIMEOUT):
                    self.counts["evaluated"] += 1
            root = r.duplicate_of if r.status == Status.DUPLICATE else r.id
            if r.operator in COPY_OPERATORS:
                root = self.code_seen.get(r.code_hash, r.id)
            self.roots[r.id] = root
            self.generation[r.id] = r.generation
            if r.status != Status.DUPLICATE and r.operator not in COPY_OPERATORS:
                self.outcome[r.id] = (r.status, r.score, r.metrics)
            if _can_be_original(r.status, r.score, r.error):
                self._remember(r.code_hash, r.func_hash, root)
        if not rows:  # stopped (or killed) before its seed was written: start it afresh
            self.fresh = True
            return
        if seed_row is None or seed_row.status != Status.OK:
            raise CampaignError("cannot resume: the archive holds no successful seed program for this campaign")
        for r in rows:
            if r.status != Status.OK or r.score is None:
                continue
            member = self._member(r)
            if r.operator == SEED:  # the seed and the extra seeds start every island
                for i in range(self.config.islands):
                    if i not in last_reset:
                        self.population.add(i, member)
            elif r.island is not None and r.island < self.config.islands and r.id >= last_reset.get(r.island, 0):
                self.population.add(r.island, member)
        self.rng = np.random.default_rng([self.config.seed, self.proposed])

    # ------------------------------------------------------------------ dispatch
    def _make_batch(self, size: int) -> list[Task]:
        cfg = self.config
        tasks = self._llm_ready(size)
        for _ in range(size - len(tasks)):
            if self.proposed >= cfg.budget:
                break
            kind, name = self._next_operator()
            if kind == "wait":
                break
            island = self.proposed % cfg.islands
            parents = self.population.select(island, 2, self.rng)
            audit = cfg.dedupe and cfg.audit_dedupe > 0 and bool(self.rng.random() < cfg.audit_dedupe)
            pid = self.next_id
            self.next_id += 1
            self.island_of[pid] = island
            self.proposed += 1
            if kind == "llm":
                self._llm_start(pid, island, parents, name)
                continue
            tasks.append(Task(
                id=pid,
                parents=tuple(Parent(m.id, m.source, m.score, m.metrics) for m in parents),
                seed=_candidate_seed(cfg.seed, pid),
                operator=name,
                audit=audit,
            ))
        return tasks

    # ------------------------------------------------------------------ choosing operators
    def _start_bandit(self) -> None:
        cfg = self.config
        self.gp_arms = gp_portfolio(self.problem, cfg.operator_weights or None)
        self.llm_arms = ([LLM_PREFIX + m for m, w in cfg.llm_modes.items() if w > 0]
                         if cfg.resolved_mutator != "gp" else [])
        state = [row.as_dict() for row in self.archive.arms(self.campaign_id)] if self.resume else []
        if not self.gp_arms + self.llm_arms:
            raise CampaignError(
                f"no operator can act on problem {self.problem.name!r} with operator_weights "
                f"{dict(cfg.operator_weights)}: give a positive weight to an operator that applies (see "
                "evolve.mutators.registry.portfolio), or configure an LLM")
        self.bandit = OperatorBandit(self.gp_arms + self.llm_arms, decay=cfg.bandit_decay, state=state)

    def _next_operator(self) -> tuple[str, str | None]:
        """What makes the next child: ``("llm", mode)``, ``("gp", operator)`` (operator None: the evaluator
        draws one by weight), or ``("wait", None)`` when a pure LLM campaign has as many calls queued as it
        may."""
        cfg = self.config
        # A down endpoint (or one that asked us to wait) gets no calls: GP proposes meanwhile.
        llm_open = self.llm is not None and self._llm_budget_left() and self.llm_health.available(time.monotonic())
        # Calls queue no deeper than this: an endpoint slower than the evaluators must not pile up requests.
        # Pure LLM waits for answers; mixed fills the slot with GP meanwhile.
        llm_full = len(self.llm_pending) >= 2 * cfg.llm_in_flight
        pure_llm = cfg.resolved_mutator == "llm"
        if pure_llm and llm_open and llm_full:
            return "wait", None
        if not self.gp_arms and not llm_open:
            return "wait", None  # nothing else can propose: wait for the endpoint
        if cfg.operator_choice == "bandit":
            if llm_open and pure_llm:
                allowed = self.llm_arms
            elif llm_open and not llm_full:
                allowed = self.gp_arms + self.llm_arms
            else:
                allowed = self.gp_arms
            arm = self.bandit.choose(self.rng, allowed)
            return ("llm", arm[len(LLM_PREFIX):]) if is_llm_arm(arm) else ("gp", arm)
        if llm_open and not llm_full and (pure_llm or bool(self.rng.random() < cfg.llm_share)):
            return "llm", self.llm_mode_names[int(self.rng.choice(len(self.llm_mode_names), p=self.llm_mode_p))]
        return "gp", None

    def _reward(self, row: dict[str, Any], rec: Record, task: Task) -> None:
        """Tell the bandit how the child of ``task`` did and what it cost."""
        cfg = self.config
        operator = row["operator"]
        if operator in NOT_PROPOSALS:
            return
        if operator == "gp" and task.operator:  # the evaluator died before it could say what it made
            operator = task.operator
        parent = task.parents[0] if task.parents else None
        reward = 0.0
        if row["status"] == Status.OK and row["score"] is not None and parent is not None and parent.score is not None:
            reward = improvement(self.problem.key(parent.score), self.problem.key(row["score"]))
        seconds, tokens = rec.eval_seconds, 0
        call = self.llm_calls.get(task.id)
        if call is not None:
            tokens = call["tokens_in"] + call["tokens_out"]
            # Calls overlap with each other and with evaluation: one holds 1 / in_flight of the endpoint.
            seconds += call["latency"] / cfg.llm_in_flight
        if cfg.bandit_cost == "proposals":
            seconds = 1.0
        seconds += tokens * cfg.bandit_seconds_per_token
        for tried in rec.meta.get("not_applicable", {}):
            self.bandit.update(tried, 0.0, 0.0)
        self.bandit.update(arm_of(operator), reward, seconds, tokens)

    # ------------------------------------------------------------------ LLM proposals
    def _start_llm(self) -> None:
        cfg = self.config
        self.llm = None
        self.llm_pending: deque[tuple[Any, int, tuple[Parent, ...], str, list[Parent]]] = deque()
        self.llm_failed: list[tuple[Record, Task]] = []
        self.llm_calls: dict[int, dict[str, Any]] = {}
        self.recent_errors: deque[str] = deque(maxlen=3)
        self.llm_spent = {"calls": 0, "tokens": 0}
        if self.resume:  # the budgets count the calls made before a stop too
            for call in self.archive.llm_calls(self.campaign_id):
                self.llm_spent["calls"] += 1
                self.llm_spent["tokens"] += call.tokens_in + call.tokens_out
        self.llm_spent_before = dict(self.llm_spent)  # rates on the progress bar are this run's
        self.llm_endpoint: tuple[str, str] | None = None
        self.llm_health = LLMHealth(pause=cfg.llm_pause, max_pause=max(cfg.llm_pause, 120.0))
        if cfg.resolved_mutator == "gp" and not calls_llm(self.problem):
            return
        from evolve.mutators.llm_client import LLMClient, LLMSettings

        # A problem that calls an LLM gets the embedded model when the campaign names no endpoint.
        base_url, model = cfg.llm_base_url or "local", cfg.llm_model
        if base_url == "local":  # the embedded model: a server of our own on loopback, for this run
            from evolve.mutators.local import LocalServer

            self.local_server = LocalServer(cfg.llm_local_command).start()
            base_url, model = self.local_server.url, self.local_server.alias
        self.llm_endpoint = (base_url, model)  # the evaluators' too, when the problem calls an LLM
        if cfg.resolved_mutator == "gp":
            return
        self.llm = LLMClient(LLMSettings(
            base_url=base_url, model=model, api_key_env=cfg.llm_api_key_env,
            temperature=cfg.llm_temperature, max_tokens=cfg.llm_max_tokens, in_flight=cfg.llm_in_flight,
            deadline=cfg.llm_deadline, retries=cfg.llm_retries), seed=cfg.seed)
        modes = {m: w for m, w in cfg.llm_modes.items() if w > 0}
        self.llm_mode_names = list(modes)
        weights = np.array(list(modes.values()), dtype=float)
        self.llm_mode_p = weights / weights.sum()

    def _llm_budget_left(self) -> bool:
        cfg = self.config
        spent = self.llm_spent
        return not ((cfg.max_llm_calls is not None and spent["calls"] >= cfg.max_llm_calls) or (
            cfg.max_tokens is not None and spent["tokens"] >= cfg.max_tokens))

    def _llm_start(self, pid: int, island: int, parents: list[Member], mode: str) -> None:
        as_parents = tuple(Parent(m.id, m.source, m.score, m.metrics) for m in parents)
        chosen = {m.id for m in parents}
        inspirations = [Parent(m.id, m.source, m.score, m.metrics)
                        for m in self.population.islands[island].members[:4] if m.id not in chosen][:2]
        messages = build_messages(mode, self.problem, as_parents[: 2 if mode == "crossover" else 1],
                                  inspirations, list(self.recent_errors))
        self.llm_spent["calls"] += 1
        self.llm_health.started()
        future = self.llm.submit(messages)
        self.llm_pending.append((future, pid, as_parents, mode, inspirations))

    def _llm_ready(self, limit: int) -> list[Task]:
        """Turn finished LLM calls (in the order they were started) into tasks; unusable answers become
        ``invalid`` records in ``llm_failed``."""
        tasks: list[Task] = []
        while self.llm_pending and len(tasks) < limit and self.llm_pending[0][0].done():
            future, pid, parents, mode, inspirations = self.llm_pending.popleft()
            call = future.result()
            self.llm_health.record(call.ok, time.monotonic(), call.retry_after)
            self.llm_spent["tokens"] += call.tokens_in + call.tokens_out
            operator = f"llm-{mode}"
            self.llm_calls[pid] = {
                "campaign_id": self.campaign_id, "program_id": pid, "model": call.model, "mode": mode,
                "prompt": call.messages, "response": limits.cut(call.text, limits.RESPONSE_CHARS),
                "error": limits.cut(call.error, limits.ERROR_CHARS), "tokens_in": call.tokens_in,
                "tokens_out": call.tokens_out, "latency": call.latency, "attempts": call.attempts,
                "_inspirations": [p.id for p in inspirations],
            }
            task = Task(id=pid, parents=parents, seed=_candidate_seed(self.config.seed, pid), operator=operator)
            try:
                if not call.ok:
                    raise LLMParseError(f"LLM call failed: {call.error}")
                if len(call.text) > limits.RESPONSE_CHARS:  # not worth parsing: its program would be refused
                    raise LLMParseError(f"the LLM's answer is {len(call.text):,} characters, over the "
                                        f"{limits.RESPONSE_CHARS:,} an answer may have (stored cut)")
                source, how = parse_answer(mode, call.text, parents[0].source, self.problem.entrypoint)
            except LLMParseError as exc:
                self.llm_failed.append((Record(pid, "", operator, Status.INVALID, error=str(exc)), task))
                continue
            tasks.append(Task(id=pid, parents=parents, seed=task.seed, source=source, operator=operator,
                              meta={"parsed": how}))
        return tasks

    def _submit(self, w: int, tasks: list[Task]) -> Any:
        code = self.code_log[self.sent_code[w]:]
        func = self.func_log[self.sent_func[w]:]
        self.sent_code[w] = len(self.code_log)
        self.sent_func[w] = len(self.func_log)
        return self.actors[w].run.remote(tasks, code, func)

    def _allowance(self, n: int) -> float:
        return self.timeout + MARGIN + n * 4.0 * self.ema_item

    # ------------------------------------------------------------------ results
    def _process(self, records: list[Record], tasks: list[Task]) -> None:
        rows: list[dict[str, Any]] = []
        edges: list[tuple[int, int, str]] = []
        t0 = time.perf_counter()
        now = time.time()
        for rec, task in zip(records, tasks, strict=True):
            limits.bound_record(rec)  # again: an evaluator is not trusted to have bounded its records
            row = self._record_row(rec, task, now, edges)
            self._reward(row, rec, task)
            rows.append(row)
            for phase, seconds in rec.phases.items():
                self.timings[phase] = self.timings.get(phase, 0.0) + seconds
        self._maybe_migrate(rows, edges, now)
        calls = []
        for row in rows:
            call = self.llm_calls.pop(row["id"], None)
            if call is not None:
                row.update(model=call["model"], tokens_in=call["tokens_in"], tokens_out=call["tokens_out"])
                edges.extend((row["id"], pid, "inspiration") for pid in call.pop("_inspirations"))
                calls.append(call)
        t1 = time.perf_counter()
        arms = [{**arm, "campaign_id": self.campaign_id} for arm in self.bandit.rows()]
        self._write(rows, edges, calls, arms)
        self._time("record", t1 - t0)
        self._time("archive", time.perf_counter() - t1)

    def _write(self, *rows: Any) -> None:
        """Write to the archive (the arguments of :meth:`Archive.add`). While its disk is full, hold the rows
        and try again every :data:`DISK_RETRY` seconds, for up to ``disk_wait`` seconds (a week-long campaign
        on a shared disk should outlive someone else's big file), then stop with a message that says how to
        resume."""
        waiting_since = None
        while True:
            try:
                self.archive.add(*rows)
            except ArchiveFull as exc:
                now = time.time()
                if waiting_since is None:
                    waiting_since = now
                    print(f"\nevolve: {exc}. Waiting up to {self.config.disk_wait:g} s for space (trying again every "
                          f"{DISK_RETRY:g} s; Ctrl-C stops).", file=sys.stderr, flush=True)
                if self._stopping or now - waiting_since >= self.config.disk_wait:
                    raise CampaignError(
                        f"{exc}. The disk stayed full for {now - waiting_since:.0f} s. Free space, then resume "
                        f"with: evolve run --resume --db {self.archive.path} --campaign {self.campaign_id} (what "
                        "was not written is proposed again)") from None
                time.sleep(min(DISK_RETRY, max(self.config.disk_wait - (now - waiting_since), 0.0)))
                continue
            if waiting_since is not None:
                print(f"evolve: the archive is written again, after {time.time() - waiting_since:.0f} s",
                      file=sys.stderr, flush=True)
            return

    def _time(self, phase: str, seconds: float) -> None:
        self.timings[phase] = self.timings.get(phase, 0.0) + seconds

    def _record_row(self, rec: Record, task: Task, now: float, edges: list[tuple[int, int, str]]) -> dict:
        cfg = self.config
        island = self.island_of.pop(task.id, 0)
        parents = task.parents
        operator = rec.operator or task.operator or "gp"
        generation = 0
        if parents:
            crossed = operator.endswith("crossover")
            generation = 1 + max(self.generation.get(p.id, 0) for p in parents[: 2 if crossed else 1])
            edges.append((task.id, parents[0].id, "parent"))
            if crossed and len(parents) > 1:
                edges.append((task.id, parents[1].id, "crossover"))
        self.generation[task.id] = generation
        row: dict[str, Any] = {
            "id": task.id, "campaign_id": self.campaign_id, "source": rec.source or "",
            "code_hash": rec.code_hash, "func_hash": rec.func_hash, "status": rec.status,
            "score": rec.score, "metrics": rec.metrics, "error": rec.error, "island": island,
            "generation": generation, "operator": operator, "eval_seconds": rec.eval_seconds,
            "created_at": now,
        }
        original = None
        kind = None
        if cfg.dedupe and rec.status != Status.INVALID and rec.code_hash:
            if rec.code_hash in self.code_seen:
                original, kind = self.code_seen[rec.code_hash], "code"
            elif rec.func_hash and rec.func_hash in self.func_seen:
                original, kind = self.func_seen[rec.func_hash], "func"
        if original is not None:
            self.counts["duplicates"] += 1
            self._remember(rec.code_hash, rec.func_hash, original)
            self.roots[task.id] = original
            row.update(status=Status.DUPLICATE, duplicate_of=original, duplicate_by=kind, score=None, metrics=None,
                       error=None)
            if rec.skipped is None or task.audit:  # it was evaluated anyway: an audit of the hash
                o_status, o_score, o_metrics = self.outcome.get(original, (None, None, None))
                match = o_status == rec.status and (o_score == rec.score)
                # Which metrics differ tells a real collision (behaviour) from a cost-only difference, e.g.
                # `x` and `x * 1.0` are one function but not one op count.
                differs = sorted(k for k in set(o_metrics or {}) | set(rec.metrics or {})
                                 if (o_metrics or {}).get(k) != (rec.metrics or {}).get(k))
                row["metrics"] = {"audit": {"status": rec.status, "score": rec.score, "error": rec.error,
                                            "original_score": o_score, "match": bool(match),
                                            "metrics_differ": differs}}
            return row
        rec = _unevaluated(rec)
        row.update(status=rec.status, error=rec.error, metrics=rec.metrics)
        self.roots[task.id] = task.id
        if _can_be_original(rec.status, rec.score, rec.error):
            self._remember(rec.code_hash, rec.func_hash, task.id)
        self.outcome[task.id] = (rec.status, rec.score, rec.metrics)
        if (rec.status in (Status.INVALID, Status.ERROR, Status.TIMEOUT) and rec.error and operator.startswith("llm")
                and not rec.error.startswith(UNEVALUATED)):  # not the LLM's fault: not shown to it
            self.recent_errors.append(rec.error)
        if rec.status in (Status.OK, Status.ERROR, Status.TIMEOUT):
            self.counts["evaluated"] += 1
        if rec.status != Status.OK:
            self.counts[rec.status] += 1
        elif rec.score is not None and task.id > self.reset_mark.get(island, 0):
            # A child dispatched before its island was reset belongs to the population that was wiped.
            self.population.add(island, self._member(row))
        return row

    def _copy_row(self, member: Member, island: int, operator: str, now: float) -> dict[str, Any]:
        pid = self.next_id
        self.next_id += 1
        self.roots[pid] = self.roots.get(member.id, member.id)
        self.generation[pid] = member.generation
        self.population.add(island, dataclasses.replace(member, id=pid))
        return {"id": pid, "campaign_id": self.campaign_id, "source": member.source, "status": Status.OK,
                "score": member.score, "metrics": member.metrics, "island": island,
                "generation": member.generation, "operator": operator, "created_at": now,
                "code_hash": member.code_hash, "func_hash": member.func_hash}

    def _maybe_migrate(self, rows: list[dict], edges: list[tuple[int, int, str]], now: float) -> None:
        cfg = self.config
        interval = cfg.migration_interval
        if interval and self.proposed_done // interval > self.migrations_done:
            self.migrations_done = self.proposed_done // interval
            for member, dest in self.population.migrations():
                root = self.roots.get(member.id, member.id)
                if any(self.roots.get(m.id, m.id) == root for m in self.population.islands[dest].members):
                    continue  # already there: copying it again would crowd the island
                row = self._copy_row(member, dest, "migration", now)
                rows.append(row)
                edges.append((row["id"], member.id, "migration"))
        if cfg.reset_interval and self.proposed_done // cfg.reset_interval > self.resets_done:
            self.resets_done = self.proposed_done // cfg.reset_interval
            for donor, island in self.population.reset_plan():
                self.population.islands[island].clear()
                row = self._copy_row(donor, island, "reset", now)
                self.reset_mark[island] = row["id"]
                rows.append(row)
                edges.append((row["id"], donor.id, "migration"))

    # ------------------------------------------------------------------ failures
    def _quarantine(self, batch: _Batch) -> list[Record]:
        """Re-run a batch whose evaluator hung or died one task at a time, each on a fresh evaluator after
        one that failed, so only the guilty candidate is recorded as ``timeout`` (or ``error`` if its
        evaluator died); leaves a working evaluator in the batch's slot."""
        ray = self._ray
        w = batch.worker
        records = []
        broken = True  # the evaluator that hung or died
        for task in batch.tasks:
            if broken:
                self._restart(w)
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
            ref = self._submit(w, [made])
            try:
                records.extend(ray.get(ref, timeout=self.timeout + MARGIN))
            except Exception as exc:
                broken = True
                # Remember its code hash, so the same program is a duplicate, not another hang.
                records.append(Record(task.id, made.source, made.operator or "gp", self._fault_status(exc),
                                      code_hash=_code_hash_or_none(made.source),
                                      error=self._fault(exc, "evaluating", w)))
        if broken:
            self._restart(w)
        return records

    def _fault_status(self, exc: BaseException) -> str:
        return Status.TIMEOUT if isinstance(exc, self._ray.exceptions.GetTimeoutError) else Status.ERROR

    def _fault(self, exc: BaseException, doing: str, w: int) -> str:
        if isinstance(exc, self._ray.exceptions.GetTimeoutError):
            return f"killed with its evaluator after {self.timeout + MARGIN:g} s {doing} (stuck outside Python)"
        reason = read_note(death_note(self.actor_pids[w], self.note_folder)) if self.actor_pids[w] else None
        if reason:  # the evaluator killed itself and said why
            return f"while {doing}, {reason}"
        return f"evaluator process died while {doing}: {type(exc).__name__}: {str(exc)[:500]}"

    # ------------------------------------------------------------------ main loop
    def _run_alone(self, task: Task, wait: float) -> Record:
        """Evaluate one task on evaluator 0 within ``wait`` seconds; if the evaluator hangs or dies, retry it
        once on a fresh one (:meth:`_quarantine`) and record what that gives."""
        ref = self._submit(0, [task])
        try:
            return self._ray.get(ref, timeout=wait)[0]
        except Exception:  # hung in native code, or the evaluator died
            return self._quarantine(_Batch([task], 0, ref, time.time()))[0]

    def _evaluate_seed(self) -> None:
        """Evaluate the seed (which must pass) and the problem's extra seeds (left out, with their record, if
        they fail or repeat an earlier seed); every passing one joins every island.

        Each is evaluated alone: the seed first, with time to compile the fitness, then each extra seed with
        one candidate's allowance, so an extra seed that hangs costs its own deadline, not the others'."""
        sources = [self.problem.seed, *self.problem.extra_seeds]
        tasks = [Task(id=self.next_id + k, source=source, operator=SEED) for k, source in enumerate(sources)]
        self.next_id += len(tasks)
        for k, task in enumerate(tasks):
            self.island_of[task.id] = 0
            rec = limits.bound_record(
                self._run_alone(task, START_TIMEOUT + self.timeout if k == 0 else self._allowance(1)))
            original = None
            if rec.status != Status.INVALID:
                original = self.code_seen.get(rec.code_hash) or self.func_seen.get(rec.func_hash)
            if original is None:
                rec = _unevaluated(rec)
            if k == 0 and rec.status != Status.OK:
                self._write([self._record_row(rec, task, time.time(), [])], [])
                raise CampaignError(f"the seed program of {self.problem.name!r} fails ({rec.status}): {rec.error}")
            pid = task.id
            row = {"id": pid, "campaign_id": self.campaign_id, "source": rec.source or task.source or "",
                   "code_hash": rec.code_hash, "func_hash": rec.func_hash, "status": rec.status,
                   "score": rec.score, "metrics": rec.metrics, "error": rec.error, "island": 0, "generation": 0,
                   "operator": SEED, "eval_seconds": rec.eval_seconds, "created_at": time.time()}
            if original is not None:  # an extra seed that repeats an earlier one
                row.update(status=Status.DUPLICATE, duplicate_of=original, score=None, metrics=None, error=None,
                           duplicate_by="code" if rec.code_hash in self.code_seen else "func")
                self.roots[pid] = original
            self._write([row], [])
            if row["status"] == Status.DUPLICATE:
                continue
            self.roots[pid] = pid
            if _can_be_original(rec.status, rec.score, rec.error):  # as in the main loop
                self._remember(rec.code_hash, rec.func_hash, pid)
            self.outcome[pid] = (rec.status, rec.score, rec.metrics)
            if rec.status != Status.OK:
                continue
            self.generation[pid] = 0
            member = self._member(self.archive.get(pid))
            for i in range(self.config.islands):
                self.population.add(i, member)

    def run(self, on_batch: Callable[[Campaign], None] | None = None) -> Summary:
        """Run the campaign until its budget of proposals is spent; return the summary.

        ``on_batch(campaign)`` is called after each batch of results is written (for live monitoring
        and benchmarks; ``campaign.proposed_done`` and ``campaign.timings`` are current then).
        Ctrl-C (SIGINT) or SIGTERM (``kill``, a batch scheduler ending the job) stops it cleanly: no new
        candidate is proposed, the batches under way are waited for (up to :data:`STOP_GRACE` seconds) and
        written, the evaluators, Ray and the local model server are shut down, the campaign is marked
        ``stopped`` and ``resume=True`` continues it. A second signal stops at once (what was under way is
        dropped; a resume proposes it again). Signals are handled this way when ``run`` is called from the main
        thread; from another thread a ``KeyboardInterrupt`` stops it at once.

        Raises:
            CampaignError: another campaign is writing the same archive (see :meth:`Archive.writer`), the seed
                fails, or there is nothing to resume.
        """
        self._stopping = False
        self.stop_signal: int | None = None
        owner = f"pid {os.getpid()} on {socket.gethostname()}, since {time.strftime('%Y-%m-%d %H:%M:%S')}"
        with contextlib.ExitStack() as stack:
            try:
                stack.enter_context(self.archive.writer(owner))
            except ArchiveBusy as exc:
                raise CampaignError(str(exc)) from None
            self._handles_signals = threading.current_thread() is threading.main_thread()
            if self._handles_signals:
                for signum in STOP_SIGNALS:
                    stack.callback(signal.signal, signum, signal.getsignal(signum))
                self._claim_stop_signals()
            return self._run(on_batch)

    def _claim_stop_signals(self) -> None:
        # Again after ray.init, which sets a SIGTERM handler of its own in the driver (it exits at once).
        if self._handles_signals:
            for signum in STOP_SIGNALS:
                signal.signal(signum, self._on_stop_signal)

    def _on_stop_signal(self, signum: int, _frame: Any) -> None:
        if self._stopping:
            raise KeyboardInterrupt
        self._stopping = True
        self.stop_signal = signum
        again = "Ctrl-C" if signum == signal.SIGINT else signal.Signals(signum).name
        print(f"\nStopping ({signal.Signals(signum).name}): writing the candidates under way (up to "
              f"{STOP_GRACE:g} s; {again} again to stop at once)", file=sys.stderr, flush=True)

    def _run(self, on_batch: Callable[[Campaign], None] | None) -> Summary:
        self._on_batch = on_batch
        cfg = self.config
        self.fresh = False
        self.dropped = 0
        started = self.started = time.time()
        self._init_state()
        if self.campaign_id is None:
            self.campaign_id = self.archive.create_campaign(
                name=cfg.name or self.problem.name, problem=self.problem.name, config=cfg.to_dict(),
                seed=cfg.seed, direction=self.problem.direction,
                objectives=[(o.name, o.direction) for o in self.problem.objectives])
        else:
            self._rebuild()
            self.archive.update_campaign_config(self.campaign_id, cfg.to_dict())
            self.archive.set_campaign_status(self.campaign_id, CampaignStatus.RUNNING)
        self.next_id = self.archive.next_program_id()
        self.island_of: dict[int, int] = {}
        self.ema_item = 0.1
        self.sent_code = [0] * cfg.workers
        self.sent_func = [0] * cfg.workers
        self.llm = None
        status = CampaignStatus.FINISHED
        progress = None
        try:
            self._start_llm()
            self._start_bandit()
            if cfg.progress or cfg.resolved_mutator != "gp":
                where = f" ({self.llm.settings.model} at {self.llm.settings.base_url})" if self.llm else ""
                how = (f"operators chosen by a bandit among {len(self.bandit.portfolio)}"
                       if cfg.operator_choice == "bandit" else "operators drawn by weight")
                print(f"mutator: {cfg.resolved_mutator}{where}; {how}", file=sys.stderr)
            self.note_folder = note_folder()  # removed by _shutdown
            self._start_ray()
            self._claim_stop_signals()
            self.actors = [self._new_actor() for _ in range(cfg.workers)]
            self.actor_pids = self._ray.get([a.ping.remote() for a in self.actors], timeout=START_TIMEOUT)
            self.confinement = self._ray.get(self.actors[0].confined.remote(), timeout=START_TIMEOUT)
            if self.confinement.missing:  # the user should know what the kernel does not enforce
                print(self.confinement.describe(), file=sys.stderr)
            if not self.resume or self.fresh:
                self._evaluate_seed()
                self.rng = np.random.default_rng(cfg.seed)
            self.proposed_done = self.proposed
            self.migrations_done = self.proposed // cfg.migration_interval if cfg.migration_interval else 0
            self.resets_done = self.proposed // cfg.reset_interval if cfg.reset_interval else 0
            progress = self._progress_bar()
            self._loop(progress)
            if self._stopping:
                status = CampaignStatus.STOPPED
        except KeyboardInterrupt:
            status = CampaignStatus.STOPPED
            self.stop_signal = self.stop_signal or signal.SIGINT
            self.dropped += self._under_way()
        except BaseException:
            status = CampaignStatus.FAILED
            raise
        finally:
            if progress is not None:
                progress.close()
            try:
                self.archive.set_campaign_status(self.campaign_id, status)
            except ArchiveFull as exc:  # a resume does not need it, and the error under way matters more
                print(f"evolve: the campaign's status ({status}) was not recorded: {exc}", file=sys.stderr)
            finally:
                self._shutdown()
        return dataclasses.replace(self.summary(time.time() - started, status), dropped=self.dropped,
                                   restarts=self.restarts, stop_signal=self.stop_signal)

    def _under_way(self) -> int:
        """Candidates proposed and not yet back: in batches at the evaluators, or waiting on an LLM call."""
        return (sum(len(b.tasks) for b in getattr(self, "_inflight", ()))
                + len(getattr(self, "llm_pending", ())))

    def _loop(self, progress: Any) -> None:
        cfg = self.config
        ray = self._ray
        inflight: deque[_Batch] = deque()
        self._inflight = inflight
        free_at = [time.time()] * cfg.workers
        slot = 0
        stop_by = None
        while True:
            if cfg.max_seconds is not None and time.time() - self.started >= cfg.max_seconds:
                cfg.budget = min(cfg.budget, self.proposed)  # out of time: propose nothing more
            if self._stopping:
                stop_by = stop_by or time.time() + STOP_GRACE
                if not inflight or time.time() >= stop_by:
                    self.dropped += self._under_way()
                    return
            while not self._stopping and len(inflight) < cfg.workers * cfg.pipeline_depth and (
                    self.proposed < cfg.budget or (self.llm_pending and self.llm_pending[0][0].done())):
                t0 = time.perf_counter()
                tasks = self._make_batch(min(cfg.batch_size, max(cfg.budget - self.proposed, 0))
                                         if not self.llm_pending else cfg.batch_size)
                self._time("select", time.perf_counter() - t0)
                if not tasks:
                    break  # every slot went to an LLM call still under way
                w = slot % cfg.workers
                slot += 1
                inflight.append(_Batch(tasks, w, self._submit(w, tasks), time.time()))
            self._flush_llm_failed(progress)
            if not inflight:
                if not self.llm_pending:
                    if (self.proposed < cfg.budget and not self._stopping and self.llm is not None
                            and self._llm_budget_left() and not self.llm_health.available(time.monotonic())):
                        time.sleep(0.1)  # only the LLM can propose, and it asked for a pause
                        continue
                    return
                concurrent.futures.wait([self.llm_pending[0][0]], timeout=0.5)
                continue
            head = inflight[0]
            w = head.worker
            started = max(head.dispatched, free_at[w])
            deadline = started + self._allowance(len(head.tasks))
            wait = deadline - time.time()
            if self.llm_pending:  # come back soon to hand finished LLM answers to the evaluators
                wait = min(wait, 0.05)
            if self._stopping:
                wait = min(wait, 0.25)  # to notice the end of the grace period
            t0 = time.perf_counter()
            ready, _ = ray.wait([head.ref], timeout=max(wait, 0.0))
            self._time("wait", time.perf_counter() - t0)
            if not ready and time.time() < deadline:
                continue
            records = None  # stays None when the batch passed its deadline or its evaluator died
            if ready:
                try:
                    records = ray.get(head.ref)
                except ray.exceptions.RayActorError:
                    pass
                except ray.exceptions.RayError:
                    # A Ctrl-C in a terminal reaches Ray's own processes too: on the way out, drop the batch.
                    if not self._stopping:
                        raise
            inflight.popleft()
            if records is None and self._stopping:  # no quarantine on the way out: a resume proposes it again
                self.dropped += len(head.tasks)
                continue
            if records is None:
                # The evaluator hung in native code or died: replace it, find the guilty candidate, then
                # send its other queued batches again.
                records = self._quarantine(head)
                for other in inflight:
                    if other.worker == w:
                        other.ref = self._submit(w, other.tasks)
                        other.dispatched = time.time()
            else:
                per_item = (time.time() - started) / max(len(head.tasks), 1)
                self.ema_item = 0.8 * self.ema_item + 0.2 * per_item
            free_at[w] = time.time()
            self.proposed_done += len(head.tasks)
            self.run_proposals += len(head.tasks)
            self._process(records, head.tasks)
            self._update_progress(progress, len(head.tasks))
            if self._on_batch is not None:
                self._on_batch(self)

    def _flush_llm_failed(self, progress: Any) -> None:
        if not self.llm_failed:
            return
        failed, self.llm_failed = self.llm_failed, []
        self.proposed_done += len(failed)
        self.run_proposals += len(failed)
        self._process([r for r, _ in failed], [t for _, t in failed])
        self._update_progress(progress, len(failed))

    # ------------------------------------------------------------------ reporting
    def _progress_bar(self) -> Any:
        from tqdm.auto import tqdm

        return tqdm(total=self.config.budget, initial=self.proposed_done, unit="cand", dynamic_ncols=True,
                    disable=not self.config.progress, desc=self.problem.name, smoothing=0.1)

    def _update_progress(self, progress: Any, n: int) -> None:
        best = self.population.best()
        c = self.counts
        llm = ""
        if getattr(self, "llm", None) is not None:
            spent, before = self.llm_spent, self.llm_spent_before
            elapsed = max(time.time() - self.started, 1e-9)
            llm = (f" llm_calls={spent['calls']} ({(spent['calls'] - before['calls']) / elapsed:.2f}/s)"
                   f" tokens={spent['tokens']} ({(spent['tokens'] - before['tokens']) / elapsed:.0f}/s)")
        progress.set_postfix_str(
            f"eval={c['evaluated']} dup={c['duplicates']} fail={c['invalid'] + c['error'] + c['timeout']} "
            f"best={best.score:.6g}{llm}" if best else "", refresh=False)
        progress.update(n)

    def summary(self, wall_seconds: float = 0.0, status: str = CampaignStatus.FINISHED) -> Summary:
        """Summarise the campaign from the archive."""
        best = self.archive.best(1, self.campaign_id)
        top = best[0] if best else None
        c = self.counts
        return Summary(
            campaign_id=self.campaign_id, db=str(Path(self.config.db)), problem=self.problem.name,
            proposed=self.archive.count(self.campaign_id, exclude_operators=NOT_PROPOSALS),
            evaluated=c["evaluated"], duplicates=c["duplicates"],
            failures={k: c[k] for k in ("invalid", "error", "timeout")},
            best_id=top.id if top else None, best_score=top.score if top else None,
            best_metrics=dict(top.metrics or {}) if top else {}, best_source=top.source if top else None,
            wall_seconds=wall_seconds, status=status,
            phases={k: v / self.run_proposals for k, v in sorted(self.timings.items())} if self.run_proposals else {},
        )

    def _shutdown(self) -> None:
        if getattr(self, "llm", None) is not None:
            self.llm.close()
        if getattr(self, "local_server", None) is not None:
            self.local_server.stop()
        for actor in getattr(self, "actors", []):
            try:
                self._ray.kill(actor, no_restart=True)
            except Exception:
                pass
        self.actors = []
        if getattr(self, "_owns_ray", False):
            self._ray.shutdown()
        if getattr(self, "note_folder", None) is not None:  # after the evaluators: none writes there any more
            shutil.rmtree(self.note_folder, ignore_errors=True)
            self.note_folder = None


# Settings a resumed campaign may change; the rest come from the archive.
RESUME_OVERRIDES = ("budget", "workers", "ray_address", "progress", "worker_cpus", "worker_gpus", "timeout",
                    "compile_cache", "memory_limit", "cpu_limit", "keep_env", "sandbox_os",
                    "llm_base_url", "llm_deadline", "llm_in_flight", "llm_pause", "max_llm_calls", "max_tokens")


def run_campaign(problem: Problem | str, **overrides: Any) -> Summary:
    """Convenience: ``Campaign(problem, **overrides).run()``."""
    return Campaign(problem, **overrides).run()


__all__ = ["Campaign", "CampaignError", "Summary", "run_campaign", "ProblemSpec"]

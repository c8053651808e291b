"""The steady-state campaign loop: keep every evaluator busy, write every result as it arrives.

The driver owns the population, the archive and the roles it hands work to: the evaluator pool
(:mod:`evolve.campaign.pool`: Ray actors that make and evaluate candidates), the ledger
(:mod:`evolve.campaign.ledger`: the seen hashes, the counts, the one dedupe rule and row builder, the resume) and
the LLM proposer's queue (:mod:`evolve.campaign.llm_queue`). Batches are taken back as they finish, or in the
order they were sent with ``evaluation.ordered`` (then a seeded campaign with a given configuration replays the
same way); while the driver waits, every evaluator still has further batches queued. This module is the loop:
choosing operators, migration, signals, disk-full retries and the progress bar.
"""

from __future__ import annotations

import concurrent.futures
import contextlib
import dataclasses
import logging
import os
import signal
import socket
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np

from archive import Archive, ArchiveBusy, ArchiveFull
from archive.records import ProgramRecord
from archive.vocabulary import NOT_PROPOSALS, SEED, CampaignStatus, Status
from evolve.campaign.disk_full import DiskStayedFull, add_when_space
from evolve.campaign.ledger import Edge, Ledger, seed_of
from evolve.campaign.llm_queue import LLMQueue, candidate_seed
from evolve.campaign.operator_choice import NoOperator, OperatorChoice
from evolve.campaign.pool import START_TIMEOUT, EvaluatorPool
from evolve.campaign.population import Member, Population
from evolve.config import RESUME_OVERRIDES, Config
from evolve.evaluation import row_limits
from evolve.evaluation.evaluator import Record, Task
from evolve.mutators.base import Parent
from evolve.problem import Problem, ProblemSpec, load_problem

log = logging.getLogger(__name__)

STOP_SIGNALS = (signal.SIGINT, signal.SIGTERM)
"""Signals that stop a campaign cleanly (see :meth:`Campaign.run`)."""

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



class Campaign:
    """A search campaign on one problem, backed by one archive.

    ``Campaign(problem, config, **overrides).run()`` starts (or with ``resume=True`` continues) the
    campaign and returns a :class:`Summary`. ``problem`` is a :class:`Problem` or anything
    :func:`load_problem` takes; overrides are :class:`Config` fields (``db=``, ``budget=``...). Its whole state
    is built here; :meth:`run` starts the evaluators (and the LLM endpoint), and a resume reads the archive then.
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
            config = config.replace(problem=spec.path or spec.module or config.problem,
                                    problem_options=dict(spec.options))
        else:  # built in a script: a resume must be handed the same Problem object again
            config = config.replace(
                problem=f"<problem object {self.problem.name!r}: pass it to Campaign(..., resume=True)>")
        self.config = config
        self.timeout = float(config.evaluation.timeout or self.problem.timeout)
        self.budget = config.budget
        """Proposals this run may reach; lowered to what was proposed when ``max_seconds`` passes."""
        pop = config.population
        self.population = Population(pop.islands, pop.island_size, pop.selection, pop.tournament_size,
                                     self.problem.pareto_objectives() if pop.pareto else (), pop.pareto_elite)
        self.ledger = Ledger(config.evaluation.dedupe)
        self.timings: dict[str, float] = {}
        self.recorded_at = 0.0
        """When the last batch was recorded (``created_at`` of its rows)."""
        self.pool = EvaluatorPool(self.problem, config, self.timeout, self.ledger, on_time=self._time)
        self.llm = LLMQueue(config, self.problem, self.archive, self.campaign_id)
        arms = [row.as_dict() for row in self.archive.arms(self.campaign_id)] if resume else []
        try:
            self.choice = OperatorChoice(config, self.problem, self.llm, arms)
        except NoOperator as exc:
            raise CampaignError(str(exc)) from None
        self.rng = np.random.default_rng(config.seed)
        self.island_of: dict[int, int] = {}  # program id -> the island its child joins
        self.fresh = False  # a resume of a campaign stopped before its seed was written starts afresh
        self.started = 0.0
        self.run_proposals = 0
        self.proposed_done = 0
        self.migrations_done = 0
        self.resets_done = 0
        self.dropped = 0
        self.stopping = False
        self.stop_signal: int | None = None
        self.handles_signals = False
        self.on_batch: Callable[[Campaign], None] | None = None

    @property
    def proposed(self) -> int:
        """Proposals made so far (this run and the ones before a resume)."""
        return self.ledger.proposed

    # ------------------------------------------------------------------ dispatch
    def _make_batch(self, size: int) -> list[Task]:
        cfg = self.config
        tasks = self.llm.ready(size)
        for _ in range(size - len(tasks)):
            if self.ledger.proposed >= self.budget:
                break
            kind, name = self.choice.next(self.rng)
            if kind == "wait":
                break
            island = self.ledger.proposed % cfg.population.islands
            parents = self.population.select(island, 2, self.rng)
            ev = cfg.evaluation
            audit = ev.dedupe and ev.audit_dedupe > 0 and bool(self.rng.random() < ev.audit_dedupe)
            pid = self.ledger.take_id()
            self.island_of[pid] = island
            self.ledger.proposed += 1
            if kind == "llm":
                chosen = {m.id for m in parents}
                inspirations = [m for m in self.population.islands[island].members[:4] if m.id not in chosen][:2]
                self.llm.start(pid, parents, inspirations, name)
                continue
            tasks.append(Task(id=pid, parents=tuple(Parent(m.id, m.source, m.score, m.metrics) for m in parents),
                              seed=candidate_seed(cfg.seed, pid), operator=name, audit=audit))
        return tasks

    # ------------------------------------------------------------------ results
    def _member(self, row: Any) -> Member:
        """A population member from an archive row or a :class:`ProgramRecord`."""
        return Member(row.id, self.problem.key(row.score), row.source, row.score, row.generation,
                      dict(row.metrics or {}), row.code_hash, row.func_hash)

    def _process(self, records: list[Record], tasks: list[Task]) -> None:
        """Judge a batch of results, update the population and the bandit, and write it all."""
        rows: list[ProgramRecord] = []
        edges: list[Edge] = []
        t0 = time.perf_counter()
        # Never earlier than the last batch: a duplicate's original must be recorded no later than it (evolve check).
        now = self.recorded_at = max(time.time(), self.recorded_at)
        for rec, task in zip(records, tasks, strict=True):
            row_limits.bound_record(rec)  # again: an evaluator is not trusted to have bounded its records
            island = self.island_of.pop(task.id, 0)
            row = self.ledger.judge(rec, task, campaign_id=self.campaign_id, island=island, created_at=now,
                                    edges=edges)
            self.llm.learn(row)
            if row.status == Status.OK and row.score is not None and task.id > self.ledger.reset_mark.get(island, 0):
                # A child dispatched before its island was reset belongs to the population that was wiped.
                self.population.add(island, self._member(row))
            self.choice.reward(row, rec, task)
            rows.append(row)
            for phase, seconds in rec.phases.items():
                self._time(phase, seconds)
        self._maybe_migrate(rows, edges, now)
        calls = []
        for k, row in enumerate(rows):
            call = self.llm.pop_call(row.id, self.campaign_id)
            if call is not None:
                rows[k] = row.replace(model=call["model"], tokens_in=call["tokens_in"], tokens_out=call["tokens_out"])
                edges.extend((row.id, pid, "inspiration") for pid in call.pop("_inspirations"))
                calls.append(call)
        t1 = time.perf_counter()
        arms = [{**arm, "campaign_id": self.campaign_id} for arm in self.choice.bandit.rows()]
        self._write(rows, edges, calls, arms)
        self._time("record", t1 - t0)
        self._time("archive", time.perf_counter() - t1)

    def _write(self, *rows: Any) -> None:
        """Write to the archive (the arguments of :meth:`Archive.add`), waiting while its disk is full (up to
        ``disk_wait`` seconds); then stop with a message that says how to resume."""
        try:
            add_when_space(self.archive, rows, self.config.disk_wait, lambda: self.stopping)
        except DiskStayedFull as exc:
            raise CampaignError(
                f"{exc}. Free space, then resume with: evolve run --resume --db {self.archive.path} --campaign "
                f"{self.campaign_id} (what was not written is proposed again)") from None

    def _time(self, phase: str, seconds: float) -> None:
        self.timings[phase] = self.timings.get(phase, 0.0) + seconds

    def _copy(self, member: Member, island: int, operator: str, now: float) -> ProgramRecord:
        row = self.ledger.copy(member, campaign_id=self.campaign_id, island=island, operator=operator,
                               created_at=now)
        self.population.add(island, dataclasses.replace(member, id=row.id))
        return row

    def _maybe_migrate(self, rows: list[ProgramRecord], edges: list[Edge], now: float) -> None:
        cfg = self.config
        roots = self.ledger.roots
        interval = cfg.population.migration_interval
        if interval and self.proposed_done // interval > self.migrations_done:
            self.migrations_done = self.proposed_done // interval
            for member, dest in self.population.migrations():
                root = roots.get(member.id, member.id)
                if any(roots.get(m.id, m.id) == root for m in self.population.islands[dest].members):
                    continue  # already there: copying it again would crowd the island
                row = self._copy(member, dest, "migration", now)
                rows.append(row)
                edges.append((row.id, member.id, "migration"))
        if cfg.population.reset_interval and self.proposed_done // cfg.population.reset_interval > self.resets_done:
            self.resets_done = self.proposed_done // cfg.population.reset_interval
            for donor, island in self.population.reset_plan():
                self.population.islands[island].clear()
                row = self._copy(donor, island, "reset", now)
                self.ledger.reset_mark[island] = row.id
                rows.append(row)
                edges.append((row.id, donor.id, "migration"))

    # ------------------------------------------------------------------ seeds and resume
    def _evaluate_seed(self) -> None:
        """Evaluate the seed (which must pass) and the problem's extra seeds (left out, with their record, if
        they fail or repeat an earlier seed); every passing one joins every island.

        Each is evaluated alone: the seed first, with time to compile the fitness, then each extra seed with
        one candidate's allowance, so an extra seed that hangs costs its own deadline, not the others'."""
        sources = [self.problem.seed, *self.problem.extra_seeds]
        tasks = [Task(id=self.ledger.take_id(), source=source, operator=SEED) for source in sources]
        for k, task in enumerate(tasks):
            wait = START_TIMEOUT + self.timeout if k == 0 else self.pool.allowance(1)
            rec = row_limits.bound_record(self.pool.run_alone(task, wait))
            row = self.ledger.judge(rec, task, campaign_id=self.campaign_id, island=0, created_at=time.time(),
                                    edges=[], operator=SEED)
            self._write([row], [])
            if k == 0 and row.status != Status.OK:
                raise CampaignError(f"the seed program of {self.problem.name!r} fails ({row.status}): {row.error}")
            if row.status == Status.OK:
                member = self._member(self.archive.get(row.id))
                for i in range(self.config.population.islands):
                    self.population.add(i, member)

    def _rebuild(self) -> None:
        """Rebuild population, hash sets and counts from the archive alone (for ``--resume``)."""
        rows = self.archive.programs(campaign_id=self.campaign_id)
        if not rows:  # stopped (or killed) before its seed was written: start it afresh
            self.fresh = True
            return
        self.ledger.replay(rows)
        last_reset = self.ledger.reset_mark
        seed_row = seed_of(rows)
        if seed_row is None or seed_row.status != Status.OK:
            raise CampaignError("cannot resume: the archive holds no successful seed program for this campaign")
        for r in rows:
            if r.status != Status.OK or r.score is None:
                continue
            member = self._member(r)
            if r.operator == SEED:  # the seed and the extra seeds start every island
                for i in range(self.config.population.islands):
                    if i not in last_reset:
                        self.population.add(i, member)
            elif (r.island is not None and r.island < self.config.population.islands
                  and r.id >= last_reset.get(r.island, 0)):
                self.population.add(r.island, member)
        self.rng = np.random.default_rng([self.config.seed, self.ledger.proposed])

    # ------------------------------------------------------------------ running
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
        self.on_batch = on_batch
        owner = f"pid {os.getpid()} on {socket.gethostname()}, since {time.strftime('%Y-%m-%d %H:%M:%S')}"
        with contextlib.ExitStack() as stack:
            try:
                stack.enter_context(self.archive.writer(owner))
            except ArchiveBusy as exc:
                raise CampaignError(str(exc)) from None
            self.handles_signals = threading.current_thread() is threading.main_thread()
            if self.handles_signals:
                for signum in STOP_SIGNALS:
                    stack.callback(signal.signal, signum, signal.getsignal(signum))
                self._claim_stop_signals()
            return self._run()

    def _claim_stop_signals(self) -> None:
        # Again after ray.init, which sets a SIGTERM handler of its own in the driver (it exits at once).
        if self.handles_signals:
            for signum in STOP_SIGNALS:
                signal.signal(signum, self._on_stop_signal)

    def _on_stop_signal(self, signum: int, _frame: Any) -> None:
        if self.stopping:
            raise KeyboardInterrupt
        self.stopping = True
        self.stop_signal = signum
        again = "Ctrl-C" if signum == signal.SIGINT else signal.Signals(signum).name
        log.warning("\nStopping (%s): writing the candidates under way (up to %g s; %s again to stop at once)",
                    signal.Signals(signum).name, STOP_GRACE, again)

    def _open(self) -> None:
        """Create the campaign in the archive, or read back the one to resume."""
        cfg = self.config
        if self.campaign_id is None:
            self.campaign_id = self.archive.create_campaign(
                name=cfg.name or self.problem.name, problem=self.problem.name, config=cfg.to_dict(),
                seed=cfg.seed, direction=self.problem.direction,
                objectives=[(o.name, o.direction) for o in self.problem.objectives])
        else:
            self._rebuild()
            self.archive.update_campaign_config(self.campaign_id, cfg.to_dict())
            self.archive.set_campaign_status(self.campaign_id, CampaignStatus.RUNNING)
        self.ledger.next_id = self.archive.next_program_id()

    def _announce(self) -> None:
        """Say how the campaign proposes (logged at INFO, which ``evolve run`` shows)."""
        cfg = self.config
        client = self.llm.client
        where = f" ({client.settings.model} at {client.settings.base_url})" if client is not None else ""
        how = (f"operators chosen by a bandit among {len(self.choice.bandit.portfolio)}"
               if cfg.bandit.choice == "bandit" else "operators drawn by weight")
        log.info("mutator: %s%s; %s", cfg.resolved_mutator, where, how)

    def _run(self) -> Summary:
        cfg = self.config
        started = self.started = time.time()
        status = CampaignStatus.FINISHED
        progress = None
        self._open()
        try:
            self.llm.open()
            self._announce()
            self.pool.start_ray(self.llm.endpoint)
            self._claim_stop_signals()
            self.pool.start_actors()
            if not self.resume or self.fresh:
                self._evaluate_seed()
                self.rng = np.random.default_rng(cfg.seed)
            self.proposed_done = self.ledger.proposed
            pop = cfg.population
            self.migrations_done = self.ledger.proposed // pop.migration_interval if pop.migration_interval else 0
            self.resets_done = self.ledger.proposed // pop.reset_interval if pop.reset_interval else 0
            progress = self._progress_bar()
            self._loop(progress)
            if self.stopping:
                status = CampaignStatus.STOPPED
            else:
                if progress is not None:
                    progress.close()
                    progress = None
                self._verify()
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
                log.warning("evolve: the campaign's status (%s) was not recorded: %s", status, exc)
            finally:
                self._shutdown()
        return dataclasses.replace(self.summary(time.time() - started, status), dropped=self.dropped,
                                   restarts=self.pool.restarts, stop_signal=self.stop_signal)

    def _verify(self) -> None:
        """The verification stage of a finished campaign: the problem's independent check on its best programs
        and Pareto front, run on evaluator 0, each verdict stored beside its program
        (:mod:`evolve.campaign.verification`; none when the problem has no ``verify`` or ``verify_top`` is 0)."""
        top = self.config.evaluation.verify_top
        if self.problem.verify is None or top <= 0:
            return
        from evolve.campaign.pool import MARGIN
        from evolve.campaign.verification import chosen, verify_rows
        from evolve.problem import Verdict

        wait = self.problem.verify_timeout + MARGIN

        def check(source: str, metrics: dict[str, Any]) -> Verdict:
            try:
                return self.pool.ray.get(self.pool.actors[0].verify.remote(source, metrics), timeout=wait)
            except Exception as exc:  # stuck in native code past the check's own deadline, or died
                self.pool.restart(0)
                return Verdict(False, None, f"the check's evaluator hung or died: {type(exc).__name__}: "
                                            f"{str(exc)[:300]}")

        rows = chosen(self.archive, self.campaign_id, top)
        verdicts = verify_rows(self.archive, rows, check)
        overrated = [v.program_id for v in verdicts if v.worse]
        log.info("evolve: verified %d programs (%d passed); overrated: %s", len(verdicts),
                 sum(v.passed for v in verdicts), overrated or "none")

    def _under_way(self) -> int:
        """Candidates proposed and not yet back: in batches at the evaluators, or waiting on an LLM call."""
        return self.pool.under_way() + len(self.llm.pending)

    def _fill(self) -> None:
        """Send batches while the evaluators have room and there is something to propose."""
        cfg = self.config
        while not self.stopping and self.pool.has_room() and (
                self.ledger.proposed < self.budget or self.llm.has_answer()):
            t0 = time.perf_counter()
            tasks = self._make_batch(min(cfg.evaluation.batch_size, max(self.budget - self.ledger.proposed, 0))
                                     if not self.llm.pending else cfg.evaluation.batch_size)
            self._time("select", time.perf_counter() - t0)
            if not tasks:
                break  # every slot went to an LLM call still under way
            self.pool.dispatch(tasks)

    def _loop(self, progress: Any) -> None:
        cfg = self.config
        stop_by = None
        while True:
            if cfg.max_seconds is not None and time.time() - self.started >= cfg.max_seconds:
                self.budget = min(self.budget, self.ledger.proposed)  # out of time: propose nothing more
            if self.stopping:
                stop_by = stop_by or time.time() + STOP_GRACE
                if not self.pool.inflight or time.time() >= stop_by:
                    self.dropped += self._under_way()
                    return
            self._fill()
            self._flush_llm_failed(progress)
            if not self.pool.inflight:
                if not self.llm.pending:
                    if self.ledger.proposed < self.budget and not self.stopping and self.llm.paused(time.monotonic()):
                        time.sleep(0.1)  # only the LLM can propose, and it asked for a pause
                        continue
                    return
                concurrent.futures.wait([self.llm.pending[0][0].future], timeout=0.5)
                continue
            # Back soon to hand finished LLM answers to the evaluators, or to notice the end of the grace period.
            cap = 0.05 if self.llm.pending else 0.25 if self.stopping else None
            collected = self.pool.collect(cap, self.stopping)
            if collected is None:
                continue
            batch, records = collected
            if records is None:  # dropped on the way out: a resume proposes it again
                self.dropped += len(batch.tasks)
                continue
            self._handled(records, batch.tasks, progress)
            if self.on_batch is not None:
                self.on_batch(self)

    def _handled(self, records: list[Record], tasks: list[Task], progress: Any) -> None:
        self.proposed_done += len(tasks)
        self.run_proposals += len(tasks)
        self._process(records, tasks)
        self._update_progress(progress, len(tasks))

    def _flush_llm_failed(self, progress: Any) -> None:
        failed = self.llm.take_failed()
        if failed:
            self._handled([r for r, _ in failed], [t for _, t in failed], progress)

    # ------------------------------------------------------------------ reporting
    def _progress_bar(self) -> Any:
        from tqdm.auto import tqdm

        return tqdm(total=self.config.budget, initial=self.proposed_done, unit="cand", dynamic_ncols=True,
                    disable=not self.config.progress, desc=self.problem.name, smoothing=0.1)

    def _update_progress(self, progress: Any, n: int) -> None:
        best = self.population.best()
        c = self.ledger.counts
        llm = self.llm.postfix(time.time() - self.started)
        progress.set_postfix_str(
            f"eval={c['evaluated']} dup={c['duplicates']} fail={c['invalid'] + c['error'] + c['timeout']} "
            f"best={best.score:.6g}{llm}" if best else "", refresh=False)
        progress.update(n)

    def summary(self, wall_seconds: float = 0.0, status: str = CampaignStatus.FINISHED) -> Summary:
        """Summarise the campaign from the archive."""
        best = self.archive.best(1, self.campaign_id)
        top = best[0] if best else None
        c = self.ledger.counts
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
        self.llm.close()
        self.pool.shutdown()


def run_campaign(problem: Problem | str, **overrides: Any) -> Summary:
    """Convenience: ``Campaign(problem, **overrides).run()``."""
    return Campaign(problem, **overrides).run()


__all__ = ["Campaign", "CampaignError", "RESUME_OVERRIDES", "Summary", "run_campaign", "ProblemSpec"]

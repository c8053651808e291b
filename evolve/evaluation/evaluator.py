"""Evaluator actors: each holds a problem and turns tasks into records, cheapest filter first.

One task becomes one record through: mutate (GP, when no source was given) -> static check -> code hash
-> probe run -> functional hash -> full evaluation. A hash the evaluator has already seen (the driver
sends it every hash it learns) skips the rest, so nothing is compiled before both hashes missed. The
driver decides duplicates authoritatively; the evaluator only saves work.

A candidate that raises costs one ``error`` record; one that runs past the problem's timeout in Python
is interrupted by an alarm (``timeout``); one stuck in native code is the driver's to handle by
killing this actor. An evaluator started ``isolated`` (as the campaign starts its actors) also removes the
driver's secrets from its environment, caps its resident memory and gives each candidate a CPU-time budget
(:mod:`evolve.sandbox.limits`).

A problem with ``evaluate_batch`` gets the candidates of one call that reach evaluation together (one vmapped
fit on an accelerator); every step before evaluation stays one candidate at a time, and the records are what
one-at-a-time evaluation gives.
"""

from __future__ import annotations

import os
import signal
import time
from collections.abc import Iterable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from typing import Any

import numpy as np

from archive.vocabulary import Status
from evolve.evaluation import row_limits
from evolve.mutators.base import NotApplicable, Parent
from evolve.mutators.gp import GPMutator
from evolve.problem import Problem, ProblemSpec, Verdict, load_spec
from evolve.programs import program as prog
from evolve.programs import static_check
from evolve.programs.fhash import functional_hash
from evolve.sandbox.limits import CandidateLimit, MemoryWatchdog, cpu_limit, interval_timer, scrub_environment


@dataclass(frozen=True)
class Task:
    """One candidate to make and evaluate.

    Attributes:
        id: archive id the driver assigned to the candidate.
        parents: parents handed to the mutator (``parents[0]`` is the primary one).
        seed: seed of this candidate's own random generator (mutation is reproducible from it).
        source: a ready-made candidate (the seed program, an LLM proposal); None asks the GP mutator.
        operator: what made ``source`` when it is given; without a source, the GP operator to apply (None
            samples one by the mutator's weights). A chosen operator that does not apply to the parents is
            noted in the record's ``meta["not_applicable"]`` and another is sampled.
        audit: evaluate even when a hash says the candidate is a duplicate (to audit the hashes).
    """

    id: int
    parents: tuple[Parent, ...] = ()
    seed: int = 0
    source: str | None = None
    operator: str | None = None
    audit: bool = False
    meta: dict[str, Any] = field(default_factory=dict)


@dataclass
class Record:
    """What an evaluator reports about one task.

    ``status`` is ``ok``, ``invalid``, ``error`` or ``timeout``; ``skipped`` is ``"code"`` or ``"func"``
    when the evaluator skipped evaluation because it had seen that hash (the driver then records the
    candidate as a duplicate). ``phases`` holds the seconds spent in each step: ``mutate``, ``check``
    (parse, static check, code hash), ``probe`` (compile, probe run, functional hash), ``evaluate``.
    """

    id: int
    source: str | None
    operator: str
    status: str
    code_hash: str | None = None
    func_hash: str | None = None
    score: float | None = None
    metrics: dict[str, Any] | None = None
    error: str | None = None
    eval_seconds: float = 0.0
    skipped: str | None = None
    meta: dict[str, Any] = field(default_factory=dict)
    phases: dict[str, float] = field(default_factory=dict)


@dataclass
class _Waiting:
    """A candidate past its checks and probe, waiting for its full evaluation (in a batch, with the time it
    started and its phases so far)."""

    record: Record
    tree: Any
    fn: Any
    start: float = 0.0
    phases: dict[str, float] = field(default_factory=dict)


class CandidateTimeout(BaseException):
    """Raised by the alarm inside a candidate that ran past its deadline.

    A BaseException, so that a candidate's own ``except Exception`` does not swallow it.
    """

    status = Status.TIMEOUT
    """What the candidate is recorded as (as for :class:`evolve.sandbox.limits.CandidateLimit`)."""


@contextmanager
def deadline(seconds: float) -> Iterator[None]:
    """Raise :class:`CandidateTimeout` in this thread if the block runs longer than ``seconds``.

    Works only on the main thread (where Ray runs a synchronous actor's methods); elsewhere it does
    nothing and the driver's kill is the only deadline.
    """
    with interval_timer(signal.ITIMER_REAL, signal.SIGALRM, seconds,
                        lambda: CandidateTimeout(f"ran past the {seconds:g} s timeout")):
        yield


def _message(exc: BaseException) -> str:
    # Whole: every record is cut to its bounds once, on its way out (row_limits.bound_record).
    return f"{type(exc).__name__}: {exc}"


def enable_compile_cache(path: str | None) -> None:
    """Point JAX's persistent compilation cache at ``path`` (``~`` expanded; None or empty: leave it off).

    Only compilations slower than JAX's threshold (a second by default) are written, so the cache holds the
    few large programs a problem reuses, not every small candidate."""
    if not path:
        return
    import jax

    jax.config.update("jax_compilation_cache_dir", os.path.expanduser(path))


class Evaluator:
    """Makes and evaluates candidates for one problem. Usable directly, or as a Ray actor
    (``ray.remote(Evaluator)``) so that a crash or a hang costs only this process."""

    def __init__(
        self,
        problem: Problem | ProblemSpec,
        *,
        dedupe: bool = True,
        operator_weights: dict[str, float] | None = None,
        tune_steps: int = 300,
        timeout: float | None = None,
        compile_cache: str | None = None,
        isolated: bool = False,
        memory_limit: float = 0.0,
        cpu_seconds: float | None = None,
        keep_env: tuple[str, ...] = (),
        note_folder: str | None = None,
    ) -> None:
        """``isolated``: this is an evaluator process of its own (a Ray actor), which may scrub its
        environment of secrets (all but ``keep_env`` and what Python, JAX and Ray need) and watch its memory
        (over ``memory_limit`` GiB the candidate is stopped, then the process killed; 0: no limit).
        ``cpu_seconds``: CPU time (all threads) a candidate may use; None: the timeout times the number of
        cores, at least 4 (XLA spreads work over every core, so a tighter default would stop legitimate
        candidates on a big machine; on shared hardware set it lower). ``note_folder``: the campaign's private
        folder where the memory watchdog writes why it killed this evaluator (:func:`evolve.sandbox.limits.note_folder`;
        None: no note)."""
        if isolated:
            scrub_environment(keep=keep_env)
        self.watchdog = MemoryWatchdog(memory_limit * 2**30 if isolated else 0.0, note_folder)
        enable_compile_cache(compile_cache)
        self.problem = load_spec(problem) if isinstance(problem, ProblemSpec) else problem
        self.dedupe = dedupe
        self.timeout = float(timeout or self.problem.timeout)
        cores = max(4, os.cpu_count() or 1)
        self.cpu_seconds = cores * self.timeout if cpu_seconds is None else cpu_seconds
        self.mutator = GPMutator(weights=operator_weights or None, tune_steps=tune_steps)
        self.seen_code: set[str] = set()
        self.seen_func: set[str] = set()
        self._probe: tuple[Any, ...] | None = None

    def ping(self) -> int:
        """Return the evaluator's process id once it is up (the driver waits on this after starting one)."""
        return os.getpid()

    @contextmanager
    def _limits(self, candidates: int = 1) -> Iterator[None]:
        """One candidate's limits, or the sum of ``candidates``' for a batch evaluated in one call."""
        cpu = None if self.cpu_seconds is None else self.cpu_seconds * candidates
        with deadline(self.timeout * candidates), cpu_limit(cpu), self.watchdog.watching():
            yield

    def _probe_inputs(self) -> tuple[Any, ...]:
        if self._probe is None:
            import jax.numpy as jnp

            self._probe = tuple(jnp.asarray(a) for a in self.problem.probe_inputs)
        return self._probe

    def run(self, tasks: list[Task], seen_code: Iterable[str] = (), seen_func: Iterable[str] = ()) -> list[Record]:
        """Make and evaluate ``tasks`` in order, after learning the hashes the driver has seen; with the problem's
        ``evaluate_batch``, the evaluations of those that reach it in one call (:meth:`run_batched`)."""
        self.seen_code.update(seen_code)
        self.seen_func.update(seen_func)
        if self.problem.evaluate_batch is not None and len(tasks) > 1:
            return self.run_batched(tasks)
        return [self.evaluate_task(task) for task in tasks]

    def evaluate_task(self, task: Task) -> Record:
        """Turn one task into a record; never raises for anything the candidate does."""
        start = self._begin(task)
        try:
            with self._limits():
                made = self._prepare(task)
                # Bounded within the limits: making a problem's metrics plain JSON may call into what the candidate
                # returned.
                record = row_limits.bound_record(made if isinstance(made, Record) else self._evaluate(made))
        except (CandidateTimeout, CandidateLimit) as exc:
            record = self._stopped(task, exc)
        return self._finish(record, start)

    def run_batched(self, tasks: list[Task]) -> list[Record]:
        """Records for ``tasks`` as :meth:`evaluate_task` makes them one by one, the evaluations of those that reach
        it done in one ``evaluate_batch`` call under the sum of their limits (one at a time if that call fails
        or passes a limit).

        A candidate is a duplicate of an earlier one of the batch exactly when it would be one at a time: the
        hashes of a candidate waiting for evaluation are known once it waits, and its record keeps them
        whatever its evaluation does (only an ``invalid`` record leaves its hashes unremembered, and a waiting
        candidate passed every check)."""
        records: list[Record | None] = [None] * len(tasks)
        waiting: list[tuple[int, _Waiting]] = []
        for i, task in enumerate(tasks):
            start = self._begin(task)
            made: Record | _Waiting
            try:
                with self._limits():
                    made = self._prepare(task)
                    if isinstance(made, Record):
                        made = row_limits.bound_record(made)
            except (CandidateTimeout, CandidateLimit) as exc:
                made = self._stopped(task, exc)
            if isinstance(made, Record):
                records[i] = self._finish(made, start)
                continue
            made.start, made.phases = start, self._phases
            self._remember(made.record)
            waiting.append((i, made))
        for i, record in zip((i for i, _ in waiting), self._evaluate_waiting([w for _, w in waiting]), strict=True):
            records[i] = record
        return [r for r in records if r is not None]

    def _evaluate_waiting(self, waiting: list[_Waiting]) -> list[Record]:
        if len(waiting) < 2:
            return [self._evaluate_alone(w) for w in waiting]
        assert self.problem.evaluate_batch is not None
        began = time.perf_counter()
        try:
            with self._limits(len(waiting)):
                results = list(self.problem.evaluate_batch([w.tree for w in waiting]))
            if len(results) != len(waiting):
                raise ValueError(f"evaluate_batch returned {len(results)} results for {len(waiting)} programs")
        except (CandidateTimeout, CandidateLimit, Exception):
            # Which candidate was to blame, if any, is for one-at-a-time evaluation to find.
            return [self._evaluate_alone(w) for w in waiting]
        share = (time.perf_counter() - began) / len(waiting)
        records = []
        for w, result in zip(waiting, results, strict=True):
            w.phases["evaluate"] = w.phases.get("evaluate", 0.0) + share
            w.record.meta = {**w.record.meta, "batch": len(waiting)}
            record = w.record
            try:
                with self._limits():
                    record = row_limits.bound_record(self._conclude(w.record, result))
            except (CandidateTimeout, CandidateLimit) as exc:
                record = self._stopped_waiting(w, exc)
            records.append(self._finish(record, w.start, w.phases))
        return records

    def _evaluate_alone(self, w: _Waiting) -> Record:
        self._phases, self._last = w.phases, time.perf_counter()
        try:
            with self._limits():
                record = row_limits.bound_record(self._evaluate(w))
        except (CandidateTimeout, CandidateLimit) as exc:
            record = self._stopped_waiting(w, exc)
        return self._finish(record, w.start, w.phases)

    def verify(self, source: str, metrics: dict[str, Any] | None = None) -> Verdict:
        """The problem's independent check of a stored program (:attr:`evolve.problem.Problem.verify`), under the
        problem's ``verify_timeout`` and this evaluator's memory cap; never raises for anything the program does
        (a failure is a verdict that did not pass, saying why)."""
        verify = self.problem.verify
        if verify is None:
            return Verdict(False, None, f"problem {self.problem.name!r} has no verify check")
        seconds = float(self.problem.verify_timeout)
        cpu = None if self.cpu_seconds is None else self.cpu_seconds * seconds / self.timeout
        try:
            with deadline(seconds), cpu_limit(cpu), self.watchdog.watching():
                tree = prog.parse(source)
                static_check.check(tree)
                verdict = verify(tree, dict(metrics or {}))
                if not isinstance(verdict, Verdict):
                    raise TypeError(f"verify returned {type(verdict).__name__}, not a Verdict")
                return verdict
        except (CandidateTimeout, CandidateLimit) as exc:
            return Verdict(False, None, f"the check stopped: {exc}")
        except Exception as exc:
            return Verdict(False, None, f"the check failed: {_message(exc)}"[: row_limits.ERROR_CHARS])

    def _begin(self, task: Task) -> float:
        start = self._last = time.perf_counter()
        self._phases = {}
        self._source, self._operator, self._code_hash, self._func_hash = task.source, task.operator or "gp", None, None
        return start

    def _stopped(self, task: Task, exc: CandidateTimeout | CandidateLimit) -> Record:
        """The record of a candidate stopped by a limit. With the hashes computed so far: the driver remembers
        them, so a repeat (by code or by behaviour) is its duplicate, not another run to the limit."""
        record = row_limits.bound_record(Record(task.id, self._source, self._operator, exc.status, error=str(exc),
                                                code_hash=self._code_hash, func_hash=self._func_hash))
        self._lap("timeout")
        return record

    def _stopped_waiting(self, w: _Waiting, exc: CandidateTimeout | CandidateLimit) -> Record:
        r = w.record
        self._phases = w.phases
        record = row_limits.bound_record(Record(r.id, r.source, r.operator, exc.status, error=str(exc),
                                                code_hash=r.code_hash, func_hash=r.func_hash, meta=r.meta))
        self._lap("timeout")
        return record

    def _remember(self, record: Record) -> None:
        if self.dedupe and record.status != Status.INVALID:
            if record.code_hash:
                self.seen_code.add(record.code_hash)
            if record.func_hash:
                self.seen_func.add(record.func_hash)

    def _finish(self, record: Record, start: float, phases: dict[str, float] | None = None) -> Record:
        # Only now, its record complete, may the program's hashes skip later candidates: the driver learns them
        # from this record, so it always knows the original of what this evaluator skips. (Remembered before the
        # full evaluation, a hash outlived a record that lost it, and a repeat was skipped as the duplicate of a
        # program the driver never heard of.) An invalid program is judged again: the driver keeps no hash of it.
        self._remember(record)
        record.eval_seconds = time.perf_counter() - start
        record.phases = self._phases if phases is None else phases
        return record

    def _lap(self, phase: str) -> None:
        now = time.perf_counter()
        self._phases[phase] = self._phases.get(phase, 0.0) + now - self._last
        self._last = now

    def mutate(self, task: Task) -> Task | Record:
        """Make the candidate's source: a task with ``source`` filled in, or an ``invalid``/``error``
        record when no child can be made. Runs under the deadline like evaluation does."""
        try:
            with self._limits():
                made = self._mutate(task)
        except (CandidateTimeout, CandidateLimit) as exc:
            made = Record(task.id, None, "gp", exc.status, error="mutation " + str(exc))
        return row_limits.bound_record(made) if isinstance(made, Record) else made

    def _mutate(self, task: Task) -> Task | Record:
        if task.source is not None:
            return task
        rng = np.random.default_rng(task.seed)
        skipped: dict[str, str] = {}
        try:
            proposal = None
            if task.operator is not None:
                try:
                    proposal = self.mutator.apply(task.operator, task.parents, self.problem, rng)
                except NotApplicable as exc:
                    skipped[task.operator] = str(exc)
            if proposal is None:
                proposal = self.mutator.propose(task.parents, self.problem, rng, exclude=tuple(skipped))
        except NotApplicable as exc:
            return Record(task.id, task.parents[0].source if task.parents else None, "gp", Status.INVALID,
                          error=f"no GP operator applies: {exc}")
        except Exception as exc:  # a mutator bug must not stop the campaign
            return Record(task.id, None, "gp", Status.ERROR, error="mutator failed: " + _message(exc))
        meta = {**proposal.meta, "not_applicable": skipped} if skipped else dict(proposal.meta)
        return Task(task.id, task.parents, task.seed, proposal.source, proposal.operator, task.audit, meta)

    def _prepare(self, task: Task) -> Record | _Waiting:
        """Every step before the full evaluation: a finished record, or the candidate waiting for its
        evaluation."""
        if task.source is None:
            made = self._mutate(task)
            self._lap("mutate")
            if isinstance(made, Record):
                return made
            task = made
        source, operator, meta = task.source, task.operator or "given", dict(task.meta)
        self._source, self._operator = source, operator
        if isinstance(source, str) and len(source) > row_limits.SOURCE_CHARS:  # not even parsed
            return Record(task.id, source, operator, Status.INVALID, error=row_limits.source_refusal(len(source)),
                          meta=meta)

        try:
            tree = prog.parse(source)
            static_check.check(tree)
            reason = self.problem.check(tree) if self.problem.check else None
            if reason:
                raise prog.ProgramError(reason)
        except prog.ProgramError as exc:
            return Record(task.id, source, operator, Status.INVALID, error=str(exc), meta=meta)
        code_hash = prog.code_hash(tree)
        self._code_hash = code_hash
        self._lap("check")
        record = Record(task.id, source, operator, Status.OK, code_hash=code_hash, meta=meta)
        if self.dedupe and code_hash in self.seen_code:
            record.skipped = "code"
            if not task.audit:
                return record

        try:
            fn = prog.compile_program(tree, self.problem.entrypoint)
        except prog.ProgramError as exc:
            # Its message may hold the candidate's own (an exception its module body raised): bound_record cuts it.
            record.status, record.error = Status.INVALID, str(exc)
            return record
        if self.dedupe:
            try:
                outputs = self.problem.probe(tree) if self.problem.probe else fn(*self._probe_inputs())
                record.func_hash = functional_hash(outputs, self.problem.hash_bits)
            except Exception as exc:
                record.status, record.error = Status.ERROR, "probe run failed: " + _message(exc)
                return record
            self._func_hash = record.func_hash
            if record.skipped is None and record.func_hash in self.seen_func:
                record.skipped = "func"
                if not task.audit:
                    return record
        self._lap("probe")

        return _Waiting(record, tree, fn)

    def _evaluate(self, w: _Waiting) -> Record:
        try:
            result = self.problem.evaluate_tree(w.tree) if self.problem.evaluate_tree else self.problem.evaluate(w.fn)
        except Exception as exc:
            result = exc
        finally:
            self._lap("evaluate")
        return self._conclude(w.record, result)

    @staticmethod
    def _conclude(record: Record, result: Any) -> Record:
        """``record`` completed with what the evaluation gave: a Result, or the exception it raised."""
        if isinstance(result, BaseException):
            record.status, record.error = Status.ERROR, _message(result)
            return record
        try:
            record.score, record.metrics = float(result.score), dict(result.metrics)
        except (AttributeError, TypeError, ValueError) as exc:  # the problem's bug: said, not a crashed batch
            record.status = Status.ERROR
            record.error = f"the problem's evaluate returned no usable Result: {_message(exc)}"
            return record
        if not np.isfinite(record.score):
            record.status, record.error = Status.ERROR, f"score is not finite ({record.score})"
        return record

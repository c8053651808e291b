"""LLM-calling agents searched as code, after ADAS's Meta Agent Search: a candidate is ``forward(task, llm)``.

``task`` is an arithmetic word problem (:mod:`problems.agents.arithmetic_tasks`) and ``llm(prompt,
temperature=0.0) -> str`` sends one prompt to the campaign's LLM endpoint (the embedded local model unless the
campaign names another) and returns the reply. The agent returns its answer, which must be the whole number
exactly. Fitness is the accuracy on the validation split, with its bootstrap confidence interval in the
metrics; the held-out split is for reports (:func:`accuracy_on`) and is never selected on. The agent is plain
Python under the engine's static check (no imports, no ``eval``, no dunder attributes) calling ``llm`` and
nothing else; more calls per task than the budget, or more time per task than the timeout, fail it with the
reason. Three seed agents start the search: chain of thought, self-consistency and self-refine.

The functional hash runs the agent on a few training tasks against a stand-in model whose reply is fixed by the
prompt: agents that send the same prompts and do the same with the replies collide, with no real call spent.

``evolve run llm_agent -m llm``: the LLM mutator proposes new agents with earlier ones from the archive as
parents and inspirations, the role ADAS's archive plays.
"""

from __future__ import annotations

import ast
import functools
import hashlib
import os
import time
from collections.abc import Callable
from typing import Any

import numpy as np

from evolve.llm.evaluation import LLM_BASE_URL_ENV, LLM_MODEL_ENV, LLMEvaluation
from evolve.problem import CandidateError, Objective, Problem, Result, Verdict
from evolve.programs import program, static_check
from problems.agents import arithmetic_tasks
from problems.agents.arithmetic_tasks import Task

ENTRYPOINT = "forward"

_LAST_NUMBER = '''def last_number(text):
    """The last whole number written in text ('' when there is none)."""
    found, digits = "", ""
    for ch in text.replace(",", "") + " ":
        if ch.isdigit():
            digits += ch
        elif digits:
            found, digits = digits, ""
    return found


'''

_SOLVE = ("Solve this math word problem. Think step by step, then write the final answer as a number on the "
          "last line.")

SEED_AGENTS: dict[str, str] = {
    "chain_of_thought": _LAST_NUMBER + f'''def forward(task, llm):
    """Chain of thought: one call that reasons step by step; the last number of the reply."""
    reply = llm("{_SOLVE}\\n\\nProblem: " + task + "\\n\\nSolution:")
    return last_number(reply)
''',
    "self_consistency": _LAST_NUMBER + f'''def forward(task, llm):
    """Self-consistency: five sampled chains of thought; the answer most of them reach."""
    votes = {{}}
    for _ in range(5):
        reply = llm("{_SOLVE}\\n\\nProblem: " + task + "\\n\\nSolution:", temperature=0.8)
        answer = last_number(reply)
        if answer:
            votes[answer] = votes.get(answer, 0) + 1
    if not votes:
        return ""
    return max(votes, key=votes.get)
''',
    "self_refine": _LAST_NUMBER + f'''def forward(task, llm):
    """Self-refine: a draft, the model's critique of it, and a revision that uses the critique."""
    draft = llm("{_SOLVE}\\n\\nProblem: " + task + "\\n\\nSolution:")
    critique = llm("Check this solution for mistakes in reasoning or arithmetic. Say what is wrong, if "
                   "anything.\\n\\nProblem: " + task + "\\n\\nSolution: " + draft + "\\n\\nReview:")
    final = llm("{_SOLVE} Use the review of a first attempt.\\n\\nProblem: " + task + "\\n\\nFirst attempt: "
                + draft + "\\n\\nReview: " + critique + "\\n\\nCorrected solution:")
    return last_number(final) or last_number(draft)
''',
}
"""The seed agents' sources (each self-contained: helper and ``forward``)."""


def seed_source(name: str) -> str:
    """The seed agent ``name`` (one of :data:`SEED_AGENTS`) inside an EVOLVE block."""
    return f"# EVOLVE-BLOCK-START\n{SEED_AGENTS[name]}# EVOLVE-BLOCK-END\n"


class BudgetExceeded(Exception):
    """Raised by ``llm`` inside an agent that called it more often, or later, than a task allows."""


class Calls:
    """The accounts of one task's ``llm`` calls: counts calls and tokens, refuses calls over the budget or past the
    task's deadline (and remembers that it did, so an agent that catches the refusal still fails).

    The agent never gets this object, only :meth:`handle`: a plain function that can call and nothing else. Its
    state lives here, out of the agent's reach (a closure's cells are reachable only through dunder attributes,
    which the static check refuses), so an agent cannot lift its budget or reset its counts; the evaluation reads
    the counts from here, never from the handle.

    Args:
        complete: ``complete(prompt, temperature) -> (reply, tokens)``; raises on an endpoint failure.
        budget: calls allowed.
        seconds: time allowed from the first call, calls included.
    """

    def __init__(self, complete: Callable[[str, float], tuple[str, int]], budget: int, seconds: float) -> None:
        self._complete = complete
        self.budget = budget
        self.seconds = seconds
        self.started = time.monotonic()
        self.calls = 0
        self.tokens = 0
        self.refused: str | None = None
        self.failed: str | None = None
        self.closed = False

    def handle(self) -> Callable[..., str]:
        """The ``llm(prompt, temperature=0.0) -> str`` the agent gets: it calls through these accounts, and has
        no attribute of its own that changes them (one the agent sets on it is only that, an attribute)."""
        accounts = self

        def llm(prompt: str, temperature: float = 0.0) -> str:
            return accounts.call(prompt, temperature)

        return llm

    def call(self, prompt: str, temperature: float = 0.0) -> str:
        """One call of the model, counted, or refused (:class:`BudgetExceeded`) over the budget or the time."""
        if not isinstance(prompt, str):
            raise TypeError(f"llm(prompt) takes a str, got {type(prompt).__name__}")
        if not 0.0 <= float(temperature) <= 2.0:
            raise ValueError(f"llm temperature must be in [0, 2], got {temperature}")
        if self.closed:  # a handle the agent kept from an earlier task: it must not spend calls no one counts
            self.refused = self.refused or "back to the llm of an earlier task"
        if self.calls >= self.budget:
            self.refused = self.refused or f"more than {self.budget} llm calls"
        why = self.limit_passed()
        if why:
            self.refused = why
            raise BudgetExceeded(why)
        self.calls += 1
        try:
            reply, tokens = self._complete(prompt, float(temperature))
        except RuntimeError as exc:  # remembered: an agent that swallows it still does not pass as wrong
            self.failed = self.failed or str(exc)
            raise
        self.tokens += tokens
        return reply

    def close(self) -> None:
        """End the task: a later call through its handle is refused."""
        self.closed = True

    def limit_passed(self) -> str | None:
        """Why this task went over its limits (a refused call, or its time up); None within them."""
        if self.refused:
            return self.refused
        late = time.monotonic() - self.started > self.seconds
        return f"past the {self.seconds:g} s a task may take" if late else None


def stand_in(prompt: str, temperature: float) -> tuple[str, int]:
    """A model whose reply is fixed by the prompt and temperature (for the functional hash): lines of words
    with numbers drawn from the prompt's digest, padded with whitespace as real replies often are, so that
    parsing, stripping and voting all show in what an agent returns."""
    d = hashlib.sha256(f"{temperature:.3f}|{prompt}".encode()).digest()
    return f" Step 1: {d[0]} and {d[1]}, so {d[0] * 7 + d[1]:,}.\nAnswer: {d[2] * 13}\n", 0


class Endpoint:
    """``complete(prompt, temperature) -> (reply, tokens)`` against an OpenAI-compatible endpoint, made on
    first use (the evaluator's process, not the driver's), through the engine's LLM client (deadline, retries).

    Raises (on call):
        RuntimeError: no endpoint is configured, or the call failed after its retries.
    """

    def __init__(self, base_url: str | None, model: str | None, max_tokens: int, deadline: float) -> None:
        self.base_url, self.model = base_url, model
        self.max_tokens, self.deadline = max_tokens, deadline
        self._client: Any = None

    def __call__(self, prompt: str, temperature: float) -> tuple[str, int]:
        if self._client is None:
            from evolve.llm.client import LLMClient, LLMSettings

            base_url = self.base_url or os.environ.get(LLM_BASE_URL_ENV)
            if not base_url:
                raise RuntimeError("no LLM endpoint for the agents: run them in a campaign (which starts the "
                                   "embedded model or uses its configured one) or pass base_url=")
            model = self.model or os.environ.get(LLM_MODEL_ENV) or "local"
            self._client = LLMClient(LLMSettings(base_url=base_url, model=model, max_tokens=self.max_tokens,
                                                 deadline=self.deadline, temperature=0.0, in_flight=1))
        call = self._client.complete([{"role": "user", "content": prompt}], temperature=temperature)
        if not call.ok:
            raise RuntimeError(f"the LLM endpoint failed: {call.error}")
        return call.text, call.tokens_in + call.tokens_out


def run_tasks(forward: Callable[..., Any], tasks: list[Task], complete: Callable[[str, float], tuple[str, int]],
              budget: int, seconds: float, split: str = "validation") -> dict[str, Any]:
    """Run an agent on ``tasks``: per task whether it was right, its calls and tokens, and the first error.

    An exception inside the agent counts the task as wrong (its first message is kept); so does a wrong answer.

    Raises:
        CandidateError: the agent went over the call budget or the time of a task (which one, and the limit).
        RuntimeError: the endpoint failed (not the agent's fault; the evaluation fails with that message).
    """
    correct = np.zeros(len(tasks))
    calls = np.zeros(len(tasks))
    tokens = np.zeros(len(tasks))
    first_error, errors = None, 0
    earlier: list[Calls] = []
    for i, task in enumerate(tasks):
        ledger = Calls(complete, budget, seconds)
        try:
            answer = forward(task.question, ledger.handle())
        except Exception as exc:  # the agent's own bug on this task: a wrong answer, as in ADAS
            answer, errors = None, errors + 1
            first_error = first_error or f"{type(exc).__name__}: {exc}"
        ledger.close()
        for past in (*earlier, ledger):
            if past.failed:
                raise RuntimeError(past.failed)
            why = past.limit_passed() if past is ledger else past.refused
            if why:
                raise CandidateError(f"forward went {why} on {split} task {i} (budget: {budget} calls, "
                                     f"{seconds:g} s per task)")
        earlier.append(ledger)
        correct[i] = arithmetic_tasks.is_correct(answer, task)
        calls[i], tokens[i] = ledger.calls, ledger.tokens
    return {"correct": correct, "calls": calls, "tokens": tokens, "errors": errors, "first_error": first_error}


def _check_options(start: str, train: int, validation: int, heldout: int, calls_per_task: int, probes: int,
                   task_seconds: float, max_tokens: int) -> None:
    """Refuse options :func:`make_problem` cannot work with, naming them."""
    if start not in SEED_AGENTS:
        raise ValueError(f"unknown seed agent {start!r}; choose one of {sorted(SEED_AGENTS)}")
    if min(validation, calls_per_task, probes) < 1 or train < probes or heldout < 0:
        raise ValueError(f"need validation >= 1, calls_per_task >= 1, 1 <= probes <= train and heldout >= 0; got "
                         f"validation={validation}, calls_per_task={calls_per_task}, probes={probes}, "
                         f"train={train}, heldout={heldout}")
    if task_seconds <= 0 or max_tokens < 1:
        raise ValueError(f"task_seconds must be > 0 and max_tokens >= 1, got {task_seconds}, {max_tokens}")


def _validation_metrics(runs: dict[str, Any]) -> dict[str, Any]:
    """The metrics of an agent's runs on the validation split (:func:`run_tasks`): accuracy with its bootstrap
    interval, calls, tokens and errors.

    Raises:
        CandidateError: the agent raised on every task.
    """
    correct = runs["correct"]
    if runs["errors"] == len(correct):
        raise CandidateError(f"forward raised on every validation task; the first: {runs['first_error']}")
    low, high = arithmetic_tasks.bootstrap_ci(correct)
    metrics: dict[str, Any] = {
        "accuracy": float(correct.mean()), "ci_low": low, "ci_high": high, "tasks": len(correct),
        "calls_per_task": float(runs["calls"].mean()), "max_calls": int(runs["calls"].max()),
        "tokens_per_task": float(runs["tokens"].mean()), "errors": runs["errors"],
    }
    if runs["first_error"]:
        metrics["first_error"] = runs["first_error"][:300]
    return metrics


def _fingerprint(forward: Callable[..., Any], tasks: list[Task], calls_per_task: int,
                 task_seconds: float) -> np.ndarray:
    """What an agent does on ``tasks`` against the stand-in model (the prompts it sends, the answer it returns),
    hashed into float32 numbers: the probe of the functional hash."""
    out = []
    for task in tasks:
        prompts: list[str] = []

        def recorded(prompt: str, temperature: float, prompts: list[str] = prompts) -> tuple[str, int]:
            prompts.append(f"{temperature:.3f}|{prompt}")
            return stand_in(prompt, temperature)

        try:
            answer = repr(forward(task.question, Calls(recorded, calls_per_task, task_seconds).handle()))
        except Exception as exc:
            answer = f"raised {type(exc).__name__}"
        digest = hashlib.sha256("\x00".join([*prompts, answer]).encode()).digest()
        # 24-bit chunks are exact in float32, which the hash canonicalises to.
        out.extend(int.from_bytes(digest[k:k + 3], "big") for k in range(0, 12, 3))
    return np.asarray(out, dtype=np.float32)


SIGMAS = 3.0
"""Held-out accuracy may fall this many standard errors (of the difference of two proportions) below the
validation accuracy before the agent fails its check."""


def verify_agent(tasks: list[Task], complete: Callable[[str, float], tuple[str, int]], calls_per_task: int,
                 task_seconds: float, tree: ast.Module, metrics: dict[str, Any]) -> Verdict:
    """The agent problem's ``verify``: the agent ``tree``'s accuracy on the held-out ``tasks`` (never used for
    selection), against its validation accuracy in ``metrics`` (``accuracy``, ``tasks``).

    The verdict's score is the held-out accuracy; it passes unless that is more than :data:`SIGMAS` standard errors
    of the difference below the validation accuracy (the band kept as the verdict's ``tolerance``).
    """
    if not tasks:
        return Verdict(False, None, "the problem was made with heldout=0: there are no held-out tasks to check on")
    try:
        found = scored(program.compile_program(tree, ENTRYPOINT), tasks, complete, calls_per_task, task_seconds,
                       "heldout")
    except CandidateError as exc:
        return Verdict(False, None, f"on the held-out tasks: {exc}")
    held, n, low, high = found["accuracy"], found["tasks"], found["ci_low"], found["ci_high"]
    search = metrics.get("accuracy")
    if search is None:
        return Verdict(False, held, f"held-out accuracy {held:.3f} on {n} tasks; no search figure to compare", found)
    m = max(int(metrics.get("tasks") or 1), 1)
    band = SIGMAS * float(np.sqrt(search * (1 - search) / m + held * (1 - held) / n))
    passed = held >= float(search) - band
    detail = (f"held-out accuracy {held:.3f} on {n} tasks (95% interval {low:.3f} to {high:.3f}) against "
              f"{float(search):.3f} on the {m} validation tasks: {'within' if passed else 'below'} the noise band of "
              f"{band:.3f} ({SIGMAS:g} standard errors)")
    return Verdict(passed, held, detail, {**found, "search_accuracy": float(search)}, tolerance=band)


def _description(examples: list[Task], calls_per_task: int) -> str:
    """What the LLM mutator is told about the problem, with a few training tasks as examples."""
    shown = "\n".join(f"- {t.question} -> {t.answer}" for t in examples)
    return (
        f"Write an agent `def {ENTRYPOINT}(task, llm)` that solves arithmetic word problems with the help of a "
        "small language model. `task` is the problem as a str; `llm(prompt, temperature=0.0)` sends one prompt "
        f"to the model and returns its reply as a str. At most {calls_per_task} calls per task. Return the "
        "answer: a whole number (int or digits as a str), checked exactly. Plain Python only: no imports, no "
        "eval, no attributes starting with '_'; helper functions are fine. Ideas: better prompts, several "
        "samples and a vote, checking and revising, splitting the problem into steps, computing the "
        f"arithmetic in Python from numbers the model extracts. Score: accuracy on held-back problems like "
        f"these:\n{shown}")


def make_problem(seed: int = 0, train: int = 40, validation: int = 30, heldout: int = 60, calls_per_task: int = 8,
                 task_seconds: float = 60.0, max_tokens: int = 256, probes: int = 4, base_url: str | None = None,
                 model: str | None = None, heldout_in_metrics: bool = False,
                 start: str = "chain_of_thought") -> Problem:
    """The agent-search problem on arithmetic word problems.

    Args:
        seed: seed of the task splits.
        train, validation, heldout: tasks per split. Validation is the fitness; train gives the hash's probe
            tasks and the examples shown to the LLM mutator; held-out is for reports.
        calls_per_task: most ``llm`` calls an agent may make on one task.
        task_seconds: most seconds an agent may take on one task.
        max_tokens: longest reply of one call.
        probes: training tasks the functional hash runs the agent on.
        base_url, model: the endpoint; by default the campaign's (set in the evaluators' environment).
        heldout_in_metrics: also run every candidate on the held-out split and record its accuracy (costs
            the calls; off by default).
        start: which seed agent is the campaign's seed; the other two join the first population.
    """
    _check_options(start, train, validation, heldout, calls_per_task, probes, task_seconds, max_tokens)
    sets = arithmetic_tasks.splits(seed, train, validation, heldout)
    endpoint = Endpoint(base_url, model, max_tokens, deadline=task_seconds)

    def evaluate(forward: Callable[..., Any]) -> Result:
        runs = run_tasks(forward, sets["validation"], endpoint, calls_per_task, task_seconds)
        metrics = _validation_metrics(runs)
        if heldout_in_metrics and sets["heldout"]:
            held = run_tasks(forward, sets["heldout"], endpoint, calls_per_task, task_seconds, "heldout")
            metrics["heldout_accuracy"] = float(held["correct"].mean())
        return Result(score=float(runs["correct"].mean()), metrics=metrics)

    def probe(tree: ast.Module) -> Any:
        forward = program.compile_program(tree, ENTRYPOINT)
        return _fingerprint(forward, sets["train"][:probes], calls_per_task, task_seconds)

    others = tuple(seed_source(name) for name in SEED_AGENTS if name != start)
    return Problem(
        name="llm_agent",
        description=_description(sets["train"][:3], calls_per_task),
        seed=seed_source(start),
        extra_seeds=others,
        entrypoint=ENTRYPOINT,
        probe_inputs=(),
        evaluate=evaluate,
        probe=probe,
        direction="max",
        objectives=(Objective("accuracy", "max"), Objective("calls_per_task", "min")),
        timeout=task_seconds * (validation + (heldout if heldout_in_metrics else 0)) + 30.0,
        verify=functools.partial(verify_agent, sets["heldout"], endpoint, calls_per_task, task_seconds)
        if sets["heldout"] else None,
        verify_timeout=task_seconds * heldout + 30.0,
        extensions=(LLMEvaluation(),),
    )


def accuracy_on(source: str, tasks: list[Task], complete: Callable[[str, float], tuple[str, int]],
                calls_per_task: int = 8, task_seconds: float = 60.0) -> dict[str, Any]:
    """An agent's accuracy on ``tasks`` (e.g. the held-out split), with its bootstrap interval and the calls and
    tokens it spends per task, for reports. A failure (budget, time) is returned as ``error``."""
    tree = program.parse(source)
    static_check.check(tree)
    try:
        return scored(program.compile_program(tree, ENTRYPOINT), tasks, complete, calls_per_task, task_seconds,
                      "report")
    except CandidateError as exc:
        return {"error": str(exc)}


def scored(forward: Callable[..., Any], tasks: list[Task], complete: Callable[[str, float], tuple[str, int]],
           calls_per_task: int, task_seconds: float, split: str) -> dict[str, Any]:
    """:func:`run_tasks` of ``forward`` on ``tasks``, summed up: accuracy with its bootstrap interval, calls and
    tokens per task, errors, tasks.

    Raises:
        CandidateError: the agent went over its call budget or the time of a task.
    """
    runs = run_tasks(forward, tasks, complete, calls_per_task, task_seconds, split)
    low, high = arithmetic_tasks.bootstrap_ci(runs["correct"])
    return {"accuracy": float(runs["correct"].mean()), "ci_low": low, "ci_high": high,
            "calls_per_task": float(runs["calls"].mean()), "tokens_per_task": float(runs["tokens"].mean()),
            "errors": runs["errors"], "tasks": len(tasks)}


__all__ = ["ENTRYPOINT", "SEED_AGENTS", "BudgetExceeded", "Calls", "Endpoint",
           "accuracy_on", "make_problem", "run_tasks", "scored", "seed_source", "stand_in", "verify_agent"]

"""The problem contract: what a researcher writes to plug a search target into the engine.

A problem is an ordinary Python module that exposes ``problem`` (a :class:`Problem`) or
``make_problem(**options) -> Problem``. It can live anywhere on disk; :func:`load_problem` finds it
by built-in name, dotted module name or file path.
"""

from __future__ import annotations

import ast
import dataclasses
import importlib
import importlib.util
import pkgutil
import re
import sys
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Literal, TypeVar

Direction = Literal["min", "max"]

E = TypeVar("E")


class CandidateError(Exception):
    """Raised by a problem's ``evaluate`` when a candidate's outputs are unusable (NaN, wrong shape...).

    The message is stored in the archive as the candidate's error, so say what was wrong.
    """


@dataclass(frozen=True)
class Result:
    """Outcome of evaluating one candidate.

    Attributes:
        score: the scalar the population ranks by (see ``Problem.direction``).
        metrics: named numbers worth keeping (JSON-serialisable), e.g. ``{"max_ulp": 3, "ops": 9}``.
    """

    score: float
    metrics: dict[str, Any] = field(default_factory=dict)


@dataclass(frozen=True)
class Verdict:
    """What an independent, stricter check (a problem's ``verify``) says of one program the search rated.

    Attributes:
        passed: whether the program holds up under the check (an exact law, its accuracy on every point, its
            return on fresh episodes).
        score: the program's figure under the check, in the units and direction of the search's score (None
            where the check gives no such figure, e.g. a symbolic proof); compared with the search score to flag a
            program whose verified figure is worse.
        detail: what was checked and what it found, for a reader (the archive keeps its first 2,000 characters).
        metrics: named figures of the check (JSON-serialisable).
        tolerance: how far ``score`` may fall short of the search score by sampling noise alone (a statistical
            band, e.g. three standard errors of a difference of means); a shortfall within it does not mark the
            program overrated. 0 for a deterministic check.
    """

    passed: bool
    score: float | None = None
    detail: str = ""
    metrics: dict[str, Any] = field(default_factory=dict)
    tolerance: float = 0.0


@dataclass(frozen=True)
class Objective:
    """One named metric and whether it is minimised or maximised."""

    name: str
    direction: Direction = "min"


@dataclass(frozen=True)
class ProblemSpec:
    """How an evaluator process re-creates a problem without pickling it.

    Exactly one of ``module`` (an importable dotted name) or ``source`` (the text of a problem file,
    with ``path`` kept for messages) is set; ``options`` are passed to ``make_problem``.
    """

    module: str | None = None
    source: str | None = None
    path: str | None = None
    options: dict[str, Any] = field(default_factory=dict)


@dataclass(frozen=True)
class Baselines:
    """Problem extension: the classical answers a campaign's programs are compared with (``evolve front
    --baselines``), e.g. the float32 targets' Taylor and minimax polynomials, measured by the problem itself.

    Attributes:
        measure: ``measure(problem, options) -> rows``: given the problem's name or path and its options, dicts
            with ``kind``, ``degree``, ``denominator`` (0 for a polynomial), ``source`` and ``metrics`` (None
            for one the problem cannot measure).
    """

    measure: Callable[[str, dict[str, Any]], list[dict[str, Any]]]


@dataclass
class Problem:
    """A search target: a seed program and a fitness, and the extensions a family of problems adds.

    The fields below are what every problem has. What only some problems need (a loss to fit constants by, a
    formula's fitted parameters, a policy's features, an evaluation that calls an LLM...) is an *extension*: a
    small object in ``extensions``, defined next to the code that reads it and documenting its own fields,
    found with :meth:`extension`. A problem without an extension gets the defaults that extension documents.
    The generic ones live in the engine: :class:`evolve.fitting.tuning.ConstantFit` (constant fitting),
    :class:`evolve.mutators.extensions.Vocabulary` (what the GP operators may write),
    :class:`evolve.mutators.extensions.FittedParameters` (a parameter vector the evaluation fits) and
    :class:`evolve.llm.evaluation.LLMEvaluation` (the evaluation calls an LLM); a family's live beside the family
    (``problems.symbolic.operators.Formula``, ``problems.agents.operators.Policy``). An extension may name, in a
    class attribute ``excludes_operators``, generic GP operators that do not suit its programs; the operator
    registry then never offers them to the problem.

    Attributes:
        name: short identifier, stored in the archive.
        description: shown to an LLM mutator; say what the program computes and what good means.
        seed: source of the starting program. It may wrap the mutable part in
            ``# EVOLVE-BLOCK-START`` / ``# EVOLVE-BLOCK-END`` lines.
        entrypoint: name of the function the seed defines and ``evaluate`` calls.
        probe_inputs: positional arguments for the entrypoint used for functional hashing: outputs on
            these inputs identify a program's behaviour. Keep them small (tens to a few thousand values).
        evaluate: ``evaluate(fn) -> Result``; ``fn`` is the compiled candidate. Raise
            :class:`CandidateError` (or anything) to fail the candidate with that message.
        evaluate_tree: ``evaluate_tree(tree: ast.Module) -> Result`` receives the checked program itself, for
            problems that transform it before running it (e.g. lift its constants into parameters and fit
            them, or run it through :mod:`evolve.programs.interpreter` instead of compiling it). Compile it with
            :mod:`evolve.programs.program`. Give ``evaluate``, ``evaluate_tree`` or both: with both, the
            evaluator calls ``evaluate_tree``, which must return what ``evaluate`` returns for the compiled
            program (``evaluate`` serves callers that hold only a function).
        evaluate_batch: optional ``evaluate_batch(trees: list[ast.Module]) -> list[Result | Exception]``, given
            with ``evaluate_tree``: evaluates the checked programs of one evaluator call together (e.g. one
            vmapped fit of every program the interpreter runs, for an accelerator), returning, for each, what
            ``evaluate_tree`` returns for it or the exception it raises. The evaluator then uses it for the
            candidates of a batch that reach evaluation (each candidate's limits are then the batch's: the
            timeout times the candidates); if the call itself fails or passes a limit, it evaluates them one at
            a time instead.
        probe: instead of running the entrypoint on ``probe_inputs``, ``probe(tree) -> outputs`` gives the
            outputs the functional hash is taken over (e.g. with every constant set to fixed random values,
            so formulas that differ only in their constants collide).
        direction: whether a lower (``"min"``) or higher (``"max"``) score is better.
        objectives: the metrics that matter for multi-objective views; defaults to the score alone.
        pareto: names of ``objectives`` that selection trades off (NSGA-II islands, see
            :class:`evolve.campaign.population.ParetoIsland`); fewer than two: selection by the score alone. Leave out
            metrics that must not steer the search (a held-out score).
        timeout: seconds one evaluation (probe, constant tuning and fitness) may take.
        hash_bits: mantissa bits kept by the functional hash (23 keeps every float32 bit).
        check: optional ``check(tree: ast.Module) -> str | None`` returning why a candidate is not
            allowed (e.g. it calls a function the problem forbids), or ``None``.
        options: the options ``make_problem`` was called with (stored with the campaign).
        spec: how evaluator processes re-create the problem (set by the loader).
        extra_seeds: further starting programs (e.g. the several seed agents of an agent search), evaluated
            after ``seed`` when a campaign starts and added to every island if they pass; one that fails is
            recorded with its reason and left out.
        extensions: the problem's extensions, at most one of each class (see above).
        verify: optional ``verify(tree: ast.Module, metrics: dict) -> Verdict``: an independent check, stricter
            than the search's evaluation, of a program the search rated (``metrics`` are its stored metrics, e.g.
            fitted constants): denser or exhaustive re-measurement, fresh held-out episodes, symbolic equivalence
            to a known law. Run on a campaign's best programs and Pareto front when it ends and by ``evolve
            verify``, in an evaluator, under ``verify_timeout`` seconds.
        verify_timeout: seconds one ``verify`` call may take.
    """

    name: str
    description: str
    seed: str
    entrypoint: str
    probe_inputs: Sequence[Any]
    evaluate: Callable[[Callable[..., Any]], Result] | None = None
    direction: Direction = "min"
    objectives: tuple[Objective, ...] = ()
    pareto: tuple[str, ...] = ()
    timeout: float = 10.0
    hash_bits: int = 23
    check: Callable[[ast.Module], str | None] | None = None
    options: dict[str, Any] = field(default_factory=dict)
    spec: ProblemSpec | None = None
    evaluate_tree: Callable[[ast.Module], Result] | None = None
    evaluate_batch: Callable[[list[ast.Module]], list[Result | Exception]] | None = None
    probe: Callable[[ast.Module], Any] | None = None
    extra_seeds: tuple[str, ...] = ()
    extensions: tuple[object, ...] = ()
    verify: Callable[[ast.Module, dict[str, Any]], Verdict] | None = None
    verify_timeout: float = 120.0

    def __post_init__(self) -> None:
        if self.evaluate is None and self.evaluate_tree is None:
            raise ValueError(f"problem {self.name!r}: give evaluate(fn), evaluate_tree(tree) or both")
        if self.evaluate_batch is not None and self.evaluate_tree is None:
            raise ValueError(f"problem {self.name!r}: evaluate_batch needs evaluate_tree too (the evaluator falls "
                             "back to it when a batch fails)")
        if self.direction not in ("min", "max"):
            raise ValueError(f"problem {self.name!r}: direction must be 'min' or 'max', not {self.direction!r}")
        if self.timeout <= 0:
            raise ValueError(f"problem {self.name!r}: timeout must be positive, got {self.timeout}")
        self.extensions = tuple(self.extensions)
        _check_extensions(self.name, self.extensions)
        if not self.objectives:
            self.objectives = (Objective("score", self.direction),)
        unknown = sorted(set(self.pareto) - {o.name for o in self.objectives})
        if unknown:
            raise ValueError(f"problem {self.name!r}: pareto names {unknown}, which are not among its objectives "
                             f"{[o.name for o in self.objectives]}")

    def extension(self, kind: type[E]) -> E | None:
        """The problem's extension of class ``kind`` (or of a subclass of it); None when it carries none."""
        return next((e for e in self.extensions if isinstance(e, kind)), None)

    def with_extension(self, extension: object) -> Problem:
        """A copy of the problem carrying ``extension`` in place of its extension of the same kind (added when it
        has none)."""
        kept = tuple(e for e in self.extensions if not _same_kind(e, extension))
        return dataclasses.replace(self, extensions=(*kept, extension))

    def pareto_objectives(self) -> tuple[tuple[str, str], ...]:
        """The ``(metric, direction)`` pairs selection trades off: the objectives named in ``pareto``."""
        return tuple((o.name, o.direction) for o in self.objectives if o.name in self.pareto)

    def key(self, score: float) -> float:
        """Map a score to a sort key where smaller is always better."""
        return score if self.direction == "min" else -score


def _same_kind(a: object, b: object) -> bool:
    """Whether two extensions are of one kind: one's class is the other's or a subclass of it."""
    return isinstance(a, type(b)) or isinstance(b, type(a))


def _check_extensions(name: str, extensions: tuple[object, ...]) -> None:
    """Refuse a class given instead of an instance, and two extensions of one kind (of which
    :meth:`Problem.extension` could return only one)."""
    for i, extension in enumerate(extensions):
        if isinstance(extension, type):
            raise ValueError(f"problem {name!r}: extensions holds the class {extension.__name__}; give an "
                             f"instance, e.g. {extension.__name__}(...)")
        twin = next((e for e in extensions[i + 1:] if _same_kind(e, extension)), None)
        if twin is not None:
            raise ValueError(f"problem {name!r}: two extensions of one kind ({type(extension).__name__} and "
                             f"{type(twin).__name__}); give one")


BUILTIN_PACKAGE = "problems"


_DEFINES_PROBLEM = re.compile(r"^(def make_problem\b|make_problem\s*[:=]|problem\s*[:=])", re.MULTILINE)


def builtin_problems() -> dict[str, str]:
    """Return the built-in problems as ``{short name: dotted module}`` (e.g. ``exp2``): the modules under
    ``problems/`` that define ``make_problem`` or ``problem`` (helpers such as data loaders are not listed).
    Their source is read, not imported, so listing stays cheap."""
    import problems

    found: dict[str, str] = {}
    for info in pkgutil.walk_packages(problems.__path__, prefix=f"{BUILTIN_PACKAGE}."):
        short = info.name.rsplit(".", 1)[-1]
        if info.ispkg or short.startswith("_"):
            continue
        spec = importlib.util.find_spec(info.name)
        origin = spec.origin if spec is not None else None
        if origin and origin.endswith(".py") and _DEFINES_PROBLEM.search(Path(origin).read_text(encoding="utf-8")):
            found[short] = info.name
    return dict(sorted(found.items()))


def _problem_from_module(module: Any, where: str, options: dict[str, Any]) -> Problem:
    factory = getattr(module, "make_problem", None)
    if factory is not None:
        problem = factory(**options)
    elif hasattr(module, "problem"):
        if options:
            raise ValueError(f"{where} exposes a fixed `problem` and takes no options; got {sorted(options)}")
        problem = module.problem
    else:
        raise ValueError(f"{where} defines neither `problem` nor `make_problem(**options)`; add one of them")
    if not isinstance(problem, Problem):
        raise TypeError(f"{where}: expected an evolve.Problem, got {type(problem).__name__}")
    problem.options = dict(options)
    return problem


def load_spec(spec: ProblemSpec) -> Problem:
    """Build the problem a :class:`ProblemSpec` describes (used inside evaluator processes)."""
    if spec.module is not None:
        module = importlib.import_module(spec.module)
        where = spec.module
    elif spec.source is not None:
        where = spec.path or "<problem source>"
        name = "evolve_user_problem_" + str(abs(hash(where)))
        module = type(sys)(name)
        module.__file__ = where
        sys.modules[name] = module  # dataclasses and pickling look the module up by name
        exec(compile(spec.source, where, "exec"), module.__dict__)
    else:
        raise ValueError("ProblemSpec needs a module name or a source text")
    problem = _problem_from_module(module, where, dict(spec.options))
    problem.spec = spec
    return problem


def load_problem(name_or_path: str, **options: Any) -> Problem:
    """Load a problem by built-in name (``exp2``), dotted module name, or path to a ``.py`` file.

    Keyword options go to the module's ``make_problem``.
    """
    path = Path(name_or_path)
    if name_or_path.endswith(".py") or path.is_file():
        if not path.is_file():
            raise FileNotFoundError(f"problem file {name_or_path!r} does not exist")
        spec = ProblemSpec(source=path.read_text(), path=str(path.resolve()), options=options)
        return load_spec(spec)
    builtins = builtin_problems()
    if name_or_path in builtins:
        return load_spec(ProblemSpec(module=builtins[name_or_path], options=options))
    if importlib.util.find_spec(name_or_path.split(".")[0]) is not None:
        try:
            return load_spec(ProblemSpec(module=name_or_path, options=options))
        except ModuleNotFoundError:
            pass
    known = ", ".join(builtins) or "none"
    raise ValueError(
        f"unknown problem {name_or_path!r}: give a built-in name ({known}), a dotted module name, "
        "or the path of a .py file that defines `problem` or `make_problem`"
    )

"""The problem contract: what a researcher writes to plug a search target into the engine.

A problem is an ordinary Python module that exposes ``problem`` (a :class:`Problem`) or
``make_problem(**options) -> Problem``. It can live anywhere on disk; :func:`load_problem` finds it
by built-in name, dotted module name or file path.
"""

from __future__ import annotations

import ast
import importlib
import importlib.util
import pkgutil
import re
import sys
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Literal

Direction = Literal["min", "max"]

LLM_BASE_URL_ENV = "EVOLVE_LLM_BASE_URL"
LLM_MODEL_ENV = "EVOLVE_LLM_MODEL"
"""Environment variables in which a campaign tells its evaluators its LLM endpoint (``Problem.uses_llm``)."""


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


@dataclass
class Problem:
    """A search target: a seed program and a fitness.

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
        evaluate_tree: instead of ``evaluate``, ``evaluate_tree(tree: ast.Module) -> Result`` receives the
            checked program itself, for problems that transform it before running it (e.g. lift its
            constants into parameters and fit them). Compile it with :mod:`evolve.program`.
        probe: instead of running the entrypoint on ``probe_inputs``, ``probe(tree) -> outputs`` gives the
            outputs the functional hash is taken over (e.g. with every constant set to fixed random values,
            so formulas that differ only in their constants collide).
        direction: whether a lower (``"min"``) or higher (``"max"``) score is better.
        objectives: the metrics that matter for multi-objective views; defaults to the score alone.
        pareto: names of ``objectives`` that selection trades off (NSGA-II islands, see
            :class:`evolve.population.ParetoIsland`); fewer than two: selection by the score alone. Leave out
            metrics that must not steer the search (a held-out score).
        timeout: seconds one evaluation (probe, constant tuning and fitness) may take.
        loss: optional smooth ``loss(fn) -> scalar`` (JAX-differentiable in the constants of ``fn``),
            which ``tune_constants`` minimises.
        hash_bits: mantissa bits kept by the functional hash (23 keeps every float32 bit).
        check: optional ``check(tree: ast.Module) -> str | None`` returning why a candidate is not
            allowed (e.g. it calls a function the problem forbids), or ``None``.
        binops: the binary operators (``+ - * / **``) the GP mutator may write.
        tune_dtype: dtype in which ``tune_constants`` fits constants (``"float32"`` or ``"float64"``).
        constant_dtype: the precision tuned constants are written back in (``"float32"``, or ``"float64"`` for
            programs that run in float64).
            ``"float64"`` fits the real-valued function, which float32 rounding noise cannot mislead;
            the loss then runs under ``jax.enable_x64`` and receives float64 parameters, so it should
            build its data with ``jnp.asarray`` of float64 numpy arrays (float64 there, float32
            otherwise). The tuned literals are still written as float32.
        options: the options ``make_problem`` was called with (stored with the campaign).
        params_arg: for programs whose constants are fitted during evaluation, the name of the
            entrypoint's argument that holds them (e.g. ``"params"``, used as ``params[i]``); GP operators
            never use it as a variable and write new constants as ``params[i]``.
        max_params: how many ``params[i]`` a program may use (``params[0]`` to ``params[max_params - 1]``).
        unary_functions: the ``jnp`` functions (e.g. ``"sin"``, ``"exp"``) the GP mutator may wrap around a
            subexpression; none for problems that allow no function calls.
        input_ranges: the training range ``(low, high)`` of each input variable, by the entrypoint's argument
            name. GP operators that write a new fitted shape of a variable (``multiply_shape``) start its
            constants inside this range; problems without it do not get those operators.
        residuals: for programs fitted to data, ``residuals(tree, metrics) -> (inputs, residual, jacobian) |
            None``: the training inputs in the entrypoint's argument order (each ``(rows,)``), what the program
            with the fitted constants its ``metrics`` record leaves unexplained there (``target - prediction``,
            ``(rows,)``), and the prediction's derivatives in those constants (``(rows, n)``); None when the
            metrics hold no fit or it leaves nothing but rounding to explain. Return the same ``inputs``
            object every time (it keys a cache). The GP operator ``add_residual_term`` adds the term that
            would explain most of the residual.
        features: for programs that take an array (a policy's ``obs``), the scalar features they may read,
            as source (``"obs[0]"``, ``"obs[1]"``...); the GP operators ``insert_where`` and
            ``add_feature_term`` branch on them and combine them. ``input_ranges`` may give their ranges.
        output_values: values the program's result may take that ``insert_where`` writes in a new branch
            (the actions of a discrete action space, or a box's ends and middle).
        output_bounds: for a continuous output that must lie in ``[low, high]`` (a box action), its bounds:
            ``add_feature_term`` clips a computed output it grows to them (``jnp.clip(e, low, high)``).
        batch_loss: for fitness that is not differentiable (a policy's return), ``batch_loss(make) ->
            losses``: given ``make(params) -> fn`` (the program with its float literals as a parameter vector),
            a traceable function from a batch of parameter vectors ``(n, k)`` to their losses ``(n,)`` (lower
            is better; ``inf`` for an invalid one). ``tune_constants`` then searches the constants without
            gradients, evaluating each batch in one compiled call (e.g. vmapped rollouts). Ignored when
            ``loss`` is given.
        extra_seeds: further starting programs (e.g. the several seed agents of an agent search), evaluated
            after ``seed`` when a campaign starts and added to every island if they pass; one that fails is
            recorded with its reason and left out.
        fit_constants: a problem's own constant fitter, ``fit_constants(source) -> source`` with its constants
            fitted (e.g. the minimax fit of :mod:`evolve.minimax`); ``tune_constants`` uses it first and falls
            back to its gradient or search tuner when it raises or changes nothing.
        structures: whole programs whose constants are to be fitted (every constant a placeholder), that the GP
            operator ``write_structure`` may propose in place of a parent: the forms a practitioner would write
            first (the float32 targets' Horner polynomials and rationals of each degree), so that the search
            never loses to a form it could have written itself. An entry may be a family (a tuple of programs,
            one form at each degree): ``write_structure`` picks an entry, then a member, so a form with many
            degrees does not crowd out the rest. Their constants are fitted by the search itself; the problem
            gives at most a start the fit needs (a rational's Padé approximant, where all-zero constants are
            0 / 0).
        uses_llm: the evaluation itself calls an LLM (an LLM-calling agent). A campaign then starts or
            resolves its LLM endpoint even with the GP mutator alone, and tells its evaluators where it is in
            the environment variables ``EVOLVE_LLM_BASE_URL`` and ``EVOLVE_LLM_MODEL``.
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
    loss: Callable[[Callable[..., Any]], Any] | None = None
    hash_bits: int = 23
    check: Callable[[ast.Module], str | None] | None = None
    binops: tuple[str, ...] = ("+", "-", "*", "/")
    tune_dtype: str = "float32"
    constant_dtype: str = "float32"
    options: dict[str, Any] = field(default_factory=dict)
    spec: ProblemSpec | None = None
    evaluate_tree: Callable[[ast.Module], Result] | None = None
    probe: Callable[[ast.Module], Any] | None = None
    params_arg: str | None = None
    max_params: int = 0
    unary_functions: tuple[str, ...] = ()
    input_ranges: dict[str, tuple[float, float]] = field(default_factory=dict)
    residuals: Callable[[ast.Module, dict[str, Any]], tuple[dict[str, Any], Any, Any] | None] | None = None
    features: tuple[str, ...] = ()
    output_values: tuple[float, ...] = ()
    output_bounds: tuple[float, float] | None = None
    batch_loss: Callable[[Callable[[Any], Callable[..., Any]]], Callable[[Any], Any]] | None = None
    extra_seeds: tuple[str, ...] = ()
    uses_llm: bool = False
    fit_constants: Callable[[str], str] | None = None
    structures: tuple[str | tuple[str, ...], ...] = ()

    def __post_init__(self) -> None:
        if (self.evaluate is None) == (self.evaluate_tree is None):
            raise ValueError(f"problem {self.name!r}: give exactly one of evaluate(fn) and evaluate_tree(tree)")
        if self.direction not in ("min", "max"):
            raise ValueError(f"problem {self.name!r}: direction must be 'min' or 'max', not {self.direction!r}")
        if self.timeout <= 0:
            raise ValueError(f"problem {self.name!r}: timeout must be positive, got {self.timeout}")
        if self.constant_dtype not in ("float32", "float64"):
            raise ValueError(f"problem {self.name!r}: constant_dtype must be 'float32' or 'float64', not "
                             f"{self.constant_dtype!r}")
        if self.tune_dtype not in ("float32", "float64"):
            raise ValueError(
                f"problem {self.name!r}: tune_dtype must be 'float32' or 'float64', not {self.tune_dtype!r}"
            )
        if not self.objectives:
            self.objectives = (Objective("score", self.direction),)
        unknown = sorted(set(self.pareto) - {o.name for o in self.objectives})
        if unknown:
            raise ValueError(f"problem {self.name!r}: pareto names {unknown}, which are not among its objectives "
                             f"{[o.name for o in self.objectives]}")

    def pareto_objectives(self) -> tuple[tuple[str, str], ...]:
        """The ``(metric, direction)`` pairs selection trades off: the objectives named in ``pareto``."""
        return tuple((o.name, o.direction) for o in self.objectives if o.name in self.pareto)

    def key(self, score: float) -> float:
        """Map a score to a sort key where smaller is always better."""
        return score if self.direction == "min" else -score


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

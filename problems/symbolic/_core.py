"""What every symbolic-regression problem shares: a candidate formula's contract, its constant fitting, its
metrics and its functional hash.

A candidate is ``equation(<inputs>, params)`` written with ``jnp``, returning the target for arrays of the
inputs. Its free constants are the ``params[j]`` it uses (``j`` an int literal below :data:`MAX_PARAMS`) and
every float literal it writes: all of them are fitted to the training data, so ``2.5 * x`` and
``params[0] * x`` are one model. Fitting is Levenberg-Marquardt (:func:`evolve.fitting.optimize.levenberg_marquardt`)
on the normalised mean squared error, in float64: a few iterations from each of several starting points at
once (``vmap``), then the best one refined. Formulas run through a jitted bytecode interpreter
(:mod:`evolve.programs.interpreter`), so a new formula costs no compilation; those it cannot run are compiled,
once per structure.

Metrics: NMSE (mean squared error over the target's variance) on the training data, the in-domain test set
and the out-of-domain test set; the number of free constants; the formula's size (AST nodes). The score is the
training NMSE, which is in-domain (the test sets are never used for selection), plus ``1e-12`` per node, so
formulas that fit equally well are ranked by size.

The functional hash runs the formula with every constant, canonically numbered by first appearance, set to
fixed random values, on a fixed sample of the inputs: formulas that differ only in how their constants are
written (``params[0] * x`` and ``params[3] * x`` and ``1.7 * x``) collide, as in Unified Functional Hashing.
"""

from __future__ import annotations

import ast
import functools
from collections import OrderedDict
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

import numpy as np

from evolve.mutators.extensions import FittedParameters, Vocabulary
from evolve.problem import CandidateError, Objective, Problem, Result
from evolve.programs import interpreter, program
from evolve.programs.constants import lift_constants
from problems.symbolic.data import Dataset
from problems.symbolic.operators import Formula

MAX_PARAMS = 10
"""Free constants a formula may have (``params[0]`` to ``params[9]`` and float literals together)."""

PARAMS_ARG = "params"
UNARY_FUNCTIONS = ("sin", "cos", "exp", "log", "sqrt", "abs", "tanh")
"""Functions the GP mutator may wrap around a subexpression of a formula."""
ENTRYPOINT = "equation"
SIZE_WEIGHT = 1e-12
EXACT_NMSE = 1e-24
"""Training NMSE below which a fit is exact to rounding, with no residual worth explaining."""
PROBE_ROWS = 64


def seed_source(dataset: Dataset) -> str:
    """The starting formula: linear in every input, as LLM-SR starts."""
    args = ", ".join((*dataset.inputs, PARAMS_ARG))
    terms = " + ".join(f"params[{i}] * {name}" for i, name in enumerate(dataset.inputs))
    return (
        "# EVOLVE-BLOCK-START\n"
        f"def {ENTRYPOINT}({args}):\n"
        f'    """{dataset.target} from {", ".join(dataset.inputs)}; params are fitted to the data."""\n'
        f"    return {terms} + params[{len(dataset.inputs)}]\n"
        "# EVOLVE-BLOCK-END\n"
    )


def describe(dataset: Dataset) -> str:
    """What the LLM is told: the system and its variables, then the form of the answer."""
    args = ", ".join((*dataset.inputs, PARAMS_ARG))
    return (
        f"{dataset.description.strip()}\n\n"
        f"Find the formula for {dataset.target} as `def {ENTRYPOINT}({args})` written with `jnp` (jax.numpy): "
        f"the inputs are arrays of equal shape; return the predicted {dataset.target} with that shape. "
        f"`params` holds up to {MAX_PARAMS} constants (params[0] to params[{MAX_PARAMS - 1}]) that are fitted "
        "to the data by BFGS after you write the formula, so use params[i] where a constant's value is "
        "unknown; float literals are fitted too. Lower normalised mean squared error is better; among "
        "equally good formulas, smaller is better. Keep the formula physically meaningful."
    )


def _entry(tree: ast.Module) -> ast.FunctionDef | None:
    for node in ast.walk(tree):
        if isinstance(node, ast.FunctionDef) and node.name == ENTRYPOINT:
            return node
    return None


def check_formula(tree: ast.Module, n_inputs: int) -> str | None:
    """Why a formula is not allowed, or None: the entrypoint's arity, ``params`` used only as ``params[j]``
    with an int literal ``j`` in range, and at most :data:`MAX_PARAMS` free constants."""
    entry = _entry(tree)
    if entry is None:
        return f"the formula must define `{ENTRYPOINT}(...)`"
    args = entry.args
    if args.vararg or args.kwarg or args.kwonlyargs or len(args.posonlyargs) + len(args.args) != n_inputs + 1:
        return (f"`{ENTRYPOINT}` takes the {n_inputs} inputs and then `params`, positionally "
                f"({n_inputs + 1} arguments)")
    params = (args.posonlyargs + args.args)[-1].arg
    for node in ast.walk(entry):
        if isinstance(node, ast.Subscript) and isinstance(node.value, ast.Name) and node.value.id == params:
            index = node.slice
            if not (isinstance(index, ast.Constant) and type(index.value) is int):
                return f"index {params} with an int literal, e.g. {params}[0] (got {ast.unparse(node)})"
            if not 0 <= index.value < MAX_PARAMS:
                return f"{ast.unparse(node)} is out of range: at most {MAX_PARAMS} parameters, {params}[0] to " \
                       f"{params}[{MAX_PARAMS - 1}]"
    uses = [n for n in ast.walk(entry) if isinstance(n, ast.Name) and n.id == params]
    subscripted = {id(n.value) for n in ast.walk(entry) if isinstance(n, ast.Subscript)}
    if any(id(n) not in subscripted for n in uses):
        return f"use {params} only as {params}[i] (not as a whole array)"
    _, values = lift_constants(tree, params)
    if len(values) > MAX_PARAMS:
        return (f"{len(values)} free constants (params and float literals); at most {MAX_PARAMS} are fitted: "
                "reuse params or write integers where a constant is exact")
    return None


def formula_size(tree: ast.Module) -> int:
    """AST nodes of the entrypoint's body (its docstring left out)."""
    entry = _entry(tree)
    if entry is None:
        return program.count_nodes(tree)
    body = entry.body
    if body and isinstance(body[0], ast.Expr) and isinstance(body[0].value, ast.Constant):
        body = body[1:]
    return sum(program.count_nodes(stmt) for stmt in body)


def _x64() -> Any:
    import jax

    return jax.enable_x64(True)


SCOUT_STEPS = 12
"""Levenberg-Marquardt iterations every starting point gets before the best one is refined."""


def _multistart(residuals: Callable, starts: Any, steps: int) -> tuple[Any, Any]:
    """Fit from every start for :data:`SCOUT_STEPS`, then refine the best for up to ``steps``; return
    ``(params (1, n), cost (1,))`` (traceable). Refining one start rather than all saves most of the work:
    under ``vmap`` every start runs as long as the slowest."""
    import jax
    import jax.numpy as jnp

    from evolve.fitting.optimize import levenberg_marquardt

    scouted, costs = jax.vmap(lambda u0: levenberg_marquardt(residuals, u0, min(SCOUT_STEPS, steps)))(starts)
    best = jnp.argmin(costs)
    u, c = levenberg_marquardt(residuals, scouted[best], steps)
    keep = c <= costs[best]
    return jnp.where(keep, u, scouted[best])[None], jnp.where(keep, c, costs[best])[None]


def _scaled(predict: Callable, X: Any, y: Any) -> Callable:
    """Residuals whose sum of squares is the NMSE."""
    import jax.numpy as jnp

    scale = jnp.sqrt(y.shape[0] * (jnp.var(y) + 1e-300))
    return lambda theta: (predict(theta, X) - y) / scale


@functools.cache
def _interpreted_fit(steps: int) -> Callable:
    """``fit(starts (k, n), X (d, m), y (m,), code) -> (params, cost)`` for any translated formula
    (starts padded to :data:`MAX_PARAMS`): one compilation per code size and data shape, none per formula."""
    import jax

    @jax.jit
    def fit(starts: Any, X: Any, y: Any, code: tuple) -> tuple[Any, Any]:
        return _multistart(_scaled(lambda theta, X: interpreter.run(code, theta, X), X, y), starts, steps)

    return fit


@functools.cache
def _batched_interpreted_fit(steps: int) -> Callable:
    """``fit(starts (b, k, n), X (d, m), y (m,), codes) -> (params (b, 1, n), cost (b, 1))``: the fits of ``b``
    translated formulas of one code size (their codes stacked on a leading axis), in one vmapped call."""
    import jax

    @jax.jit
    def fit(starts: Any, X: Any, y: Any, codes: tuple) -> tuple[Any, Any]:
        def one(start: Any, code: tuple) -> tuple[Any, Any]:
            return _multistart(_scaled(lambda theta, X: interpreter.run(code, theta, X), X, y), start, steps)

        return jax.vmap(one)(starts, codes)

    return fit


@functools.cache
def _interpret() -> Callable:
    """``interpreter.run``, jitted (once per code size and data shape)."""
    import jax

    return jax.jit(interpreter.run)
# Compiled fits per formula structure (the canonical lifted source) for formulas the interpreter does not
# run: rewritten constants reuse the fit.
_FITS: OrderedDict[tuple[str, int], Callable] = OrderedDict()
_FIT_CACHE = 128


def _compiled_fit(lifted_source: str, n_inputs: int, steps: int) -> Callable:
    """``fit(starts (k, n), X (d, m), y (m,)) -> (params, cost)``, jitted, for one formula structure."""
    import jax
    import jax.numpy as jnp

    key = (lifted_source, steps)
    if key in _FITS:
        _FITS.move_to_end(key)
        return _FITS[key]
    make = program.compile_lifted(program.parse(lifted_source), ENTRYPOINT)

    def predict(theta: Any, X: Any) -> Any:
        return jnp.broadcast_to(make(theta)(*(X[i] for i in range(n_inputs)), theta), X[0].shape)

    @jax.jit
    def fit(starts: Any, X: Any, y: Any) -> tuple[Any, Any]:
        return _multistart(_scaled(predict, X, y), starts, steps)

    _FITS[key] = fit
    if len(_FITS) > _FIT_CACHE:
        _FITS.popitem(last=False)
    return fit


def _run(make: Callable, theta: np.ndarray, X: np.ndarray) -> np.ndarray:
    """A lifted formula's predictions for the rows of ``X`` with constants ``theta``, as float64 of shape
    ``(rows,)`` (a formula that ignores its inputs gives a scalar, broadcast here)."""
    import jax.numpy as jnp

    theta = jnp.asarray(theta)
    out = make(theta)(*(jnp.asarray(X[:, i]) for i in range(X.shape[1])), theta)
    return np.broadcast_to(np.asarray(out, dtype=np.float64), (len(X),)).copy()


def _nmse(pred: np.ndarray, y: np.ndarray) -> float:
    return float(np.mean((pred - y) ** 2) / (np.var(y) + 1e-300))


@dataclass(frozen=True, eq=False)
class _FitData:
    """What every evaluation of one formula problem shares: its data sets, the rows it fits on, the probe, the
    starting points of the fit and how formulas run."""

    inputs: tuple[str, ...]
    sets: dict[str, tuple[np.ndarray, np.ndarray]]
    """``train``, ``id`` and (when the dataset has one) ``ood``: ``(X (rows, inputs), y (rows,))``, float64."""
    X_fit: np.ndarray
    y_fit: np.ndarray
    probe_X: np.ndarray
    probe_theta: np.ndarray
    random_starts: np.ndarray
    """Starting points of the free params after the first, ``(starts - 1, MAX_PARAMS)``."""
    literal_jitter: np.ndarray
    """Factors the written constants are scaled by at those starts, ``(starts - 1, MAX_PARAMS)``."""
    steps: int
    interpret: bool
    device: dict[str, Any] = field(default_factory=dict)
    """The data as JAX float64 arrays, inputs transposed, made on first use (in the evaluator's process)."""


def _fit_data(dataset: Dataset, starts: int, steps: int, fit_rows: int, seed: int, interpret: bool) -> _FitData:
    X_train, y_train = (np.asarray(a, dtype=np.float64) for a in dataset.train)
    rng = np.random.default_rng(seed)
    fit_idx = np.sort(rng.choice(len(y_train), size=min(fit_rows, len(y_train)), replace=False))
    probe_X = X_train[np.sort(rng.choice(len(y_train), size=min(PROBE_ROWS, len(y_train)), replace=False))]
    probe_theta = rng.uniform(0.5, 2.0, MAX_PARAMS) * rng.choice([-1.0, 1.0], MAX_PARAMS)
    random_starts = rng.normal(0.0, 1.0, (max(starts - 1, 0), MAX_PARAMS))
    literal_jitter = np.exp(rng.normal(0.0, 0.5, (max(starts - 1, 0), MAX_PARAMS)))
    sets = {"train": (X_train, y_train), "id": tuple(np.asarray(a, dtype=np.float64) for a in dataset.test_id)}
    if dataset.test_ood is not None:
        sets["ood"] = tuple(np.asarray(a, dtype=np.float64) for a in dataset.test_ood)
    return _FitData(inputs=tuple(dataset.inputs), sets=sets, X_fit=X_train[fit_idx], y_fit=y_train[fit_idx],
                    probe_X=probe_X, probe_theta=probe_theta, random_starts=random_starts,
                    literal_jitter=literal_jitter, steps=steps, interpret=interpret)


def _lifted(tree: ast.Module) -> tuple[ast.Module, list[float | None]]:
    return lift_constants(tree, _params_name(tree))


def _on_device(data: _FitData, name: str, X: np.ndarray, y: np.ndarray | None = None) -> tuple[Any, Any]:
    import jax.numpy as jnp

    if name not in data.device:
        data.device[name] = (jnp.asarray(X.T), None if y is None else jnp.asarray(y))
    return data.device[name]


def _runner(data: _FitData, lift: ast.Module) -> tuple[tuple | None, Callable[[np.ndarray, str, np.ndarray],
                                                                              np.ndarray]]:
    """The formula's code for the interpreter (None when it is compiled instead) and
    ``predict(theta, set name, X) -> (rows,)`` float64."""
    import jax.numpy as jnp

    code = interpreter.translate(lift, ENTRYPOINT, data.inputs) if data.interpret else None
    if code is None:
        make = program.compile_lifted(lift, ENTRYPOINT)
        return None, lambda theta, where, X: _run(make, theta, X)
    arrays = tuple(jnp.asarray(a) for a in code)

    def predict(theta: np.ndarray, where: str, X: np.ndarray) -> np.ndarray:
        padded = jnp.asarray(np.pad(theta, (0, MAX_PARAMS - len(theta))))
        return np.asarray(_interpret()(arrays, padded, _on_device(data, where, X)[0]), dtype=np.float64)

    return arrays, predict


def _checked(inputs: tuple[str, ...], pred: np.ndarray, X: np.ndarray, where: str) -> np.ndarray:
    bad = ~np.isfinite(pred)
    if bad.any():
        i = int(np.argmax(bad))
        at = ", ".join(f"{k}={X[i, j]:.6g}" for j, k in enumerate(inputs))
        raise CandidateError(f"non-finite prediction ({pred[i]}) on the {where} data at {at}")
    return pred


def _starts(data: _FitData, values: list[float | None]) -> np.ndarray:
    """The fit's starting points ``(starts, len(values))``: the written constants with params at 1, then the
    written constants jittered and the params drawn at random."""
    n = len(values)
    first = np.array([1.0 if v is None else v for v in values])
    written = np.array([v is not None for v in values])
    others = np.where(written, first * data.literal_jitter[:, :n], data.random_starts[:, :n])
    return np.vstack([first, others])


def _padded(start: np.ndarray) -> np.ndarray:
    """Starting points padded to :data:`MAX_PARAMS`: one compiled fitter per code size serves every parameter count
    (the parameters a formula does not use get no step)."""
    return np.pad(start, ((0, 0), (0, MAX_PARAMS - start.shape[1])))


def _best(params: Any, losses: Any, n: int) -> tuple[np.ndarray, float]:
    losses = np.asarray(losses, dtype=np.float64)
    if not np.isfinite(losses).any():
        raise CandidateError("no starting point of the fit gave finite predictions on the training data")
    best = int(np.nanargmin(np.where(np.isfinite(losses), losses, np.inf)))
    return np.asarray(params, dtype=np.float64)[best, :n], float(losses[best])


def _fitted(data: _FitData, lift: ast.Module, values: list[float | None], code: tuple | None
            ) -> tuple[np.ndarray, float]:
    """The best constants of a lifted formula with ``values`` (None for a ``params[j]``) on the fitting rows,
    and its NMSE there, from several starting points at once."""
    import jax.numpy as jnp

    start = _starts(data, values)
    X_fit_t, y_fit_j = _on_device(data, "fit", data.X_fit, data.y_fit)
    if code is not None:
        params, losses = _interpreted_fit(data.steps)(jnp.asarray(_padded(start)), X_fit_t, y_fit_j, code)
    else:
        fit = _compiled_fit(program.unparse(lift), len(data.inputs), data.steps)
        params, losses = fit(jnp.asarray(start), X_fit_t, y_fit_j)
    return _best(params, losses, len(values))


def _fitted_together(data: _FitData, formulas: list[tuple[list[float | None], tuple]]
                     ) -> list[tuple[np.ndarray, float] | Exception]:
    """:func:`_fitted` for several translated formulas ``(values, code)`` of one code size, in one vmapped call.
    The batch is padded to a power of two (with copies of its first formula) so that few batch sizes compile."""
    import jax.numpy as jnp

    size = 1 << (len(formulas) - 1).bit_length()
    padded = formulas + [formulas[0]] * (size - len(formulas))
    starts = jnp.asarray(np.stack([_padded(_starts(data, values)) for values, _ in padded]))
    codes = tuple(jnp.stack(column) for column in zip(*(code for _, code in padded), strict=True))
    X_fit_t, y_fit_j = _on_device(data, "fit", data.X_fit, data.y_fit)
    params, losses = (np.asarray(a) for a in _batched_interpreted_fit(data.steps)(starts, X_fit_t, y_fit_j, codes))
    fits: list[tuple[np.ndarray, float] | Exception] = []
    for i, (values, _) in enumerate(formulas):
        try:
            fits.append(_best(params[i], losses[i], len(values)))
        except CandidateError as exc:
            fits.append(exc)
    return fits


def _formula_result(data: _FitData, tree: ast.Module, lift: ast.Module, values: list[float | None],
                    predict: Callable, fit: tuple[np.ndarray, float | None]) -> Result:
    theta, fit_loss = fit
    nmse = {where: _nmse(_checked(data.inputs, predict(theta, where, X), X, where), y)
            for where, (X, y) in data.sets.items()}
    size = formula_size(tree)
    metrics = {"nmse_train": nmse["train"], "nmse_id": nmse["id"], "nmse_ood": nmse.get("ood"),
               "n_params": len(values), "size": size, "params": [float(t) for t in theta], "fit_nmse": fit_loss}
    return Result(score=nmse["train"] + SIZE_WEIGHT * size, metrics=metrics)


def _evaluate_formula(data: _FitData, tree: ast.Module) -> Result:
    """The problem's ``evaluate_tree``: fit the formula's constants, then its NMSE on every data set."""
    with _x64():
        lift, values = _lifted(tree)
        code, predict = _runner(data, lift)
        fit = _fitted(data, lift, values, code) if values else (np.zeros(0), None)
        return _formula_result(data, tree, lift, values, predict, fit)


def _evaluate_formulas(data: _FitData, trees: list[ast.Module]) -> list[Result | Exception]:
    """The problem's ``evaluate_batch``: :func:`_evaluate_formula` for each of ``trees``, the fits of the formulas
    the interpreter runs done in one vmapped call per code size (on an accelerator, the batch costs about what one
    fit does; on a CPU it costs more than the fits one by one, as each fit then runs as long as the slowest)."""
    results: list[Result | Exception | None] = [None] * len(trees)
    with _x64():
        made: dict[int, tuple[ast.Module, list[float | None], tuple | None, Callable]] = {}
        for i, tree in enumerate(trees):
            try:
                lift, values = _lifted(tree)
                made[i] = (lift, values, *_runner(data, lift))
            except Exception as exc:
                results[i] = exc
        groups: dict[int, list[int]] = {}
        for i, (_, values, code, _) in made.items():
            if code is not None and values:
                groups.setdefault(int(code[0].shape[0]), []).append(i)
        fits: dict[int, tuple[np.ndarray, float] | Exception] = {}
        for members in groups.values():
            if len(members) > 1:
                fits.update(zip(members, _fitted_together(data, [(made[i][1], made[i][2]) for i in members]),
                                strict=True))
        for i, (lift, values, code, predict) in made.items():
            try:
                fit = fits.get(i) or (_fitted(data, lift, values, code) if values else (np.zeros(0), None))
                if isinstance(fit, Exception):
                    raise fit
                results[i] = _formula_result(data, trees[i], lift, values, predict, fit)
            except Exception as exc:
                results[i] = exc
    return [r if r is not None else RuntimeError("not evaluated") for r in results]


def _residuals(data: _FitData, tree: ast.Module, metrics: dict[str, Any]
               ) -> tuple[dict[str, np.ndarray], np.ndarray, np.ndarray] | None:
    """The problem's ``residuals``: the fitting rows by input, what the fitted formula leaves unexplained there,
    and its sensitivity to each fitted constant; None when there is nothing to explain."""
    theta = metrics.get("params")
    if theta is None:
        return None
    theta = np.asarray(theta, dtype=np.float64)
    with _x64():
        lift, values = _lifted(tree)
        if len(values) != len(theta):
            return None
        predict = _runner(data, lift)[1]
        pred = predict(theta, "fit", data.X_fit)
        # Central differences: the formula's sensitivity to each fitted constant, (rows, n).
        deltas = 1e-6 * np.maximum(1.0, np.abs(theta))
        jacobian = np.column_stack(
            [(predict(theta + h * e, "fit", data.X_fit) - predict(theta - h * e, "fit", data.X_fit)) / (2 * h)
             for h, e in zip(deltas, np.eye(len(theta)), strict=True)]) if len(theta) else np.zeros((len(pred), 0))
    left = data.y_fit - pred
    # At rounding level there is nothing left to explain: a term would be fitted to noise.
    if not np.isfinite(pred).all() or np.mean(left**2) <= EXACT_NMSE * np.var(data.y_fit):
        return None
    return {k: data.X_fit[:, j] for j, k in enumerate(data.inputs)}, left, jacobian


def _probe(data: _FitData, tree: ast.Module) -> Any:
    """The problem's ``probe``: the formula at fixed constants on fixed rows, for the functional hash."""
    with _x64():
        lift, values = _lifted(tree)
        return _runner(data, lift)[1](data.probe_theta[: len(values)], "probe", data.probe_X)


def formula_problem(
    dataset: Dataset,
    *,
    name: str | None = None,
    starts: int = 8,
    steps: int = 100,
    fit_rows: int = 1000,
    timeout: float = 60.0,
    seed: int = 0,
    interpret: bool = True,
    batch: bool = False,
    options: dict[str, Any] | None = None,
) -> Problem:
    """A problem whose candidates are formulas for ``dataset.target`` from ``dataset.inputs``.

    Args:
        dataset: training data, in-domain test data and optionally out-of-domain test data.
        name: the problem's name (default: the dataset's).
        starts: starting points per fit (the formula's written constants with params at 1, then random).
        steps: the most Levenberg-Marquardt iterations of the refined start.
        fit_rows: training rows used to fit (a fixed random subset when there are more); metrics use all rows.
        timeout: seconds one evaluation, fitting included, may take.
        seed: seed of the starting points, the fitting subset and the probe.
        interpret: fit formulas through the bytecode interpreter where they translate (no compilation per
            formula); False compiles every structure (slower, for checking that both agree).
        batch: fit the formulas of one evaluator call that the interpreter runs in one vmapped call per code size
            (``evaluate_batch``), for an accelerator; off by default, because on a CPU every fit of a batch then
            runs as long as its slowest (``bench/eval_rate.py`` measures both).
    """
    n_inputs = len(dataset.inputs)
    data = _fit_data(dataset, starts, steps, fit_rows, seed, interpret)
    X_train = data.sets["train"][0]
    return Problem(
        name=name or dataset.name,
        description=describe(dataset),
        seed=seed_source(dataset),
        entrypoint=ENTRYPOINT,
        probe_inputs=(),
        evaluate_tree=functools.partial(_evaluate_formula, data),
        evaluate_batch=functools.partial(_evaluate_formulas, data) if batch and interpret else None,
        probe=functools.partial(_probe, data),
        direction="min",
        objectives=(Objective("nmse_train", "min"), Objective("size", "min")),
        timeout=timeout,
        hash_bits=32,
        check=lambda tree: check_formula(tree, n_inputs),
        options=dict(options or {}),
        extensions=(
            Vocabulary(binops=("+", "-", "*", "/")),
            FittedParameters(arg=PARAMS_ARG, max_params=MAX_PARAMS),
            Formula(unary_functions=UNARY_FUNCTIONS,
                    input_ranges={k: (float(X_train[:, j].min()), float(X_train[:, j].max()))
                                  for j, k in enumerate(dataset.inputs)},
                    residuals=functools.partial(_residuals, data)),
        ),
    )


FIT_OPTIONS = ("starts", "steps", "fit_rows", "timeout", "seed", "interpret", "batch")
"""Options of :func:`formula_problem` that every symbolic problem passes on."""


def dataset_problem(dataset: Dataset, options: dict[str, Any]) -> Problem:
    """:func:`formula_problem` with the fitting options picked from a problem's options (unknown ones are
    refused with the list of known ones)."""
    unknown = sorted(set(options) - set(FIT_OPTIONS))
    if unknown:
        raise ValueError(f"unknown option(s) {unknown} for problem {dataset.name!r}; fitting options are "
                         f"{list(FIT_OPTIONS)}")
    return formula_problem(dataset, **options)


def _params_name(tree: ast.Module) -> str:
    entry = _entry(tree)
    if entry is None:
        return PARAMS_ARG
    args = entry.args.posonlyargs + entry.args.args
    return args[-1].arg if args else PARAMS_ARG


__all__ = ["ENTRYPOINT", "MAX_PARAMS", "check_formula", "describe", "formula_problem", "formula_size",
           "seed_source"]

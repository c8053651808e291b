"""Fitting a program's constants: the problem's own fitter, else BFGS on its loss or an evolution strategy on its
batch loss, compiled once per program structure. What to fit by is the problem's :class:`ConstantFit` extension.
``tune_constants`` is also a GP operator (declared in the operator registry), and the mutator tunes the children
of the operators that ask for it.
"""

from __future__ import annotations

import math
from collections import OrderedDict
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

import numpy as np

from evolve.fitting.optimize import bfgs
from evolve.mutators.ast_edit import parse_block, split
from evolve.mutators.base import NotApplicable
from evolve.mutators.registry import register
from evolve.problem import Problem
from evolve.programs import interpreter, program
from evolve.programs.constants import lift_constants, lower_constants

_DTYPES = ("float32", "float64")


@dataclass(frozen=True)
class ConstantFit:
    """Problem extension: what ``tune_constants`` fits a program's constants by. Without it (or without any of
    ``loss``, ``batch_loss`` and ``fit_constants``) the tuner does not apply to the problem.

    Attributes:
        loss: a smooth ``loss(fn) -> scalar`` (JAX-differentiable in the constants of ``fn``), which
            ``tune_constants`` minimises by BFGS.
        batch_loss: for fitness that is not differentiable (a policy's return), ``batch_loss(make) ->
            losses``: given ``make(params) -> fn`` (the program with its float literals as a parameter vector),
            a traceable function from a batch of parameter vectors ``(n, k)`` to their losses ``(n,)`` (lower
            is better; ``inf`` for an invalid one). ``tune_constants`` then searches the constants without
            gradients, evaluating each batch in one compiled call (e.g. vmapped rollouts). Ignored when
            ``loss`` is given.
        fit_constants: a problem's own constant fitter, ``fit_constants(source) -> source`` with its constants
            fitted (e.g. the minimax fit of :mod:`evolve.fitting.minimax`); ``tune_constants`` uses it first and falls
            back to its gradient or search tuner when it raises or changes nothing. The GP mutator also refits
            the children of the operators declared ``refit`` with it.
        tune_dtype: dtype in which ``tune_constants`` fits constants (``"float32"`` or ``"float64"``).
            ``"float64"`` fits the real-valued function, which float32 rounding noise cannot mislead;
            the loss then runs under ``jax.enable_x64`` and receives float64 parameters, so it should
            build its data with ``jnp.asarray`` of float64 numpy arrays (float64 there, float32
            otherwise).
        constant_dtype: the precision tuned constants are written back in (``"float32"``, or ``"float64"`` for
            programs that run in float64).
        interpret: how the problem's programs run through the interpreter
            (:class:`evolve.programs.interpreter.Interpretation`); with it, a program the interpreter runs is tuned
            through it (by ``loss`` or ``batch_loss``): one compiled tuner per code size and number of constants
            serves every structure, where each new structure would otherwise compile its own (0.1 s to seconds).
            The interpreter computes what the compiled program does, rounding included. None: compile each.
    """

    loss: Callable[[Callable[..., Any]], Any] | None = None
    batch_loss: Callable[[Callable[[Any], Callable[..., Any]]], Callable[[Any], Any]] | None = None
    fit_constants: Callable[[str], str] | None = None
    tune_dtype: str = "float32"
    constant_dtype: str = "float32"
    interpret: interpreter.Interpretation | None = None

    def __post_init__(self) -> None:
        for name in ("tune_dtype", "constant_dtype"):
            if getattr(self, name) not in _DTYPES:
                raise ValueError(f"ConstantFit: {name} must be 'float32' or 'float64', not {getattr(self, name)!r}")


_NO_FIT = ConstantFit()


def constant_fit(problem: Problem) -> ConstantFit:
    """The problem's :class:`ConstantFit`, or one with nothing to fit by when it carries none."""
    return problem.extension(ConstantFit) or _NO_FIT


def _float_constants(source: str) -> int:
    """How many float literals :func:`tune_constants` would tune in ``source``'s EVOLVE block."""
    _, block, _ = split(source)
    try:
        _, values = lift_constants(program.parse(block))
    except program.ProgramError:
        return 0
    return len(values)


# Compiled tuners by program structure (the lifted source, constants as parameters): a child that only
# moved constants, or a parent tuned again, reuses the compiled fit instead of paying ~0.6 s again.
_TUNERS: OrderedDict[tuple, tuple[Callable, Callable]] = OrderedDict()


_TUNER_CACHE_SIZE = 256


def _recall(key: tuple, made_by: Any) -> Callable | None:
    """The cached tuner of ``key``, if it was made for the same loss (``made_by``)."""
    cached = _TUNERS.get(key)
    if cached is not None and cached[0] is made_by:
        _TUNERS.move_to_end(key)
        return cached[1]
    return None


def _remember(key: tuple, made_by: Any, run: Callable) -> Callable:
    _TUNERS[key] = (made_by, run)
    if len(_TUNERS) > _TUNER_CACHE_SIZE:
        _TUNERS.popitem(last=False)
    return run


def _bfgs_fit(loss_of: Callable, make: Callable[[Any], Callable[..., Any]], u0: Any, p0: Any, steps: int,
              dtype: Any) -> tuple[Any, Any, Any]:
    """BFGS on ``loss_of(make(p))`` in relative steps ``p = p0 + |p0| * u`` from ``u0`` (traceable): the best
    parameters, their loss and the loss at ``p0``."""
    import jax.numpy as jnp

    scale = jnp.where(p0 != 0, jnp.abs(p0), jnp.ones_like(p0))

    def loss(u: Any) -> Any:
        return jnp.asarray(loss_of(make(p0 + scale * u)), dtype=dtype).reshape(())

    start = loss(jnp.zeros_like(u0))
    best_u, best = bfgs(loss, u0, steps)
    return p0 + scale * best_u, best, start


def _tuner(lifted_source: str, problem: Problem, steps: int, wide: bool) -> Callable:
    """Return ``run(u0, p0) -> (best params, best loss, starting loss)``, jitted, for one structure."""
    import jax
    import jax.numpy as jnp

    key = (lifted_source, problem.entrypoint, steps, wide)
    loss_of = constant_fit(problem).loss
    if (cached := _recall(key, loss_of)) is not None:
        return cached
    make = program.compile_lifted(program.parse(lifted_source), problem.entrypoint)
    dtype = jnp.float64 if wide else jnp.float32
    return _remember(key, loss_of, jax.jit(lambda u0, p0: _bfgs_fit(loss_of, make, u0, p0, steps, dtype)))


def _interpreted_tuner(size: int, count: int, problem: Problem, steps: int, wide: bool) -> Callable:
    """Return ``run(u0, p0, code) -> (best params, best loss, starting loss)``, jitted, for every program of code
    size ``size`` with ``count`` constants (padded: the loss does not depend on the constants past the program's
    own, so BFGS never moves them): :func:`_tuner`'s fit with the program as data."""
    import jax
    import jax.numpy as jnp

    fit = constant_fit(problem)
    key = ("interpreted", size, count, problem.entrypoint, steps, wide)
    if (cached := _recall(key, (fit.loss, fit.interpret))) is not None:
        return cached
    assert fit.interpret is not None
    function = fit.interpret.function
    dtype = jnp.float64 if wide else jnp.float32

    def run(u0: jax.Array, p0: jax.Array, code: tuple) -> tuple[jax.Array, jax.Array, jax.Array]:
        return _bfgs_fit(fit.loss, lambda p: function(code, p), u0, p0, steps, dtype)

    return _remember(key, (fit.loss, fit.interpret), jax.jit(run))


SEARCH_SAMPLES = 16
"""Parameter vectors per round of the gradient-free constant search (one batch, one compiled call)."""


def _search_fit(losses_of: Callable[[Any], Any], rng: Any, p0: Any, rounds: int) -> tuple[Any, Any, Any]:
    """The evolution strategy of :func:`_searcher` on ``losses_of`` (a batch of parameter vectors to their losses),
    traceable: the best parameters, their loss and the loss at ``p0``."""
    import jax
    import jax.numpy as jnp

    def finite(losses: jax.Array) -> jax.Array:
        losses = jnp.asarray(losses, dtype=jnp.float32).reshape(-1)
        return jnp.where(jnp.isfinite(losses), losses, jnp.inf)

    scale = jnp.where(p0 != 0, jnp.abs(p0), jnp.ones_like(p0))
    start = finite(losses_of(p0[None, :]))[0]

    def round_(i: jax.Array, carry: tuple) -> tuple:
        best_p, best, sigma = carry
        u = jax.random.normal(jax.random.fold_in(rng, i), (SEARCH_SAMPLES, p0.shape[0])) * sigma
        candidates = best_p[None, :] + scale[None, :] * u
        losses = finite(losses_of(candidates))
        j = jnp.argmin(losses)
        better = losses[j] < best
        return (jnp.where(better, candidates[j], best_p), jnp.where(better, losses[j], best),
                jnp.where(better, sigma * 1.5, sigma * 0.5))

    best_p, best, _ = jax.lax.fori_loop(0, rounds, round_, (p0, start, jnp.float32(0.1)))
    return best_p, best, start


def _searcher(lifted_source: str, problem: Problem, rounds: int) -> Callable:
    """Return ``run(key, p0) -> (best params, best loss, starting loss)``, jitted, for one structure: a
    (1 + lambda) evolution strategy on the problem's ``batch_loss``: each round draws :data:`SEARCH_SAMPLES`
    vectors around the best so far, steps relative to each constant's size, and widens the step after a
    success and narrows it after a failure (the one-fifth rule's spirit)."""
    import jax

    key = (lifted_source, problem.entrypoint, rounds, "search")
    batch_loss = constant_fit(problem).batch_loss
    if (cached := _recall(key, batch_loss)) is not None:
        return cached
    assert batch_loss is not None
    losses_of = batch_loss(program.compile_lifted(program.parse(lifted_source), problem.entrypoint))
    return _remember(key, batch_loss, jax.jit(lambda rng, p0: _search_fit(losses_of, rng, p0, rounds)))


def _interpreted_searcher(size: int, count: int, problem: Problem, rounds: int) -> Callable:
    """Return ``run(key, p0, code)``, jitted: :func:`_searcher`'s search for every program of code size ``size``
    with ``count`` constants (padded, as in :func:`_interpreted_tuner`), the program as data."""
    import jax

    fit = constant_fit(problem)
    key = ("interpreted search", size, count, problem.entrypoint, rounds)
    if (cached := _recall(key, (fit.batch_loss, fit.interpret))) is not None:
        return cached
    assert fit.batch_loss is not None and fit.interpret is not None
    batch_loss, function = fit.batch_loss, fit.interpret.function

    def run(rng: jax.Array, p0: jax.Array, code: tuple) -> tuple[jax.Array, jax.Array, jax.Array]:
        return _search_fit(batch_loss(lambda p: function(code, p)), rng, p0, rounds)

    return _remember(key, (fit.batch_loss, fit.interpret), jax.jit(run))


def _arrays(code: interpreter.Code) -> tuple:
    import jax.numpy as jnp

    return tuple(jnp.asarray(a) for a in code)


def _can_tune(problem: Problem) -> bool:
    """Whether the problem gives the tuner something to fit by: a loss, a batch loss or a fitter of its own."""
    fit = constant_fit(problem)
    return fit.loss is not None or fit.batch_loss is not None or fit.fit_constants is not None


@register(1.0, order=70, tuner=True, applies=_can_tune, ready=lambda source: _float_constants(source) > 0)
def tune_constants(source: str, problem: Problem, steps: int = 300, seed: int = 0) -> str:
    """Fit every float literal of the EVOLVE block to minimise the problem's loss (its :class:`ConstantFit`).

    A problem with its own fitter (``fit_constants``, e.g. the float32 problems' minimax fit) is fitted
    by it first; the tuner below runs only when that fitter fails or changes nothing (another basin of a
    nonlinear structure, from perturbed constants).

    The literals are lifted into a parameter vector ``p = p0 + |p0| * u`` (``|p0|`` taken as 1 for
    zeros), so steps are relative to each constant's size (order-1 constants and tiny high-order
    coefficients move alike). Dense BFGS (:func:`evolve.fitting.optimize.bfgs`) then minimises the loss in ``u`` for up
    to ``steps`` iterations, stopping early once no step lowers it, all inside one jitted function (one
    compilation). The fit runs in ``tune_dtype``: with ``"float64"`` inside
    ``jax.enable_x64`` (switched off again on return), so that the real-valued function is fitted to
    the last bits, which ill-conditioned constants such as a Horner polynomial's coefficients need
    and float32 rounding noise in the loss would hide. The best parameters are written back as
    literals of ``constant_dtype`` (float32 unless the program runs in float64).

    (On exp2, BFGS reached lower max ULP errors than the Adam this replaced, in float32 as well.)

    A problem whose fitness has no gradient (``batch_loss`` instead of ``loss``, e.g. a policy's return) gets
    a gradient-free search instead: ``max(4, steps // 25)`` rounds of a (1 + 16) evolution strategy in the same
    relative steps, every round's 16 parameter vectors evaluated in one batch inside one jitted function.

    Args:
        source: the program's full source.
        problem: supplies the entrypoint name and, in its :class:`ConstantFit`, ``loss(fn) -> scalar``
            (JAX-differentiable) or ``batch_loss`` and ``tune_dtype``.
        steps: the most BFGS iterations.
        seed: 0 starts from the program's constants; any other seed starts from constants moved by
            a random relative amount (normal, its scale log-uniform in [1e-3, 1e-1]), so re-tuning
            one parent explores other basins of a non-convex loss.

    Returns:
        The source with tuned constants; the code around the EVOLVE block is unchanged.

    Raises:
        NotApplicable: no loss, no float constant, a loss that is not finite, cannot be computed
            or does not improve (or improves only below float32 precision of the constants).
    """
    if steps < 1:
        raise ValueError(f"steps must be at least 1, got {steps}")
    fit = constant_fit(problem)
    if fit.fit_constants is not None:
        fitted = _own_fit(source, fit)
        if fitted != source:
            return fitted
    if fit.loss is None and fit.batch_loss is None:
        raise NotApplicable(f"problem {problem.name!r} has no loss to tune constants against")
    prefix, block, suffix = split(source)
    lifted, values = lift_constants(parse_block(block))
    if not values:
        raise NotApplicable("no float constant to tune")
    full_source = program.join_block(prefix, program.unparse(lifted), suffix)
    best_params, best, start = _fit(full_source, values, problem, steps, seed)
    if not math.isfinite(best):
        raise NotApplicable("the loss is not finite")
    if math.isfinite(start) and not best < start:
        raise NotApplicable(f"tuning did not lower the loss ({start:.6g})")
    kept = np.dtype(fit.constant_dtype)
    if np.array_equal(best_params.astype(kept), np.asarray(values, dtype=kept)):
        raise NotApplicable(f"tuning did not change any constant at {kept} precision")
    tuned = lower_constants(lifted, [float(v) for v in best_params], dtype=fit.constant_dtype)
    return program.join_block(prefix, program.unparse(tuned), suffix)


def _own_fit(source: str, fit: ConstantFit) -> str:
    """``source`` fitted by the problem's own fitter; ``source`` itself when that fitter fails or changes nothing
    and the problem has a loss for the tuner to try instead.

    Raises:
        NotApplicable: the fitter failed or changed nothing, and the problem has no loss to tune against.
    """
    assert fit.fit_constants is not None
    try:
        fitted = fit.fit_constants(source)
    except Exception as exc:  # the problem's fitter cannot fit this structure: tune it as before
        fitted, reason = source, f"{type(exc).__name__}: {exc}"
    else:
        reason = "the problem's fitter changed no constant"
    if fitted == source and fit.loss is None and fit.batch_loss is None:
        raise NotApplicable(reason)
    return fitted


def _fit(lifted_source: str, values: list[float], problem: Problem, steps: int,
         seed: int) -> tuple[np.ndarray, float, float]:
    """Run the compiled tuner (or, without a gradient, the search) of a lifted program from its constants
    ``values``; return ``(best params, best loss, starting loss)``.

    Raises:
        NotApplicable: the loss cannot be computed for this program.
    """
    import contextlib

    import jax
    import jax.numpy as jnp

    fit = constant_fit(problem)
    wide = fit.tune_dtype == "float64"
    rng = np.random.default_rng(seed)
    spread = 0.0 if seed == 0 else float(10.0 ** rng.uniform(-3.0, -1.0))
    u_start = rng.normal(0.0, 1.0, len(values)) * spread
    try:
        with jax.enable_x64(True) if wide else contextlib.nullcontext():
            dtype = jnp.float64 if wide else jnp.float32
            p0 = jnp.asarray(values, dtype=dtype)
            code = fit.interpret.translate(program.parse(lifted_source)) if fit.interpret is not None else None
            count = max(4, 1 << (len(values) - 1).bit_length())  # constants padded: a few sizes, a few compiles

            def padded(v: Any) -> Any:
                return jnp.zeros((count,), dtype).at[: len(values)].set(jnp.asarray(v, dtype=dtype))

            if fit.loss is None and code is not None:  # no gradient: search, the program as data
                search = _interpreted_searcher(code.op.shape[0], count, problem, max(4, steps // 25))
                best_params, best, start = search(jax.random.key(seed), padded(p0), _arrays(code))
                best_params = best_params[: len(values)]
            elif fit.loss is None:  # no gradient: search
                search = _searcher(lifted_source, problem, max(4, steps // 25))
                best_params, best, start = search(jax.random.key(seed), p0)
            elif code is not None:
                run = _interpreted_tuner(code.op.shape[0], count, problem, steps, wide)
                best_params, best, start = run(padded(u_start), padded(p0), _arrays(code))
                best_params = best_params[: len(values)]
            else:
                run = _tuner(lifted_source, problem, steps, wide)
                best_params, best, start = run(jnp.asarray(u_start, dtype=dtype), p0)
            return np.asarray(best_params, dtype=np.float64), float(best), float(start)
    except NotApplicable:
        raise
    except Exception as exc:  # a candidate whose loss cannot be traced cannot be tuned
        raise NotApplicable(f"cannot compute the loss of this program: {type(exc).__name__}: {exc}") from exc

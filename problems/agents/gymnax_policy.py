"""Policy programs in gymnax environments: a candidate is ``act(obs) -> action``, pure ``jnp``.

The fitness is the mean return over many episodes with fixed training seeds, every episode rolled out with
``jax.lax.scan`` over time and all of them with ``jax.vmap``, in one ``jax.jit``: per
candidate (the policy traced into the rollout, so XLA compiles policy and environment together), or, for a
policy the interpreter runs (:mod:`evolve.programs.interpreter`), one per code size with the policy as data.
The same code runs on a GPU or TPU unchanged. The metrics also give the mean return on held-out seeds, which
selection never sees, and the spread of the returns. An action outside the action space is a failure with a
reason, not a crash and not silently clipped. The functional hash is the actions chosen on a fixed set of probe
observations, visited by a random policy.

``evolve run gymnax_policy -o env=Acrobot-v1``; the modules ``cartpole``, ``acrobot``, ``mountaincar`` and
``pendulum`` are the same problem for one environment each.
"""

from __future__ import annotations

import ast
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

import numpy as np

from evolve.fitting.tuning import ConstantFit
from evolve.problem import CandidateError, Objective, Problem, Result, Verdict
from evolve.programs import interpreter, program
from problems.agents.operators import Policy

ENTRYPOINT = "act"

TUNE_EPISODES = 64
"""Training episodes the gradient-free constant search scores each vector on (the evaluation then uses all)."""


@dataclass(frozen=True)
class Env:
    """What a policy is told about one environment, and where its search starts.

    Attributes:
        observation: the meaning of each entry of ``obs``, in order.
        actions: what the actions are and do.
        reward: what the return counts, and what is good.
        seed: the body of the starting policy: a fixed action, so that the search has everything to find.
        products: whether the policy's features include the products of pairs of observation entries. A
            swing-up task is won by pumping energy, and its energy is quadratic in the observation (a
            velocity squared, a velocity times a cosine), which no threshold on a linear combination of the
            entries can follow.
    """

    observation: tuple[str, ...]
    actions: str
    reward: str
    seed: str
    products: bool = False


ENVS: dict[str, Env] = {
    "CartPole-v1": Env(
        ("cart position (m, the episode ends beyond +-2.4)", "cart velocity (m/s)",
         "pole angle from upright (rad, positive leaning right; the episode ends beyond +-0.21)",
         "pole angular velocity (rad/s)"),
        "an int: 0 pushes the cart left, 1 pushes it right (10 N for one 0.02 s step)",
        "+1 for every step the pole stays up, at most 500 (the maximum return)",
        "return 0"),
    "Acrobot-v1": Env(
        ("cos of the first link's angle (1 hanging down)", "sin of the first link's angle",
         "cos of the second link's angle relative to the first", "sin of the second link's angle",
         "first link's angular velocity (rad/s, |.| <= 4 pi)", "second link's angular velocity (rad/s, |.| <= 9 pi)"),
        "an int: torque on the joint between the links, 0 for -1, 1 for none, 2 for +1",
        "-1 every step until the free end swings above the bar (height -cos(a1) - cos(a1 + a2) > 1), at most 500 "
        "steps; higher (closer to 0) is better, above -80 is good",
        "return 1", products=True),
    "MountainCar-v0": Env(
        ("car position (m, -1.2 to 0.6; the goal is at 0.5)", "car velocity (-0.07 to 0.07)"),
        "an int: 0 accelerates left, 1 does nothing, 2 accelerates right; the engine is too weak to climb "
        "directly, so the car must swing back and forth",
        "-1 every step until the car reaches position 0.5, at most 200 steps; above -110 is good",
        "return 1"),
    "Pendulum-v1": Env(
        ("cos of the pendulum's angle (1 upright)", "sin of the pendulum's angle",
         "angular velocity (rad/s, |.| <= 8)"),
        "a float array of shape (1,): the torque, within [-2, 2] (values outside are refused, not clipped: "
        "use jnp.clip)",
        "minus (angle**2 + 0.1 * velocity**2 + 0.001 * torque**2) each of 200 steps: swing up and balance "
        "upright; above -200 is good",
        "return jnp.zeros(1)", products=True),
}


def seed_source(env: str) -> str:
    """The starting policy for ``env``."""
    return ("# EVOLVE-BLOCK-START\n"
            f"def {ENTRYPOINT}(obs):\n"
            f'    """The action for observation obs (shape ({len(ENVS[env].observation)},))."""\n'
            f"    {ENVS[env].seed}\n"
            "# EVOLVE-BLOCK-END\n")


def describe(env: str) -> str:
    """What the LLM is told: the environment, the observation entries, the actions and the return."""
    info = ENVS[env]
    entries = "\n".join(f"- obs[{i}]: {meaning}" for i, meaning in enumerate(info.observation))
    return (f"Write a controller for the gymnax environment {env} as `def {ENTRYPOINT}(obs)`, pure jax.numpy "
            "(`jnp`): no Python `if` on values of obs (use jnp.where), no state kept between calls. obs is a "
            f"float32 array of shape ({len(info.observation)},):\n{entries}\n"
            f"Action: {info.actions}.\nReturn: {info.reward}. The score is the mean return over many "
            "episodes from random starts.")


@dataclass(frozen=True)
class Space:
    """An action space: ``n`` discrete actions, or a box ``[low, high]`` of ``shape``."""

    n: int | None = None
    low: float = 0.0
    high: float = 0.0
    shape: tuple[int, ...] = ()


def action_space(env: Any, params: Any) -> Space:
    """The gymnax environment's action space as a :class:`Space`."""
    space = env.action_space(params)
    if hasattr(space, "n"):
        return Space(n=int(space.n))
    return Space(low=float(np.min(space.low)), high=float(np.max(space.high)), shape=tuple(space.shape))


def as_action(raw: Any, space: Space) -> tuple[Any, Any]:
    """The candidate's output as an action the environment takes, and whether it was valid (traceable).

    A discrete action must be a finite whole number in ``[0, n)`` (a bool counts as 0 or 1); a box action
    finite and inside the box. An invalid one is still turned into some action, so the rollout can go on and
    report it.

    Raises:
        CandidateError: the output's shape cannot be an action (checked while tracing).
    """
    import jax.numpy as jnp

    a = jnp.asarray(raw)
    if space.n is not None:
        if a.shape not in ((), (1,)):
            raise CandidateError(f"act returned shape {a.shape}: return one action, a whole number in "
                                 f"[0, {space.n})")
        a = a.reshape(()).astype(jnp.float32)
        ok = jnp.isfinite(a) & (a == jnp.round(a)) & (a >= 0) & (a < space.n)
        return jnp.clip(jnp.nan_to_num(jnp.round(a)), 0, space.n - 1).astype(jnp.int32), ok
    size = int(np.prod(space.shape))
    if a.size != size or a.ndim > len(space.shape):
        raise CandidateError(f"act returned shape {a.shape}: return a float array of shape {space.shape}")
    a = a.reshape(space.shape).astype(jnp.float32)
    ok = jnp.all(jnp.isfinite(a) & (a >= space.low) & (a <= space.high))
    return jnp.clip(jnp.nan_to_num(a), space.low, space.high), ok


def rollout(act: Callable[[Any], Any], env: Any, params: Any, space: Space, steps: int) -> Callable:
    """``episode(key) -> (return, invalid, first invalid output)`` for one episode of at most ``steps`` steps
    (traceable: vmap it over keys, jit the result). The return counts rewards until the episode's first end
    (gymnax resets by itself, and what follows is ignored)."""
    import jax
    import jax.numpy as jnp

    def episode(key: Any) -> tuple[Any, Any, Any]:
        key_reset, key_steps = jax.random.split(key)
        obs, state = env.reset(key_reset, params)

        def step(carry: tuple, key_step: Any) -> tuple[tuple, None]:
            obs, state, total, done, bad, first = carry
            raw = act(obs)
            action, ok = as_action(raw, space)
            obs, state, reward, terminated, truncated, _ = env.step(key_step, state, action, params)
            ended = terminated | truncated
            live = ~done
            newly_bad = live & ~ok
            value = jnp.ravel(jnp.asarray(raw, dtype=jnp.float32))[0]
            first = jnp.where(newly_bad & ~bad, value, first)
            return (obs, state, total + jnp.where(live, reward, 0.0), done | ended, bad | newly_bad, first), None

        start = (obs, state, jnp.float32(0.0), jnp.bool_(False), jnp.bool_(False), jnp.float32(0.0))
        (_, _, total, _, bad, first), _ = jax.lax.scan(step, start, jax.random.split(key_steps, steps))
        return total, bad, first

    return episode


def returns_stepwise(act: Callable[[Any], Any], env: Any, params: Any, space: Space, key: Any,
                     steps: int) -> tuple[float, int]:
    """One episode stepped in Python, one ``env.step`` call at a time, with the same keys as :func:`rollout`
    (for checking it, and as the plain-loop baseline of throughput figures): its return and the steps taken."""
    import jax

    key_reset, key_steps = jax.random.split(key)
    obs, state = env.reset(key_reset, params)
    total, taken = 0.0, 0
    for key_step in jax.random.split(key_steps, steps):
        action, _ = as_action(act(obs), space)
        obs, state, reward, terminated, truncated, _ = env.step(key_step, state, action, params)
        total, taken = total + float(reward), taken + 1
        if bool(terminated | truncated):
            break
    return total, taken


def _probe_observations(env: Any, params: Any, space: Space, count: int, key: Any, walk: int = 40) -> np.ndarray:
    """``count`` observations visited by a uniformly random policy within ``walk`` steps of random starts,
    fixed by ``key``."""
    import jax
    import jax.numpy as jnp

    def random_action(key: Any) -> Any:
        if space.n is not None:
            return jax.random.randint(key, (), 0, space.n)
        return jax.random.uniform(key, space.shape, minval=space.low, maxval=space.high)

    def visit(key: Any) -> Any:
        k_start, k_walk, k_len = jax.random.split(key, 3)
        obs, state = env.reset(k_start, params)
        length = jax.random.randint(k_len, (), 0, walk)

        def body(i: Any, carry: tuple) -> tuple:
            obs, state = carry
            k_act, k_step = jax.random.split(jax.random.fold_in(k_walk, i))
            new_obs, new_state, *_ = env.step(k_step, state, random_action(k_act), params)
            keep = i < length
            return jax.tree_util.tree_map(lambda a, b: jnp.where(keep, a, b), (new_obs, new_state), (obs, state))

        return jax.lax.fori_loop(0, walk, body, (obs, state))[0]

    return np.asarray(jax.jit(jax.vmap(visit))(jax.random.split(key, count)), dtype=np.float32)


def policy_features(obs: np.ndarray, products: bool) -> tuple[tuple[str, ...], list[np.ndarray]]:
    """The features policies are built from, as source, and their values on observations ``obs`` ``(n, d)``:
    the entries ``obs[i]``, then (with ``products``) every ``obs[i] * obs[j]`` with ``i <= j``."""
    d = obs.shape[1]
    pairs = [(i, j) for i in range(d) for j in range(i, d)] if products else []
    names = tuple(f"obs[{i}]" for i in range(d)) + tuple(f"obs[{i}] * obs[{j}]" for i, j in pairs)
    return names, [obs[:, i] for i in range(d)] + [obs[:, i] * obs[:, j] for i, j in pairs]


@dataclass(frozen=True, eq=False)
class _Episodes:
    """One environment's episodes: what evaluating a policy and tuning its constants share."""

    environment: Any
    params: Any
    space: Space
    steps: int

    def rollout(self, fn: Callable[[Any], Any]) -> Callable[[Any], Any]:
        """:func:`rollout` of ``fn`` in this environment."""
        return rollout(fn, self.environment, self.params, self.space, self.steps)


def interpreted_policy(code: Any, theta: Any = None) -> Callable[[Any], Any]:
    """``act(obs)`` running the policy ``code`` (:func:`evolve.programs.interpreter.translate` with ``vector=True``
    and ``ops=CONTROL``) with constants ``theta`` (traceable: the code may be a traced argument, so one compiled
    rollout serves every policy of its size)."""
    import jax.numpy as jnp

    def act(obs: Any) -> Any:
        obs = jnp.asarray(obs, jnp.float32).reshape(-1)
        params = jnp.zeros((0,), jnp.float32) if theta is None else theta
        return interpreter.run(code, params, obs[:, None], ops=interpreter.CONTROL, select=True)[0]

    return act


def translated_policy(tree: ast.Module) -> interpreter.Code | None:
    """``act`` of ``tree`` as interpreter code, or None when the interpreter cannot run it."""
    return interpreter.translate(tree, ENTRYPOINT, (), ops=interpreter.CONTROL, vector=True)


INTERPRETATION = interpreter.Interpretation(translated_policy, interpreted_policy)
"""How the constant search runs a policy through the interpreter."""


def _evaluator(run: _Episodes, keys: Any, episodes: int, heldout_episodes: int
               ) -> tuple[Callable[[Callable], Result], Callable[[ast.Module], Result]]:
    """The problem's ``evaluate(fn)`` and ``evaluate_tree(tree)``: the mean return over the first ``episodes`` of
    ``keys`` (the score) and over the held-out rest (reported only). ``evaluate_tree`` runs a policy the interpreter
    can run through one rollout compiled for every policy of its code size, and compiles the others."""
    import jax

    space = run.space
    interpreted = jax.jit(lambda code, keys: jax.vmap(run.rollout(interpreted_policy(code)))(keys))

    def evaluate(fn: Callable[[Any], Any], code: interpreter.Code | None = None) -> Result:
        if code is None:
            rolled = jax.jit(jax.vmap(run.rollout(fn)))(keys)
        else:
            rolled = interpreted(tuple(jax.numpy.asarray(a) for a in code), keys)
        totals, bad, first = (np.asarray(a) for a in rolled)
        if bad.any():
            i = int(np.argmax(bad))
            kind = f"a whole number in [0, {space.n})" if space.n is not None else \
                f"finite and within [{space.low:g}, {space.high:g}]"
            raise CandidateError(f"act chose an action outside the action space ({first[i]:g} in episode {i}; "
                                 f"actions must be {kind})")
        train, heldout = totals[:episodes], totals[episodes:]
        metrics = {"mean_return": float(train.mean()), "return_std": float(train.std()),
                   "min_return": float(train.min()), "heldout_return": float(heldout.mean()),
                   "heldout_std": float(heldout.std()), "episodes": episodes, "heldout_episodes": heldout_episodes}
        return Result(score=float(train.mean()), metrics=metrics)

    def evaluate_tree(tree: ast.Module) -> Result:
        return evaluate(program.compile_program(tree, ENTRYPOINT), translated_policy(tree))

    return evaluate, evaluate_tree


VERIFY_STREAM = 0x5EED
"""Folded into the problem's seed for the verification's episodes: keys that neither the training nor the
held-out episodes use."""

SIGMAS = 3.0
"""A fresh mean may fall this many standard errors (of the difference of two means) below the search's before the
policy fails its check."""


def verify_policy(run: _Episodes, keys: Any, tree: ast.Module, metrics: dict[str, Any]) -> Verdict:
    """The policy problems' ``verify``: the mean return of the policy ``tree`` on fresh episodes (``keys``, seeds the
    search never saw), its rollout compiled as written (not through the interpreter the search may have used).

    The verdict's score is the fresh mean; it passes unless that mean is more than :data:`SIGMAS` standard errors
    of the difference below the search's training mean (``metrics``: ``mean_return``, ``return_std``,
    ``episodes``), the band kept as the verdict's ``tolerance``.
    """
    import jax

    fn = program.compile_program(tree, ENTRYPOINT)
    totals, bad, first = (np.asarray(a) for a in jax.jit(jax.vmap(run.rollout(fn)))(keys))
    if bad.any():
        i = int(np.argmax(bad))
        return Verdict(False, None, f"act chose an action outside the action space ({first[i]:g}) in fresh episode "
                                    f"{i}", {"episodes": int(totals.size)})
    fresh, fresh_std = float(totals.mean()), float(totals.std())
    search = metrics.get("mean_return")
    if search is None:
        return Verdict(False, fresh, f"mean return {fresh:.6g} on {totals.size} fresh episodes; no search figure to "
                                     "compare with", {"mean_return": fresh, "return_std": fresh_std})
    n = max(int(metrics.get("episodes") or 1), 1)
    search_std = float(metrics.get("return_std") or 0.0)
    band = SIGMAS * float(np.hypot(search_std / np.sqrt(n), fresh_std / np.sqrt(totals.size)))
    passed = fresh >= float(search) - band
    detail = (f"mean return {fresh:.6g} (std {fresh_std:.3g}) on {totals.size} fresh episodes against "
              f"{float(search):.6g} on the search's {n}: {'within' if passed else 'below'} its noise band of "
              f"{band:.3g} ({SIGMAS:g} standard errors)")
    return Verdict(passed, fresh, detail, {"mean_return": fresh, "return_std": fresh_std,
                                           "episodes": int(totals.size), "search_mean_return": float(search)},
                   tolerance=band)


def _batch_loss(run: _Episodes, tune_keys: Any) -> Callable[[Callable[[Any], Callable[[Any], Any]]],
                                                            Callable[[Any], Any]]:
    """The problem's ``batch_loss``."""
    import jax
    import jax.numpy as jnp

    def batch_loss(make: Callable[[Any], Callable[[Any], Any]]) -> Callable[[Any], Any]:
        """Minus the mean return over the first training episodes, for a batch of constant vectors (inf for
        one that chooses an invalid action): what ``tune_constants`` searches the thresholds and weights on."""

        def loss(p: Any) -> Any:
            totals, bad, _ = jax.vmap(run.rollout(make(p)))(tune_keys)
            return jnp.where(jnp.any(bad), jnp.inf, -jnp.mean(totals))

        return jax.vmap(loss)

    return batch_loss


def _prober(space: Space, probe_obs: np.ndarray) -> Callable[[ast.Module], Any]:
    """The problem's ``probe``: the actions a policy chooses on the probe observations."""
    import jax
    import jax.numpy as jnp

    def probe(tree: ast.Module) -> Any:
        fn = program.compile_program(tree, ENTRYPOINT)

        def chosen(obs: Any) -> Any:  # an invalid action hashes as NaN: never the same as a valid one
            action, ok = as_action(fn(obs), space)
            return jnp.where(ok, action.astype(jnp.float32), jnp.nan)

        return jax.vmap(chosen)(jnp.asarray(probe_obs))

    return probe


def _feature_ranges(features: tuple[str, ...], values: list[np.ndarray]) -> dict[str, tuple[float, float]]:
    """Where the features lie in practice (over the probe observations), for thresholds and weights."""
    return {f: (float(np.quantile(v, 0.05)), float(np.quantile(v, 0.95)))
            for f, v in zip(features, values, strict=True)}


def make_problem(env: str = "CartPole-v1", episodes: int = 256, heldout_episodes: int = 256, seed: int = 0,
                 probes: int = 128, timeout: float = 60.0, products: bool | None = None,
                 interpret: bool = True, interpret_tuning: bool = False, verify_episodes: int | None = None) -> Problem:
    """The policy problem of one gymnax environment.

    Args:
        env: one of :data:`ENVS`.
        episodes: training episodes the score is the mean return of (fixed seeds).
        heldout_episodes: episodes on other seeds, reported in the metrics and never selected on.
        seed: seed of the episodes' keys and of the probe observations.
        probes: probe observations of the functional hash.
        timeout: seconds one evaluation (compilation included) may take.
        products: whether the GP operators' features include ``obs[i] * obs[j]`` besides the entries ``obs[i]``
            (None: the environment's default, :attr:`Env.products`).
        interpret: evaluate the policies the interpreter runs (:mod:`evolve.programs.interpreter`: arithmetic,
            comparisons, ``jnp.where``, ``clip``, ``maximum``, ``minimum``, ``abs`` on entries of ``obs``) through
            one rollout compiled per code size, instead of compiling each policy's rollout; False: compile each.
        interpret_tuning: search the constants of such policies through the interpreter too (one compiled search
            per code size and number of constants). Off by default: on a CPU the search, which runs many times
            the rollouts of an evaluation, was slower through the interpreter than compiled per structure, compile
            included, as the interpreter computes every operation of its table at each instruction; it is the
            path for accelerators.
        verify_episodes: fresh episodes the verification stage runs a policy on (:func:`verify_policy`);
            None: four times ``episodes``.
    """
    import functools

    import gymnax
    import jax
    import jax.numpy as jnp

    if env not in ENVS:
        raise ValueError(f"unknown environment {env!r}; choose one of {sorted(ENVS)}")
    verify_episodes = 4 * episodes if verify_episodes is None else verify_episodes
    if min(episodes, heldout_episodes, verify_episodes) < 1:
        raise ValueError(f"episodes, heldout_episodes and verify_episodes must be at least 1, got {episodes}, "
                         f"{heldout_episodes}, {verify_episodes}")
    environment, params = gymnax.make(env)
    space = action_space(environment, params)
    run = _Episodes(environment, params, space, int(params.max_steps_in_episode))
    train_key, heldout_key, probe_key = jax.random.split(jax.random.key(seed), 3)
    keys = jnp.concatenate([jax.random.split(train_key, episodes), jax.random.split(heldout_key, heldout_episodes)])
    probe_obs = _probe_observations(environment, params, space, probes, probe_key)
    features, values = policy_features(probe_obs, ENVS[env].products if products is None else products)
    outputs = tuple(range(space.n)) if space.n is not None else (space.low, 0.0, space.high)
    evaluate, evaluate_tree = _evaluator(run, keys, episodes, heldout_episodes)

    return Problem(
        name=env,
        description=describe(env),
        seed=seed_source(env),
        entrypoint=ENTRYPOINT,
        probe_inputs=(),
        evaluate=evaluate,
        evaluate_tree=evaluate_tree if interpret else None,
        probe=_prober(space, probe_obs),
        verify=functools.partial(verify_policy, run, jax.random.split(
            jax.random.fold_in(jax.random.key(seed), VERIFY_STREAM), verify_episodes)),
        direction="max",
        objectives=(Objective("mean_return", "max"), Objective("heldout_return", "max")),
        timeout=timeout,
        extensions=(
            Policy(features=features, output_values=outputs,
                   output_bounds=None if space.n is not None else (space.low, space.high),
                   feature_ranges=_feature_ranges(features, values)),
            ConstantFit(batch_loss=_batch_loss(run, keys[:min(episodes, TUNE_EPISODES)]),
                        interpret=INTERPRETATION if interpret and interpret_tuning else None),
        ),
    )


__all__ = ["ENVS", "ENTRYPOINT", "Space", "action_space", "as_action", "describe", "make_problem",
           "policy_features", "rollout", "returns_stepwise", "seed_source", "verify_policy"]

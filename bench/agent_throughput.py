"""Episodes simulated per second inside one policy evaluation: the jitted rollout (``lax.scan`` over time,
``vmap`` over episodes, one ``jit``) against a plain Python loop calling the same gymnax environment's
``step`` once per time step, for one fixed policy per environment, in this one process.

The jitted figure is the steady state of the evaluation's batch (256 episodes, compiled once beforehand; the
compilation is timed apart, since an evaluation pays it once per candidate). The loop runs a few episodes of
the same policy with the same keys, the policy jitted as gymnax's ``step`` is (its best case). Steps are
counted up to the episode's limit for the jitted rollout (which does not stop early) and as taken for the loop
(which does). Writes bench/results/agent_throughput.json.

    python bench/agent_throughput.py [--episodes 256] [--loop-episodes 3]
"""

from __future__ import annotations

import argparse
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from bench._common import RESULTS, write  # noqa: E402

POLICIES = {
    "CartPole-v1": "def act(obs):\n    return jnp.where(obs[2] + 0.5 * obs[3] > 0, 1, 0)\n",
    "Acrobot-v1": "def act(obs):\n    return jnp.where(obs[4] > 0, 2, 0)\n",
    "MountainCar-v0": "def act(obs):\n    return jnp.where(obs[1] > 0, 2, 0)\n",
    "Pendulum-v1": "def act(obs):\n    return jnp.clip(-2.0 * obs[1] - 0.5 * obs[2], -2.0, 2.0)\n",
}


def measure(env_name: str, source: str, episodes: int, loop_episodes: int) -> dict:
    """Episodes and steps per second of the jitted batch and of the Python loop for one environment."""
    import gymnax
    import jax
    import numpy as np

    from evolve.programs import program
    from problems.agents import gymnax_policy as gp

    env, params = gymnax.make(env_name)
    space = gp.action_space(env, params)
    steps = int(params.max_steps_in_episode)
    act = program.compile_program(source, gp.ENTRYPOINT)
    keys = jax.random.split(jax.random.key(0), episodes)
    batch = jax.jit(jax.vmap(gp.rollout(act, env, params, space, steps)))
    start = time.perf_counter()
    jax.block_until_ready(batch(keys))
    compile_s = time.perf_counter() - start
    runs = []
    for _ in range(3):
        start = time.perf_counter()
        totals = jax.block_until_ready(batch(keys))[0]
        runs.append(time.perf_counter() - start)
    jitted_s = min(runs)
    policy = jax.jit(act)  # the loop's best case: the policy and gymnax's step both jitted, called per step
    gp.returns_stepwise(policy, env, params, space, keys[-1], 2)  # compiles outside the timing
    start = time.perf_counter()
    loop = [gp.returns_stepwise(policy, env, params, space, k, steps) for k in keys[:loop_episodes]]
    loop_s = time.perf_counter() - start
    loop_steps = sum(taken for _, taken in loop)
    return {
        "env": env_name, "policy": source.strip(), "episodes": episodes, "steps_per_episode": steps,
        "compile_seconds": compile_s, "jitted_seconds": jitted_s, "jitted_episodes_per_s": episodes / jitted_s,
        "jitted_steps_per_s": episodes * steps / jitted_s, "mean_return": float(np.mean(np.asarray(totals))),
        "loop_episodes": loop_episodes, "loop_seconds": loop_s, "loop_episodes_per_s": loop_episodes / loop_s,
        "loop_steps_per_s": loop_steps / loop_s, "speedup_episodes": (episodes / jitted_s) / (loop_episodes / loop_s),
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--episodes", type=int, default=256)
    parser.add_argument("--loop-episodes", type=int, default=3)
    parser.add_argument("--out", default=str(RESULTS / "agent_throughput.json"))
    args = parser.parse_args()
    import jax

    rows = []
    for env_name, source in POLICIES.items():
        row = measure(env_name, source, args.episodes, args.loop_episodes)
        print(f"{env_name}: jitted {row['jitted_episodes_per_s']:.0f} episodes/s, loop "
              f"{row['loop_episodes_per_s']:.2f} episodes/s ({row['speedup_episodes']:.0f}x)", flush=True)
        rows.append(row)
    write({"benchmark": "agent_throughput", "device": str(jax.devices()[0]), "runs": rows}, args.out, settings=args)


if __name__ == "__main__":
    main()

"""Real campaigns' evaluations per second, through the interpreter and compiled per candidate, against the bound set
by the fitness itself.

For each problem (by default exp2, the Feynman equation I.6.20a and CartPole) it runs one GP campaign per path,
the two paths alternating, each for the same wall time with the same seed and workers:

- ``compiled``: the problem with ``interpret=False`` (each new program's fitness, and each structure's constant
  tuner, compiled or run operation by operation: the path before the interpreter);
- ``interpreted``: ``interpret=True`` (programs the interpreter runs, as data, through one compiled function per
  code size).

It reports, per path, the evaluations per second over the whole run and over its second half (past the first
compiles), the best score, and for float32 targets when the campaign first reached ``--goal-ulp``. The bound is
the evaluators times the rate of the fitness itself on a fixed program (the seed), compiled and warm: the jitted
ULP measure on every point for a float32 target, the jitted vmapped rollout of every episode for a policy, the
warm fit for a formula (already interpreted). Writes ``bench/results/eval_rate.json``.

    python bench/eval_rate.py [--problems exp2 feynman cartpole] [--seconds 120] [--workers 2]
"""

from __future__ import annotations

import argparse
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from archive import Archive  # noqa: E402
from bench._common import RESULTS, write  # noqa: E402
from bench.demo import first_reaching  # noqa: E402
from evolve import Campaign, load_problem  # noqa: E402
from evolve.programs import program  # noqa: E402

FLOAT32 = ("exp2", "log2", "sin", "erf", "tanh", "sigmoid")
POLICIES = {"cartpole": "CartPole-v1", "acrobot": "Acrobot-v1", "mountaincar": "MountainCar-v0"}


def _timed(call: Any, repeats: int = 5) -> float:
    """The best wall time of ``call()`` over ``repeats`` warm calls (one call first, to compile)."""
    call()
    best = float("inf")
    for _ in range(repeats):
        start = time.perf_counter()
        call()
        best = min(best, time.perf_counter() - start)
    return best


def fitness_seconds(name: str) -> float:
    """Seconds one evaluation of the problem's seed program takes with its fitness compiled and warm."""
    import jax
    import jax.numpy as jnp

    problem = load_problem(name)
    fn = program.compile_program(program.parse(problem.seed), problem.entrypoint)
    if name in FLOAT32:
        import importlib

        from problems.float32.domain import EXHAUSTIVE_LIMIT, SAMPLED_POINTS, correctly_rounded, domain_points
        from problems.float32.ulp import ulp_distance

        target = importlib.import_module(f"problems.float32.{name}").TARGET
        x, _ = domain_points(target, SAMPLED_POINTS, EXHAUSTIVE_LIMIT, 0)
        rounded = correctly_rounded(target, x)[1]
        xs, want = jnp.asarray(x), jnp.asarray(rounded)
        fitness = jax.jit(lambda xs, want: jnp.max(ulp_distance(jnp.broadcast_to(fn(xs), xs.shape), want)))
        return _timed(lambda: fitness(xs, want).block_until_ready())
    if name in POLICIES:
        import gymnax

        from problems.agents.gymnax_policy import action_space, rollout

        env, params = gymnax.make(POLICIES[name])
        keys = jax.random.split(jax.random.key(0), 512)  # the problem's 256 training and 256 held-out episodes
        run = jax.jit(jax.vmap(rollout(fn, env, params, action_space(env, params), int(params.max_steps_in_episode))))
        return _timed(lambda: jax.block_until_ready(run(keys)))
    tree = program.parse(problem.seed)
    return _timed(lambda: problem.evaluate_tree(tree))


def campaign_rate(name: str, interpret: bool, seconds: float, workers: int, seed: int, goal_ulp: int) -> dict:
    """One campaign of ``seconds`` on problem ``name`` through one path: its rates and what it found."""
    with tempfile.TemporaryDirectory() as tmp:
        db = str(Path(tmp) / "rate.sqlite")
        summary = Campaign(load_problem(name, interpret=interpret), db=db, budget=10**7, max_seconds=seconds,
                           seed=seed, workers=workers, progress=False).run()
        rows = Archive(db, readonly=True).programs(campaign_id=summary.campaign_id)
        start, end = rows[0].created_at, rows[-1].created_at
        evaluated = [r for r in rows if r.status != "duplicate" and r.operator not in ("seed", "migration", "reset")]
        half = start + (end - start) / 2
        later = [r for r in evaluated if r.created_at >= half]
        run = {
            "path": "interpreted" if interpret else "compiled",
            "wall_seconds": round(summary.wall_seconds, 2),
            "evaluated": summary.evaluated,
            "duplicates": summary.duplicates,
            "evaluations_per_second": round(len(evaluated) / max(end - start, 1e-9), 3),
            "second_half_per_second": round(len(later) / max(end - half, 1e-9), 3),
            "best_score": summary.best_score,
            "best_metrics": {k: v for k, v in summary.best_metrics.items() if isinstance(v, (int, float, str))},
        }
        if name in FLOAT32:
            run["first_within_goal"] = first_reaching(db, summary.campaign_id, goal_ulp)
        return run


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--problems", nargs="+", default=["exp2", "feynman", "cartpole"])
    parser.add_argument("--seconds", type=float, default=120.0, help="wall time of each campaign")
    parser.add_argument("--workers", type=int, default=2)
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--goal-ulp", type=int, default=4, help="float32: report when a program first reached this")
    parser.add_argument("--out", default=str(RESULTS / "eval_rate.json"))
    args = parser.parse_args()
    results = []
    for name in args.problems:
        fitness = fitness_seconds(name)
        bound = args.workers / fitness
        runs = [campaign_rate(name, interpret, args.seconds, args.workers, args.seed, args.goal_ulp)
                for interpret in (False, True)]
        by_path = {r["path"]: r for r in runs}
        rate = {path: r["second_half_per_second"] for path, r in by_path.items()}
        entry = {"problem": name, "fitness_seconds": round(fitness, 5), "bound_per_second": round(bound, 2),
                 "runs": runs,
                 "speedup": round(rate["interpreted"] / max(rate["compiled"], 1e-9), 2),
                 "share_of_bound": {path: round(r / bound, 4) for path, r in rate.items()}}
        goals = [by_path[p].get("first_within_goal") for p in ("compiled", "interpreted")]
        if all(goals):
            entry["time_to_goal_ratio"] = round(goals[0]["seconds"] / max(goals[1]["seconds"], 1e-9), 2)
        results.append(entry)
        print(f"{name}: compiled {rate['compiled']:.2f}/s, interpreted {rate['interpreted']:.2f}/s "
              f"({entry['speedup']}x); bound {bound:.1f}/s (fitness {fitness * 1e3:.1f} ms)")
    write({"benchmark": "eval_rate", "seconds": args.seconds, "workers": args.workers, "seed": args.seed,
           "goal_ulp": args.goal_ulp, "goals": {"speedup": 10.0, "share_of_bound": 0.5, "time_to_goal_ratio": 3.0},
           "problems": results}, args.out)


if __name__ == "__main__":
    main()

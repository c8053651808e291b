"""Real campaigns' evaluations per second, through the interpreter and compiled per candidate, against the bound set
by the fitness itself.

For each problem (by default exp2, the Feynman equation I.6.20a and CartPole) it runs one GP campaign per path,
one after the other, each for the same wall time with the same seed and workers:

- ``baseline``: the code of ``--baseline`` (the commit before the interpreter) with its defaults, in a temporary
  git worktree: today's figure, measured in the same run;
- ``compiled``: the problem with ``interpret=False`` (each new program's fitness, and each structure's constant
  tuner, compiled or run operation by operation: the path before the interpreter);
- ``interpreted``: ``interpret=True`` (programs the interpreter runs, as data, through one compiled function per
  code size);
- ``batched`` (formula problems): ``interpret=True, batch=True``, the fits of the formulas of one evaluator call
  in one vmapped call (``evaluate_batch``).

It reports, per path, the evaluations per second over the whole run and over its second half (past the first
compiles), the best score, and for float32 targets when the campaign first reached ``--goal-ulp``. The bound is
the evaluators times the rate of the fitness itself on a fixed program (the seed), compiled and warm: the jitted
ULP measure on every point for a float32 target, the jitted vmapped rollout of every episode for a policy, the
warm fit for a formula (already interpreted). Writes ``bench/results/eval_rate.json``.

    python bench/eval_rate.py [--problems exp2 feynman cartpole] [--seconds 120] [--workers 2] [--baseline e0a6be9]
"""

from __future__ import annotations

import argparse
import os
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from bench._common import RESULTS, write  # noqa: E402
from evolve import load_problem  # noqa: E402
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


def campaign_report(name: str, options: dict, seconds: float, workers: int, seed: int, goal_ulp: int | None) -> dict:
    """One GP campaign of ``seconds`` on problem ``name`` made with ``options``: its rates and what it found.
    Self-contained (its imports inside), so that :func:`baseline_report` can run it on another commit's code."""
    import tempfile
    from pathlib import Path

    from archive import Archive
    from evolve import Campaign, load_problem

    try:
        from bench.finished import finished
    except ImportError:  # a baseline commit from before the guard: a signal ends its process, and ours, instead
        def finished(summary):
            return summary

    with tempfile.TemporaryDirectory() as tmp:
        db = str(Path(tmp) / "rate.sqlite")
        summary = finished(Campaign(load_problem(name, **options), db=db, budget=10**7, max_seconds=seconds, seed=seed,
                                    workers=workers, progress=False).run())
        rows = Archive(db, readonly=True).programs(campaign_id=summary.campaign_id)
    start, end = rows[0].created_at, rows[-1].created_at
    evaluated = [r for r in rows if r.status != "duplicate" and r.operator not in ("seed", "migration", "reset")]
    half = start + (end - start) / 2
    later = [r for r in evaluated if r.created_at >= half]
    first = None
    if goal_ulp is not None:
        made = 0
        for r in rows:
            made += r.operator not in ("seed", "migration", "reset")
            if r.status == "ok" and r.metrics and r.metrics.get("max_ulp", 1e30) <= goal_ulp:
                first = {"seconds": r.created_at - start, "proposals": made, "max_ulp": r.metrics["max_ulp"]}
                break
    return {
        "options": options,
        "wall_seconds": round(summary.wall_seconds, 2),
        "evaluated": summary.evaluated,
        "duplicates": summary.duplicates,
        "evaluations_per_second": round(len(evaluated) / max(end - start, 1e-9), 3),
        "second_half_per_second": round(len(later) / max(end - half, 1e-9), 3),
        "best_score": summary.best_score,
        "best_metrics": {k: v for k, v in summary.best_metrics.items() if isinstance(v, (int, float, str))},
        "first_within_goal": first,
    }


def baseline_report(commit: str, name: str, seconds: float, workers: int, seed: int, goal_ulp: int | None) -> dict:
    """:func:`campaign_report` on the code of ``commit`` (its defaults), in a temporary git worktree."""
    import inspect
    import json
    import subprocess

    root = Path(__file__).resolve().parent.parent
    with tempfile.TemporaryDirectory() as tmp:
        tree = str(Path(tmp) / "baseline")
        subprocess.run(["git", "worktree", "add", "--detach", "-q", tree, commit], cwd=root, check=True)
        try:
            code = (inspect.getsource(campaign_report) + "\nimport json\n"
                    f"print('REPORT' + json.dumps(campaign_report({name!r}, {{}}, {seconds!r}, {workers!r}, "
                    f"{seed!r}, {goal_ulp!r})))\n")
            done = subprocess.run([sys.executable, "-c", code], cwd=tree, env={**os.environ, "PYTHONPATH": tree},
                                  capture_output=True, text=True, check=True)
        finally:
            subprocess.run(["git", "worktree", "remove", "--force", tree], cwd=root, check=False)
    line = next(line for line in done.stdout.splitlines() if line.startswith("REPORT"))
    return {**json.loads(line[len("REPORT"):]), "commit": commit}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--problems", nargs="+", default=["exp2", "feynman", "cartpole"])
    parser.add_argument("--seconds", type=float, default=120.0, help="wall time of each campaign")
    parser.add_argument("--workers", type=int, default=2)
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--goal-ulp", type=int, default=4, help="float32: report when a program first reached this")
    parser.add_argument("--baseline", default="e0a6be9",
                        help="also run each campaign on this commit's code and defaults (today's path before the "
                             "interpreter); empty: skip")
    parser.add_argument("--out", default=str(RESULTS / "eval_rate.json"))
    args = parser.parse_args()
    results = []
    for name in args.problems:
        fitness = fitness_seconds(name)
        bound = args.workers / fitness
        goal = args.goal_ulp if name in FLOAT32 else None
        by_path = {}
        if args.baseline:
            by_path["baseline"] = baseline_report(args.baseline, name, args.seconds, args.workers, args.seed, goal)
        paths = [("compiled", {"interpret": False}), ("interpreted", {"interpret": True})]
        if name not in FLOAT32 and name not in POLICIES:
            paths.append(("batched", {"interpret": True, "batch": True}))
        for path, options in paths:
            by_path[path] = campaign_report(name, options, args.seconds, args.workers, args.seed, goal)
        rate = {path: r["second_half_per_second"] for path, r in by_path.items()}
        before = "baseline" if args.baseline else "compiled"
        entry = {"problem": name, "fitness_seconds": round(fitness, 5), "bound_per_second": round(bound, 2),
                 "runs": by_path, "rates": rate,
                 "speedup": round(rate["interpreted"] / max(rate[before], 1e-9), 2), "speedup_against": before,
                 "share_of_bound": {path: round(r / bound, 4) for path, r in rate.items()}}
        if "batched" in rate:
            entry["batched_against_interpreted"] = round(rate["batched"] / max(rate["interpreted"], 1e-9), 3)
        goals = [by_path[p].get("first_within_goal") for p in (before, "interpreted")]
        if all(goals):
            entry["time_to_goal_ratio"] = round(goals[0]["seconds"] / max(goals[1]["seconds"], 1e-9), 2)
        results.append(entry)
        print(f"{name}: " + ", ".join(f"{p} {r:.2f}/s" for p, r in rate.items())
              + f"; interpreted/{before} {entry['speedup']}x; bound {bound:.1f}/s (fitness {fitness * 1e3:.1f} ms)")
    import jax

    write({"benchmark": "eval_rate", "backend": jax.default_backend(), "seconds": args.seconds,
           "workers": args.workers, "seed": args.seed,
           "goal_ulp": args.goal_ulp, "goals": {"speedup": 10.0, "share_of_bound": 0.5, "time_to_goal_ratio": 3.0},
           "problems": results}, args.out, settings=args)


if __name__ == "__main__":
    main()

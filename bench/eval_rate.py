"""Evaluations per second of real campaigns against the bound set by their own fitness (issue 22's baseline).

For each problem: a campaign of ``--seconds`` on the default settings (2 evaluators), its evaluations per second
(programs evaluated, not skipped as duplicates, over the time after its seed was stored), and the bound: the
evaluators times the rate of the fitness itself, measured in this process as the warm time of one evaluation of
the problem's seed program (``problem.evaluate`` on the compiled seed, best of ``--repeats`` after one warm-up).
The share of the bound says how much of an evaluator's time goes to the fitness, and how much to compiling,
tuning, hashing and the rest.

    python bench/eval_rate.py [--problems exp2 oscillator1 cartpole] [--seconds 120]
"""

from __future__ import annotations

import argparse
import sys
import tempfile
import time
from pathlib import Path

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE.parent))

from archive import Archive  # noqa: E402
from archive.vocabulary import NOT_PROPOSALS  # noqa: E402
from bench._common import RESULTS, write  # noqa: E402
from evolve import Campaign, load_problem  # noqa: E402
from evolve.programs import program  # noqa: E402

EVALUATED = ("ok", "error", "timeout")


COMPILING: list[float] = []
"""Seconds JAX spent tracing, lowering and compiling, as its monitoring events report them."""


def _on_duration(event: str, seconds: float, **_: object) -> None:
    if event.startswith("/jax/core/compile/"):
        COMPILING.append(seconds)


def fitness_seconds(problem, repeats: int) -> tuple[float, float]:
    """Warm seconds of one evaluation of the seed program by the problem's own fitness, best of ``repeats``: as
    run, and without the time JAX spent compiling (a fitness that jits each candidate compiles on every call; the
    bound is the fitness of a program already compiled)."""
    import jax

    jax.monitoring.register_event_duration_secs_listener(_on_duration)
    fn = program.compile_program(problem.seed, problem.entrypoint)
    problem.evaluate(fn)  # compiles what the fitness compiles once
    times, computing = [], []
    for _ in range(repeats):
        COMPILING.clear()
        t0 = time.perf_counter()
        problem.evaluate(fn)
        times.append(time.perf_counter() - t0)
        computing.append(times[-1] - sum(COMPILING))
    return min(times), min(computing)


def campaign_rate(problem, seconds: float, workers: int, seed: int, db: str) -> dict:
    """Evaluations per second of a campaign of ``seconds``, from its first stored child to its end."""
    summary = Campaign(problem, db=db, budget=10**7, max_seconds=seconds, workers=workers, seed=seed,
                       progress=False).run()
    rows = [r for r in Archive(db, readonly=True).programs(campaign_id=summary.campaign_id)
            if r.operator not in NOT_PROPOSALS]
    stamps = sorted(r.created_at for r in rows)
    evaluated = sum(r.status in EVALUATED for r in rows)
    span = stamps[-1] - stamps[0] if len(stamps) > 1 else float("nan")
    return {"proposed": len(rows), "evaluated": evaluated, "span_seconds": span,
            "evaluations_per_second": evaluated / span if span > 0 else None,
            "best_score": summary.best_score, "wall_seconds": summary.wall_seconds}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--problems", nargs="+", default=["exp2", "cartpole"],
                        help="problems with an evaluate function (formula problems fit through their Formula "
                             "extension instead, which this bench does not time yet)")
    parser.add_argument("--seconds", type=float, default=120.0)
    parser.add_argument("--workers", type=int, default=2)
    parser.add_argument("--repeats", type=int, default=5)
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--out", default=str(RESULTS / "eval_rate.json"))
    args = parser.parse_args()

    runs = []
    with tempfile.TemporaryDirectory() as tmp:
        for name in args.problems:
            problem = load_problem(name)
            if problem.evaluate is None:
                parser.error(f"{name} has no evaluate function to time (a formula problem?); leave it out")
            t_run, t_fit = fitness_seconds(problem, args.repeats)
            bound = args.workers / t_fit
            run = campaign_rate(problem, args.seconds, args.workers, args.seed, str(Path(tmp) / f"{name}.sqlite"))
            rate = run["evaluations_per_second"]
            runs.append({"problem": name, "fitness_seconds": t_fit, "fitness_seconds_with_compiling": t_run,
                         "bound_per_second": bound, **run,
                         "share_of_bound": None if rate is None else rate / bound})
            print(f"{name}: {rate or 0:.2f} evaluations/s; fitness {t_fit * 1e3:.1f} ms, bound {bound:.1f}/s "
                  f"({(rate or 0) / bound:.1%} of it)", flush=True)
    write({"benchmark": "eval_rate", "seconds": args.seconds, "workers": args.workers, "seed": args.seed,
           "repeats": args.repeats, "runs": runs,
           "notes": "The bound is the fitness of the seed program alone, warm, times the evaluators; issue 22 asks "
                    "for at least 10 times today's evaluations/s and at least 50% of this bound."}, args.out)


if __name__ == "__main__":
    main()

"""The demo's result: max ULP reached by `evolve run exp2` on the demo's budget, and its wall time.

Runs the same campaign as the README's demo command (exp2, embedded defaults, --budget 3000) for one or
more seeds and writes bench/results/demo.json.

    python bench/demo.py [--budget 3000] [--seeds 0 1 2] [--workers 2]
"""

from __future__ import annotations

import argparse
import statistics
import sys
import tempfile
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from archive import Archive  # noqa: E402
from bench._common import RESULTS, write  # noqa: E402
from bench.finished import finished  # noqa: E402
from evolve import Campaign, Config, load_problem  # noqa: E402


def first_reaching(db: str, campaign_id: int, max_ulp: int) -> dict | None:
    """When (seconds from the seed, proposals) the campaign first had a program within ``max_ulp``."""
    rows = Archive(db, readonly=True).programs(campaign_id=campaign_id)
    start = rows[0].created_at
    proposals = 0
    for r in rows:
        if r.operator not in ("seed", "migration", "reset"):
            proposals += 1
        if r.status == "ok" and r.metrics and r.metrics.get("max_ulp", 1e30) <= max_ulp:
            return {"seconds": r.created_at - start, "proposals": proposals, "max_ulp": r.metrics["max_ulp"]}
    return None


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--budget", type=int, default=3000)
    parser.add_argument("--seeds", type=int, nargs="+", default=[0])
    parser.add_argument("--workers", type=int, default=Config().evaluation.workers)
    parser.add_argument("--goal-ulp", type=int, default=4, help="report when a program first reached this")
    parser.add_argument("--out", default=str(RESULTS / "demo.json"))
    args = parser.parse_args()
    runs = []
    with tempfile.TemporaryDirectory() as tmp:
        for seed in args.seeds:
            db = str(Path(tmp) / f"demo-{seed}.sqlite")
            summary = finished(Campaign(load_problem("exp2"), db=db, budget=args.budget, seed=seed,
                                        workers=args.workers, progress=sys.stderr.isatty()).run())
            runs.append({
                "seed": seed,
                "best_max_ulp": summary.best_metrics.get("max_ulp"),
                "best_mean_ulp": summary.best_metrics.get("mean_ulp"),
                "best_ops": summary.best_metrics.get("ops"),
                "best_source": summary.best_source,
                "wall_seconds": summary.wall_seconds,
                "evaluated": summary.evaluated,
                "duplicates": summary.duplicates,
                "first_within_goal": first_reaching(db, summary.campaign_id, args.goal_ulp),
            })
            print(f"seed {seed}: {runs[-1]['best_max_ulp']} ULP with {runs[-1]['best_ops']} ops "
                  f"in {summary.wall_seconds:.1f} s")
    ulps = [r["best_max_ulp"] for r in runs]
    write({
        "benchmark": "demo",
        "budget": args.budget,
        "workers": args.workers,
        "runs": runs,
        "median_max_ulp": statistics.median(ulps),
        "median_wall_seconds": statistics.median(r["wall_seconds"] for r in runs),
        "goal_ulp": args.goal_ulp,
    }, args.out, settings=args)


if __name__ == "__main__":
    main()

"""Operator choice on exp2: the cost-aware bandit against fixed operator weights, at the same wall time.

For each choice (``weights``, ``bandit``) and seed, one exp2 campaign (the demo's settings) runs for
``--seconds``. The best max ULP is sampled after every batch; reported per choice: the best max ULP at a few
checkpoints (median over seeds), the seconds to reach ``--target`` ULP, proposals made, and for the bandit
its pulls, reward and cost per operator. Writes bench/results/bandit.json.

    python bench/bandit.py [--seconds 150] [--seeds 0 1] [--target 4]
"""

from __future__ import annotations

import argparse
import statistics
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from archive import Archive  # noqa: E402
from bench._common import RESULTS, write  # noqa: E402
from bench.finished import finished  # noqa: E402
from evolve import Campaign, load_problem  # noqa: E402


def run(choice: str, seed: int, args: argparse.Namespace, tmp: str) -> dict:
    """One campaign; returns its best-so-far curve and the bandit's table."""
    db = str(Path(tmp) / f"{choice}-{seed}.sqlite")
    curve: list[tuple[float, float]] = []

    def sample(campaign: Campaign) -> None:
        best = campaign.population.best()
        if best is not None:
            ulp = best.metrics.get("max_ulp")
            if ulp is not None and (not curve or ulp < curve[-1][1]):
                curve.append((time.time() - campaign.started, float(ulp)))

    summary = finished(Campaign(load_problem("exp2"), db=db, budget=10**9, max_seconds=args.seconds, seed=seed,
                                workers=args.workers, operator_choice=choice, progress=sys.stderr.isatty()).run(sample))
    stats = Archive(db, readonly=True).stats(summary.campaign_id)
    out = {"choice": choice, "seed": seed, "proposed": summary.proposed, "wall_seconds": summary.wall_seconds,
           "best_max_ulp": summary.best_metrics.get("max_ulp"), "curve": curve,
           "arms": [{k: a[k] for k in ("arm", "pulls", "successes", "reward", "cost_seconds")}
                    for a in stats["arms"]]}
    print({k: v for k, v in out.items() if k not in ("curve", "arms")}, flush=True)
    return out


def at(curve: list[tuple[float, float]], t: float) -> float | None:
    """Best max ULP reached by ``t`` seconds (None before the first sample)."""
    values = [ulp for when, ulp in curve if when <= t]
    return min(values) if values else None


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--seconds", type=float, default=150.0)
    parser.add_argument("--seeds", type=int, nargs="+", default=[0, 1])
    parser.add_argument("--choices", nargs="+", default=["weights", "bandit"])
    parser.add_argument("--target", type=float, default=4.0, help="max ULP whose time to reach is reported")
    parser.add_argument("--workers", type=int, default=2)
    parser.add_argument("--out", default=str(RESULTS / "bandit.json"))
    args = parser.parse_args()
    checkpoints = [t for t in (30, 60, 90, 120, 150, 300, 600) if t <= args.seconds]
    with tempfile.TemporaryDirectory() as tmp:
        runs = [run(choice, seed, args, tmp) for seed in args.seeds for choice in args.choices]
    summary = {}
    for choice in args.choices:
        mine = [r for r in runs if r["choice"] == choice]
        reach = [next((t for t, ulp in r["curve"] if ulp <= args.target), None) for r in mine]
        summary[choice] = {
            "median_best_at": {str(t): statistics.median([at(r["curve"], t) or float("inf") for r in mine])
                               for t in checkpoints},
            "seconds_to_target": reach,
            "median_proposed": statistics.median(r["proposed"] for r in mine),
            "median_final_max_ulp": statistics.median(r["best_max_ulp"] for r in mine),
        }
    print(summary)
    write({"benchmark": "bandit", "problem": "exp2", "seconds": args.seconds, "seeds": args.seeds,
           "target_ulp": args.target, "workers": args.workers, "summary": summary, "runs": runs},
          args.out, settings=args)


if __name__ == "__main__":
    main()

"""What functional hashing saves: the same exp2 campaign with and without hashing.

Same seed, same proposal budget. Reports the share of proposals skipped as duplicates, the wall time of
each run, the best max ULP each reached, and the audited collision rate (a fraction of duplicates is
evaluated anyway and compared with the original's score). Writes bench/results/dedupe.json.

    python bench/dedupe.py [--budget 3000] [--workers 2] [--audit 0.1] [--seed 0]
"""

from __future__ import annotations

import argparse
import sys
import tempfile
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from archive import Archive  # noqa: E402
from bench._common import RESULTS, write  # noqa: E402
from bench.finished import finished  # noqa: E402
from evolve import Campaign, load_problem  # noqa: E402


def run(dedupe: bool, args: argparse.Namespace, tmp: str) -> dict:
    db = str(Path(tmp) / f"dedupe-{dedupe}.sqlite")
    summary = finished(Campaign(load_problem("exp2"), db=db, budget=args.budget, workers=args.workers, seed=args.seed,
                                dedupe=dedupe, audit_dedupe=args.audit if dedupe else 0.0,
                                progress=sys.stderr.isatty()).run())
    archive = Archive(db, readonly=True)
    stats = archive.stats(summary.campaign_id)
    # Which metrics differed in each audited mismatch: a behavioural collision changes max_ulp, while a
    # cost-only one (one function, another op count, e.g. `x` and `x * 1.0`) changes only ops.
    differ: dict[str, int] = {}
    for row in archive.programs(campaign_id=summary.campaign_id, status="duplicate"):
        audit = (row.metrics or {}).get("audit")
        if audit and not audit.get("match"):
            key = f"{row.duplicate_by}: " + (",".join(audit.get("metrics_differ", [])) or "status")
            differ[key] = differ.get(key, 0) + 1
    return {
        "dedupe": dedupe,
        "proposed": summary.proposed,
        "evaluated": summary.evaluated,
        "duplicates_skipped": summary.duplicates,
        "skipped_share": summary.duplicates / summary.proposed if summary.proposed else 0.0,
        "duplicates_by": stats["duplicates_by"],
        "audit": stats["audit"],
        "mismatches_by_differing_metrics": differ,
        "wall_seconds": summary.wall_seconds,
        "best_max_ulp": summary.best_metrics.get("max_ulp"),
        "best_ops": summary.best_metrics.get("ops"),
        "phases_ms": {k: v * 1e3 for k, v in summary.phases.items()},
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--budget", type=int, default=3000)
    parser.add_argument("--workers", type=int, default=2)
    parser.add_argument("--audit", type=float, default=0.1, help="fraction of duplicates evaluated anyway")
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--out", default=str(RESULTS / "dedupe.json"))
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        with_hash = run(True, args, tmp)
        without = run(False, args, tmp)
    report = {
        "benchmark": "dedupe",
        "budget": args.budget,
        "seed": args.seed,
        "with_hashing": with_hash,
        "without_hashing": without,
        "wall_time_ratio": with_hash["wall_seconds"] / without["wall_seconds"],
        "collision_rate": with_hash["audit"].get("collision_rate"),
    }
    print(f"with hashing: {with_hash['skipped_share']:.1%} skipped, {with_hash['wall_seconds']:.1f} s, "
          f"best {with_hash['best_max_ulp']} ULP; without: {without['wall_seconds']:.1f} s, "
          f"best {without['best_max_ulp']} ULP; collision rate {report['collision_rate']}")
    write(report, args.out, settings=args)


if __name__ == "__main__":
    main()

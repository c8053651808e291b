"""Engine capacity: candidates per second at archive sizes 1k, 10k and 100k, with time split by phase.

Runs one campaign with the real GP mutator, hashing, selection, Ray dispatch and archive writes, but a
trivial fitness (bench/trivial_problem.py), and measures the rate over a window of proposals ending at
each archive size. Writes JSON (default bench/results/engine_throughput.json).

    python bench/engine_throughput.py [--sizes 1000 10000 100000] [--workers 2] [--batch-size 64]
"""

from __future__ import annotations

import argparse
import os
import sys
import tempfile
import time
from pathlib import Path

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE.parent))

from bench._common import RESULTS, write  # noqa: E402
from evolve import Campaign, load_problem  # noqa: E402


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--sizes", type=int, nargs="+", default=[1000, 10000, 100000])
    parser.add_argument("--workers", type=int, default=2)
    parser.add_argument("--batch-size", type=int, default=64)
    parser.add_argument("--window", type=int, default=1000, help="proposals per measuring window")
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--out", default=str(RESULTS / "engine_throughput.json"))
    args = parser.parse_args()

    sizes = sorted(args.sizes)
    snapshots: list[tuple[int, float, dict[str, float]]] = []

    def on_batch(c: Campaign) -> None:
        snapshots.append((c.proposed_done, time.perf_counter(), dict(c.timings)))

    problem = load_problem(str(HERE / "trivial_problem.py"))
    with tempfile.TemporaryDirectory() as tmp:
        db = os.path.join(tmp, "throughput.sqlite")
        campaign = Campaign(problem, db=db, budget=sizes[-1], workers=args.workers, batch_size=args.batch_size,
                            seed=args.seed, progress=sys.stderr.isatty(), pipeline_depth=2)
        summary = campaign.run(on_batch=on_batch)
        db_bytes = sum(p.stat().st_size for p in Path(tmp).glob("throughput.sqlite*"))

    results = []
    for size in sizes:
        window = min(args.window, size // 2)
        end = next(s for s in snapshots if s[0] >= size)
        start = next(s for s in reversed(snapshots) if s[0] <= end[0] - window)
        n = end[0] - start[0]
        seconds = end[1] - start[1]
        phases = {k: (end[2].get(k, 0.0) - start[2].get(k, 0.0)) / n * 1e3 for k in end[2]}
        results.append({
            "archive_size": end[0],
            "window_proposals": n,
            "candidates_per_second": n / seconds,
            "ms_per_candidate_by_phase": dict(sorted(phases.items())),
        })
        print(f"archive {end[0]:>7}: {n / seconds:8.1f} candidates/s  "
              + " ".join(f"{k}={v:.3f}ms" for k, v in sorted(phases.items())))
    first, last = results[0]["candidates_per_second"], results[-1]["candidates_per_second"]
    report = {
        "benchmark": "engine_throughput",
        "workers": args.workers,
        "batch_size": args.batch_size,
        "results": results,
        "drop_first_to_last": 1.0 - last / first,
        "overall_candidates_per_second": summary.proposed / summary.wall_seconds,
        "duplicates": summary.duplicates,
        "evaluated": summary.evaluated,
        "archive_bytes": db_bytes,
        "notes": "Evaluator phases (mutate, check, probe, evaluate) are summed over evaluators running in "
                 "parallel; driver phases (select, wait, record, archive) are on the driver's one thread.",
    }
    write(report, args.out)


if __name__ == "__main__":
    main()

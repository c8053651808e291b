"""Engine capacity: candidates per second at archive sizes 1k, 10k and 100k, with time split by phase.

The real GP mutator, hashing, selection, Ray dispatch and archive writes, with a trivial fitness
(bench/trivial_problem.py). Two modes:

- ``prefilled`` (default): for each size N, an archive whose campaign already holds N programs (the seed
  and N-1 stored programs with hashes of their own), resumed, so the population, the hash sets and the
  SQLite indexes are those of an N-program campaign; then the rate over a window of new proposals. Each
  window starts from the same programs, so the sizes compare archives, not programs.
- ``growing``: one campaign grown to the largest size, measured over a window ending at each size (the
  programs change as the search goes on, so this mixes archive size with program size).

    python bench/engine_throughput.py [--mode prefilled|growing] [--sizes 1000 10000 100000]
"""

from __future__ import annotations

import argparse
import sys
import tempfile
import time
import uuid
from pathlib import Path

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE.parent))

from archive import Archive  # noqa: E402
from archive.records import ProgramRecord  # noqa: E402
from bench._common import RESULTS, write  # noqa: E402
from bench.finished import finished  # noqa: E402
from evolve import Campaign, Problem, load_problem  # noqa: E402

Snapshot = tuple[int, float, dict[str, float]]


def recorder(snapshots: list[Snapshot]):
    """An ``on_batch`` callback appending (proposals done, time, cumulative phase timings)."""

    def record(c: Campaign) -> None:
        snapshots.append((c.proposed_done, time.perf_counter(), dict(c.timings)))

    return record


def window_rate(snapshots: list[Snapshot], start_at: int, end_at: int) -> dict:
    """Rate and per-phase ms per candidate between the first snapshots at or past two proposal counts."""
    start = next(s for s in snapshots if s[0] >= start_at)
    end = next((s for s in snapshots if s[0] >= end_at), snapshots[-1])
    n = end[0] - start[0]
    phases = {k: (end[2].get(k, 0.0) - start[2].get(k, 0.0)) / n * 1e3 for k in end[2]}
    return {"window_proposals": n, "candidates_per_second": n / (end[1] - start[1]),
            "ms_per_candidate_by_phase": dict(sorted(phases.items()))}


def mean_source_chars(db: str, campaign_id: int, after_id: int) -> float:
    """Mean source length of the proposals with ids above ``after_id`` (program size in the window)."""
    rows = [r for r in Archive(db, readonly=True).programs(campaign_id=campaign_id, since_id=after_id)
            if r.operator not in ("seed", "migration", "reset")]
    return sum(len(r.source) for r in rows) / max(len(rows), 1)


def prefill(db: str, problem: Problem, size: int, args: argparse.Namespace) -> int:
    """Make a campaign whose archive holds ``size`` programs: the real seed, then stored programs."""
    summary = finished(Campaign(problem, db=db, budget=0, workers=1, seed=args.seed, batch_size=args.batch_size,
                                progress=False).run())
    archive = Archive(db)
    seed_row = archive.get(summary.best_id)
    start, now = archive.next_program_id(), time.time()
    rows, edges = [], []
    for i in range(size - 1):
        pid = start + i
        rows.append(ProgramRecord(id=pid, campaign_id=summary.campaign_id, source=seed_row.source,
                                  code_hash=uuid.uuid4().hex, func_hash=uuid.uuid4().hex, status="ok",
                                  score=1e6 + i, metrics={"max_err": 1e6}, island=i % 4, generation=1,
                                  operator="prefill", created_at=now))
        edges.append((pid, seed_row.id, "parent"))
    archive.add(rows, edges)
    archive.close()
    return summary.campaign_id


def run_prefilled(problem: Problem, args: argparse.Namespace, tmp: str) -> list[dict]:
    """One resumed campaign per size; the rate over a window after a warm-up."""
    results = []
    for size in sorted(args.sizes):
        db = str(Path(tmp) / f"prefilled-{size}.sqlite")
        campaign_id = prefill(db, problem, size, args)
        snapshots: list[Snapshot] = []
        campaign = Campaign(problem, db=db, resume=True, campaign_id=campaign_id,
                            budget=size - 1 + args.warmup + args.window, workers=args.workers,
                            progress=sys.stderr.isatty())
        finished(campaign.run(on_batch=recorder(snapshots)))
        row = {"archive_size": size, **window_rate(snapshots, size - 1 + args.warmup, size - 1 + args.warmup
                                                   + args.window),
               "mean_source_chars": mean_source_chars(db, campaign_id, size)}
        results.append(row)
        report_line(row)
    return results


def run_growing(problem: Problem, args: argparse.Namespace, tmp: str) -> list[dict]:
    """One campaign grown to the largest size; the rate over a window ending at each size."""
    db = str(Path(tmp) / "growing.sqlite")
    snapshots: list[Snapshot] = []
    summary = finished(Campaign(problem, db=db, budget=max(args.sizes), workers=args.workers,
                                batch_size=args.batch_size, seed=args.seed,
                                progress=sys.stderr.isatty()).run(on_batch=recorder(snapshots)))
    sources = [len(r.source) for r in Archive(db, readonly=True).programs(campaign_id=summary.campaign_id)
               if r.operator not in ("seed", "migration", "reset")]
    results = []
    for size in sorted(args.sizes):
        window = min(args.window, size // 2)
        row = {"archive_size": size, **window_rate(snapshots, size - window, size)}
        row["mean_source_chars"] = sum(sources[size - window:size]) / window
        results.append(row)
        report_line(row)
    return results


def report_line(row: dict) -> None:
    """Print one size's result."""
    phases = " ".join(f"{k}={v:.3f}ms" for k, v in row["ms_per_candidate_by_phase"].items())
    print(f"archive {row['archive_size']:>7}: {row['candidates_per_second']:8.1f} candidates/s  "
          f"source {row['mean_source_chars']:.0f} chars  {phases}")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--mode", choices=("prefilled", "growing"), default="prefilled")
    parser.add_argument("--sizes", type=int, nargs="+", default=[1000, 10000, 100000])
    parser.add_argument("--workers", type=int, default=2)
    parser.add_argument("--batch-size", type=int, default=64)
    parser.add_argument("--window", type=int, default=3000, help="proposals measured per size")
    parser.add_argument("--warmup", type=int, default=1000, help="proposals before the window (prefilled)")
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--size-penalty", type=float, default=1e-2,
                        help="score penalty per bytecode byte of the trivial fitness")
    parser.add_argument("--out", default=None, help="default bench/results/engine_throughput[_growing].json")
    args = parser.parse_args()

    problem = load_problem(str(HERE / "trivial_problem.py"), size_penalty=args.size_penalty)
    with tempfile.TemporaryDirectory() as tmp:
        results = (run_prefilled if args.mode == "prefilled" else run_growing)(problem, args, tmp)
    first, last = results[0]["candidates_per_second"], results[-1]["candidates_per_second"]
    suffix = "" if args.mode == "prefilled" else "_growing"
    write({
        "benchmark": "engine_throughput",
        "mode": args.mode,
        "workers": args.workers,
        "batch_size": args.batch_size,
        "size_penalty": args.size_penalty,
        "results": results,
        "change_first_to_last": last / first - 1.0,
        "notes": "Evaluator phases (mutate, check, probe, evaluate) are summed over evaluators running in "
                 "parallel; driver phases (select, wait, record, archive) are on the driver's one thread.",
    }, args.out or RESULTS / f"engine_throughput{suffix}.json", settings=args)


if __name__ == "__main__":
    main()

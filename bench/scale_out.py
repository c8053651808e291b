"""Scale-out: how many evaluators one driver keeps busy, on a local multi-node Ray cluster.

A cluster of ``--nodes`` Ray nodes on this machine (``ray.cluster_utils.Cluster``, each node its own raylet and
object store, as on separate machines) takes a campaign of ``--evaluators`` evaluators. The fitness
(bench/trivial_problem.py with ``pause``) sleeps ``--pause`` seconds per candidate and uses no CPU, so the ideal
rate is evaluators / pause evaluations per second; dedupe is off, so every candidate is evaluated. The driver does
all its usual work: GP proposals are made in the evaluators, but the driver selects parents, writes every result to
the SQLite archive and keeps the hash ledger. Reported per evaluator count: evaluations/s over a window after a
warm-up, the share of the ideal, and the driver's own CPU use per second of wall time (near 1: the driver is the
bottleneck). A run with ``--pause 0`` on the same cluster finds the driver's ceiling.

    python bench/scale_out.py [--evaluators 8 16 32] [--pause 0.1] [--nodes 4]
"""

from __future__ import annotations

import argparse
import math
import sys
import tempfile
import time
from pathlib import Path

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE.parent))

from bench._common import RESULTS, write  # noqa: E402
from bench.finished import finished  # noqa: E402
from evolve import Campaign, load_problem  # noqa: E402

Snapshot = tuple[int, float, float]
STORE = 256 * 2**20
"""Bytes of object store per node: batches are small, and Ray's default (a share of the machine's memory per
node) would ask for more shared memory than the machine has."""


def measure(address: str, evaluators: int, pause: float, args: argparse.Namespace, db: str) -> dict:
    """One campaign of ``evaluators`` evaluators on the cluster at ``address``; its rate over the window."""
    problem = load_problem(str(HERE / "trivial_problem.py"), size_penalty=args.size_penalty, pause=pause)
    per_second = evaluators / pause if pause else None
    # Enough proposals for a window of --seconds at the ideal rate (or --window without a pause).
    window = int(per_second * args.seconds) if per_second else args.window
    warmup = max(window // 4, evaluators * args.batch_size * 2)
    snapshots: list[Snapshot] = []

    def record(c: Campaign) -> None:
        snapshots.append((c.proposed_done, time.perf_counter(), time.process_time()))

    summary = finished(Campaign(problem, db=db, budget=warmup + window, seed=args.seed, workers=evaluators,
                                batch_size=args.batch_size, ray_address=address, dedupe=False, progress=False,
                                compile_cache="").run(on_batch=record))
    start = next(s for s in snapshots if s[0] >= warmup)
    end = snapshots[-1]
    n, wall, cpu = end[0] - start[0], end[1] - start[1], end[2] - start[2]
    rate = n / wall
    row = {"evaluators": evaluators, "pause": pause, "window_proposals": n, "window_seconds": wall,
           "evaluations_per_second": rate, "ideal_per_second": per_second,
           "share_of_ideal": rate / per_second if per_second else None,
           "driver_cpu_per_wall_second": cpu / wall, "status": summary.status,
           "driver_ms_per_candidate_by_phase": {k: v * 1e3 for k, v in summary.phases.items()
                                                if k in ("select", "record", "archive", "wait")}}
    share = f"{row['share_of_ideal']:.0%} of {per_second:.0f}/s" if per_second else "no pause"
    print(f"{evaluators:>3} evaluators, pause {pause:g} s: {rate:7.1f} evaluations/s ({share}); "
          f"driver CPU {row['driver_cpu_per_wall_second']:.2f} s/s")
    return row


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--evaluators", type=int, nargs="+", default=[8, 16, 32])
    parser.add_argument("--pause", type=float, default=0.1, help="seconds each evaluation sleeps")
    parser.add_argument("--nodes", type=int, default=4, help="Ray nodes of the local cluster")
    parser.add_argument("--batch-size", type=int, default=4)
    parser.add_argument("--seconds", type=float, default=20.0, help="length of the window at the ideal rate")
    parser.add_argument("--window", type=int, default=4000, help="proposals in the window of the --pause 0 run")
    parser.add_argument("--ceiling", action=argparse.BooleanOptionalAction, default=True,
                        help="also run the most evaluators with no pause (the driver's ceiling)")
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--size-penalty", type=float, default=1e-2)
    parser.add_argument("--out", default=str(RESULTS / "scale_out.json"))
    args = parser.parse_args()

    from ray.cluster_utils import Cluster

    most = max(args.evaluators)
    per_node = math.ceil(most / args.nodes)
    # The driver's node runs no evaluator.
    cluster = Cluster(initialize_head=True, head_node_args={"num_cpus": 0, "object_store_memory": STORE})
    try:
        for _ in range(args.nodes):
            cluster.add_node(num_cpus=per_node, object_store_memory=STORE)
        cluster.wait_for_nodes()
        rows = []
        with tempfile.TemporaryDirectory() as tmp:
            for i, n in enumerate(sorted(args.evaluators)):
                rows.append(measure(cluster.address, n, args.pause, args, str(Path(tmp) / f"run{i}.sqlite")))
            if args.ceiling:
                rows.append(measure(cluster.address, most, 0.0, args, str(Path(tmp) / "ceiling.sqlite")))
    finally:
        cluster.shutdown()
    paused = [r for r in rows if r["pause"]]
    at_most = next(r for r in paused if r["evaluators"] == most)
    write({
        "benchmark": "scale_out",
        "nodes": args.nodes, "cpus_per_node": per_node, "pause": args.pause, "batch_size": args.batch_size,
        "seconds": args.seconds, "seed": args.seed, "dedupe": False,
        "results": rows,
        "goal": {"evaluators": 32, "share_of_ideal": 0.9},
        "goal_met": at_most["evaluators"] >= 32 and at_most["share_of_ideal"] >= 0.9,
        "notes": "One machine of 2 cores hosts the driver, every node's raylet and every evaluator; the fitness "
                 "sleeps without using the CPU. The driver's CPU per wall second near 1 means the driver is the "
                 "bottleneck; the run without a pause gives its ceiling.",
    }, args.out, settings=args)


if __name__ == "__main__":
    main()

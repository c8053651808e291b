"""A refactor's cost, measured: the engine's rate and the demo's result at two commits, in one run.

Machines here are shared and noisy, so a figure measured on one day cannot be compared with one measured on
another. This bench checks out both commits (``git worktree``, detached, removed afterwards), runs each
commit's own ``bench/engine_throughput.py`` (archive of ``--size`` programs) and ``bench/demo.py`` in
interleaved rounds (A B B A ...), so drift in the machine's load falls on both alike, and reports the ratio
of the candidate's figure to the baseline's for each round and their median.

    python bench/compare_commits.py --baseline <commit> [--candidate HEAD] [--rounds 4] [--demo-seeds 0 1]
"""

from __future__ import annotations

import argparse
import json
import os
import statistics
import subprocess
import sys
import tempfile
from pathlib import Path

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE.parent))

from bench._common import RESULTS, write  # noqa: E402


def resolve(commit: str) -> str:
    """The full hash of ``commit``; a clear error when the repository does not have it."""
    proc = subprocess.run(["git", "rev-parse", "--verify", f"{commit}^{{commit}}"], cwd=HERE, capture_output=True,
                          text=True)
    if proc.returncode:
        raise SystemExit(f"compare_commits: no commit {commit!r} in this repository ({proc.stderr.strip()})")
    return proc.stdout.strip()


def checkout(commit: str, into: Path) -> Path:
    """A detached worktree of ``commit`` at ``into``."""
    subprocess.run(["git", "worktree", "add", "--detach", "--quiet", str(into), commit], cwd=HERE, check=True)
    return into


def run_bench(tree: Path, script: str, args: list[str], out: Path) -> dict:
    """Run ``tree``'s own ``bench/<script>`` with this interpreter, that tree first on the path; its JSON."""
    cmd = [sys.executable, str(tree / "bench" / script), *args, "--out", str(out)]
    proc = subprocess.run(cmd, cwd=tree, env={**os.environ, "PYTHONPATH": str(tree)}, capture_output=True, text=True)
    if proc.returncode:
        raise SystemExit(f"compare_commits: {' '.join(cmd)} failed in {tree}:\n{proc.stdout[-2000:]}"
                         f"{proc.stderr[-4000:]}")
    return json.loads(out.read_text())


def ratio(candidate: float, baseline: float) -> float:
    """``candidate / baseline`` (inf when the baseline is 0)."""
    return candidate / baseline if baseline else float("inf")


def measure(trees: dict[str, Path], args: argparse.Namespace, tmp: Path) -> dict[str, list]:
    """Interleaved rounds of the engine bench and the demo on both trees."""
    rates: dict[str, list[float]] = {"baseline": [], "candidate": []}
    demos: dict[str, list[dict]] = {"baseline": [], "candidate": []}
    for r in range(args.rounds):
        order = ("baseline", "candidate") if r % 2 == 0 else ("candidate", "baseline")
        for name in order:
            out = tmp / f"engine-{name}-{r}.json"
            report = run_bench(trees[name], "engine_throughput.py",
                               ["--sizes", str(args.size), "--window", str(args.window), "--warmup",
                                str(args.warmup), "--workers", str(args.workers)], out)
            rates[name].append(report["results"][0]["candidates_per_second"])
            print(f"round {r} {name}: {rates[name][-1]:.1f} candidates/s", flush=True)
    for seed in args.demo_seeds:
        for name in ("baseline", "candidate"):
            report = run_bench(trees[name], "demo.py", ["--budget", str(args.demo_budget), "--seeds", str(seed),
                                                        "--workers", str(args.workers)],
                               tmp / f"demo-{name}-{seed}.json")
            run = report["runs"][0]
            demos[name].append({"seed": seed, "best_max_ulp": run["best_max_ulp"],
                                "wall_seconds": run["wall_seconds"], "evaluated": run["evaluated"]})
            print(f"demo seed {seed} {name}: {run['best_max_ulp']} ULP in {run['wall_seconds']:.1f} s", flush=True)
    return {"rates": rates, "demos": demos}


def summarise(found: dict[str, list]) -> dict:
    """Per-round rate ratios and the demo's, with medians."""
    rates, demos = found["rates"], found["demos"]
    rate_ratios = [ratio(c, b) for c, b in zip(rates["candidate"], rates["baseline"], strict=True)]
    wall_ratios = [ratio(c["wall_seconds"], b["wall_seconds"])
                   for c, b in zip(demos["candidate"], demos["baseline"], strict=True)]
    return {
        "engine_rate_ratios": rate_ratios,
        "median_engine_rate_ratio": statistics.median(rate_ratios) if rate_ratios else None,
        "demo_wall_ratios": wall_ratios,
        "median_demo_wall_ratio": statistics.median(wall_ratios) if wall_ratios else None,
        "demo_best_max_ulp": {k: [d["best_max_ulp"] for d in v] for k, v in demos.items()},
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--baseline", required=True, help="the commit before the change")
    parser.add_argument("--candidate", default="HEAD", help="the commit after it")
    parser.add_argument("--rounds", type=int, default=4, help="engine-bench rounds per commit (interleaved)")
    parser.add_argument("--size", type=int, default=1000, help="archive size of the engine bench")
    parser.add_argument("--window", type=int, default=2000)
    parser.add_argument("--warmup", type=int, default=500)
    parser.add_argument("--workers", type=int, default=2)
    parser.add_argument("--demo-seeds", type=int, nargs="*", default=[0, 1])
    parser.add_argument("--demo-budget", type=int, default=3000)
    parser.add_argument("--out", default=str(RESULTS / "compare_commits.json"))
    args = parser.parse_args()
    commits = {"baseline": resolve(args.baseline), "candidate": resolve(args.candidate)}
    with tempfile.TemporaryDirectory() as tmp_name:
        tmp = Path(tmp_name)
        trees = {name: checkout(c, tmp / name) for name, c in commits.items()}
        try:
            found = measure(trees, args, tmp)
        finally:
            for tree in trees.values():
                subprocess.run(["git", "worktree", "remove", "--force", str(tree)], cwd=HERE, check=False)
    write({"benchmark": "compare_commits", "baseline": commits["baseline"][:7],
           "candidate": commits["candidate"][:7], "rounds": args.rounds, "size": args.size, "window": args.window,
           "warmup": args.warmup, "workers": args.workers, "demo_budget": args.demo_budget, **found,
           **summarise(found)}, args.out, settings=args)


if __name__ == "__main__":
    main()

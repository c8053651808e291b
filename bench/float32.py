"""float32 approximations: the engine's evolved Pareto fronts against Taylor and minimax polynomials, per target.

For each target a GP campaign runs for ``--seconds`` on ``--workers`` evaluators; its front over (max ULP, ops)
and over (max ULP, speed) is read from the archive, the Taylor and minimax polynomials of degree 2 to 8 are
measured by the same problem (same points, same ULP metric, same speed timing), and the issue's goals are
checked: a program within 1 ULP; for exp2 one that is also faster than ``jnp.exp2``; fewer operations than the
best minimax polynomial reaching the same maximum ULP. The real-number exp2 track (``exp2_real``) is run alike:
the least relative error with at most 10 operations, against the degree-5 minimax polynomial's.
Writes bench/results/float32.json and one plot per target (bench/results/float32-<target>.png).

    python bench/float32.py [--targets exp2 log2 ...] [--seconds 600] [--workers 2] [--seed 0]
"""

from __future__ import annotations

import argparse
import sys
import tempfile
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from bench._common import RESULTS, commit, earlier_runs, write  # noqa: E402

TARGETS = ("exp2", "log2", "erf", "tanh", "sigmoid", "sin", "exp2_real")
REAL_OPS = 10
REAL_GOAL = 1e-10


def error_name(target: str) -> str:
    """The accuracy metric of a target's problem."""
    return "max_rel_error" if target == "exp2_real" else "max_ulp"


def holds_in_float(baseline: dict[str, Any], error: str) -> bool:
    """Whether a baseline's measured error is what its real-number error predicts (twice the relative error in
    ULPs of the binade's top, plus 8 ULPs of rounding). One that breaks down in floating point is no fair rival:
    an odd polynomial ``x * (c0 + ...)`` with ``c0 < 1`` (sin's and tanh's low-degree minimax) turns inputs just
    above the smallest normal number into subnormals, which XLA flushes to zero, 2**23 ULPs off."""
    real = baseline["real_error"]
    if error == "max_rel_error":
        return baseline["metrics"][error] <= 2.0 * real + 1e-14
    return baseline["metrics"][error] <= 2.0 * real * 2**24 + 8


def fewer_ops(front: list[dict[str, Any]], minimax: list[dict[str, Any]], error: str) -> dict[str, Any] | None:
    """The evolved program that most beats minimax on operations at the same accuracy: for each evolved point
    whose error lies within the range the minimax polynomials span (a constant far worse than the degree-2
    polynomial beats nothing), the cheapest minimax polynomial at least as accurate; the largest saving (None
    when none is cheaper). Polynomials that break down in floating point (:func:`holds_in_float`) are left
    out."""
    minimax = [m for m in minimax if holds_in_float(m, error)]
    worst = max((m["metrics"][error] for m in minimax), default=-1)
    best = None
    for p in front:
        if p["metrics"][error] > worst:
            continue
        rivals = [m["metrics"]["ops"] for m in minimax if m["metrics"][error] <= p["metrics"][error]]
        if rivals and p["metrics"]["ops"] < min(rivals):
            saving = min(rivals) - p["metrics"]["ops"]
            if best is None or saving > best["saving"]:
                best = {"id": p["id"], error: p["metrics"][error], "ops": p["metrics"]["ops"],
                        "minimax_ops": min(rivals), "saving": saving}
    return best


def run_target(target: str, args: argparse.Namespace, tmp: str) -> dict[str, Any]:
    """One target: a GP campaign, its fronts, the baselines, the goals."""
    from archive import Archive
    from evolve import Campaign, load_problem
    from problems.float32.baselines import measure_baselines

    db = str(Path(tmp) / f"{target}.sqlite")
    problem = load_problem(target)
    summary = Campaign(problem, db=db, budget=10**9, max_seconds=args.seconds, seed=args.seed,
                       workers=args.workers, mutator="gp", progress=False).run()
    archive = Archive(db, readonly=True)
    error = error_name(target)

    def rows(objectives: list[tuple[str, str]]) -> list[dict[str, Any]]:
        return [{"id": r.id, "operator": r.operator, "metrics": r.metrics, "source": r.source.strip()}
                for r in archive.front(summary.campaign_id, objectives)]

    fronts = {"ops": rows([(error, "min"), ("ops", "min")])}
    if target != "exp2_real":
        fronts["speed"] = rows([(error, "min"), ("speed", "max")])
    base = measure_baselines(target)
    minimax = [b for b in base if b["kind"] == "minimax"]
    best = min(fronts["ops"], key=lambda p: (p["metrics"][error], p["metrics"]["ops"]))
    goals: dict[str, Any] = {"fewer_ops_than_minimax": fewer_ops(fronts["ops"], minimax, error)}
    if target == "exp2_real":
        within = [p for p in fronts["ops"] if p["metrics"]["ops"] <= REAL_OPS]
        least = min((p["metrics"][error] for p in within), default=None)
        degree5 = next((b["metrics"][error] for b in minimax if b["degree"] == 5), None)
        goals.update(least_error_within_10_ops=least, minimax_degree5=degree5,
                     met=least is not None and least <= REAL_GOAL)
    else:
        goals["within_1_ulp"] = best["metrics"]["max_ulp"] <= 1
        if target == "exp2":
            faster = [p for p in fronts["speed"] if p["metrics"]["max_ulp"] <= 1 and p["metrics"]["speed"] > 1.0]
            goals["within_1_ulp_and_faster_than_library"] = bool(faster)
    return {"target": target, "coverage": best["metrics"].get("coverage"), "points": best["metrics"].get("points"),
            "proposals": summary.proposed, "evaluated": summary.evaluated, "best": best, "fronts": fronts,
            "baselines": base, "goals": goals, "commit": commit(),
            "broken_in_float": [f"{b['kind']} {b['degree']}" for b in base if not holds_in_float(b, error)]}


def plot(run: dict[str, Any], out: Path) -> Path:
    """Error against ops, and error against speed, of the evolved front and the baselines."""
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    error = error_name(run["target"])
    panels = [c for c in ("ops", "speed") if c in run["fronts"]]
    fig, axes = plt.subplots(1, len(panels), figsize=(5.5 * len(panels), 4.2), squeeze=False)
    for ax, cost in zip(axes[0], panels, strict=True):
        evolved = sorted(run["fronts"][cost], key=lambda p: p["metrics"][cost])
        ax.step([p["metrics"][cost] for p in evolved], [max(p["metrics"][error], 0.5) for p in evolved],
                where="post", marker="o", label="evolved front")
        for kind, marker in (("minimax", "s"), ("taylor", "^")):
            pts = [b for b in run["baselines"] if b["kind"] == kind and (cost != "speed" or b["metrics"]["speed"])]
            ax.scatter([b["metrics"][cost] for b in pts], [max(b["metrics"][error], 0.5) for b in pts],
                       marker=marker, label=f"{kind} (degree 2-8)")
        ax.set_yscale("log")
        ax.set_xlabel("arithmetic operations" if cost == "ops" else "speed relative to the library (higher: faster)")
        ax.set_ylabel("max relative error" if error == "max_rel_error" else "max error (ULP; 0 drawn at 0.5)")
        ax.set_title(f"{run['target']}: error against {cost}")
        ax.legend(fontsize=8)
    fig.tight_layout()
    path = out.parent / f"float32-{run['target']}.png"
    fig.savefig(path, dpi=110)
    plt.close(fig)
    return path


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--targets", nargs="+", default=list(TARGETS), choices=list(TARGETS))
    parser.add_argument("--seconds", type=float, default=600.0)
    parser.add_argument("--workers", type=int, default=2)
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--out", default=str(RESULTS / "float32.json"))
    args = parser.parse_args()
    out = Path(args.out)
    kept = earlier_runs(out, args, skip=set(args.targets), key="target", known=TARGETS)
    runs: list[dict[str, Any]] = []
    with tempfile.TemporaryDirectory() as tmp:
        for target in args.targets:
            run = run_target(target, args, tmp)
            run["plot"] = plot(run, out).name
            runs.append(run)
            print(f"{target}: best {run['best']['metrics']}, goals {run['goals']}", flush=True)
            done = sorted(kept + runs, key=lambda r: TARGETS.index(r["target"]))
            write({"benchmark": "float32", "seconds": args.seconds, "workers": args.workers, "seed": args.seed,
                   "runs": done}, out)


if __name__ == "__main__":
    main()

"""float32 approximations: the engine's evolved Pareto fronts against Taylor, minimax and rational baselines,
per target.

For each target a GP campaign runs for ``--seconds`` on ``--workers`` evaluators; its front over (max ULP, ops)
and over (max ULP, speed) is read from the archive, the Taylor and minimax polynomials of degree 2 to 12 and the
minimax rationals ``p_m / q_n`` with ``m + n <= 12`` are measured by the same problem (same points, same ULP
metric, same speed timing), and the issue's goals are checked: a program within 1 ULP; one at that accuracy with
no more ops than the cheapest baseline reaching it; for exp2 one that is also faster than ``jnp.exp2``. The
real-number exp2 track (``exp2_real``) is run alike: the least relative error with at most 10 operations, and
the evolved error-against-ops front against the minimax polynomials' at every op count from 6 to 18. A target a
user writes as a file (``--extra``, by default ``examples/float32_exp.py``: e**x on [-ln2/2, ln2/2]) runs
too, with the goal of 2 ULPs. The minimax fit's cost per structure is timed on the distinct structures each
campaign evaluated. Writes bench/results/float32.json and one plot per target
(bench/results/float32-<target>.png).

    python bench/float32.py [--targets exp2 log2 ...] [--extra PATH ...] [--seconds 600] [--workers 2] [--seed 0]
"""

from __future__ import annotations

import argparse
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from bench._common import RESULTS, commit, earlier_runs, write  # noqa: E402
from bench.finished import finished  # noqa: E402

ROOT = Path(__file__).resolve().parent.parent
TARGETS = ("exp2", "log2", "erf", "tanh", "sigmoid", "sin", "exp2_real")
EXTRA = (str(ROOT / "examples" / "float32_exp.py"),)
REAL_OPS = 10
REAL_GOAL = 1e-10
REAL_FRONT_OPS = tuple(range(6, 19))
USER_GOAL_ULP = 2
FIT_SAMPLE = 120
MARGIN = 0.01
"""How far below the minimax polynomial's error an evolved one must be to count as below it."""


def error_name(target: str) -> str:
    """The accuracy metric of a target's problem."""
    return "max_rel_error" if target == "exp2_real" else "max_ulp"


def label(baseline: dict[str, Any]) -> str:
    """A baseline's name: ``minimax 5``, ``taylor 3``, ``rational 4/2``."""
    return f"{baseline['kind']} {baseline['degree']}" + (f"/{baseline['denominator']}"
                                                        if baseline.get("denominator") else "")


def holds_in_float(baseline: dict[str, Any], error: str) -> bool:
    """Whether a baseline's measured error is what its real-number error predicts (twice the relative error in
    ULPs of the binade's top, plus 8 ULPs of rounding). One that breaks down in floating point is no fair rival:
    an odd polynomial ``x * (c0 + ...)`` with ``c0 < 1`` (sin's and tanh's low-degree minimax) turns inputs just
    above the smallest normal number into subnormals, which XLA flushes to zero, 2**23 ULPs off. A baseline that
    could not be measured (a rational's pole) holds nothing."""
    if baseline.get("metrics") is None:
        return False
    real = baseline["real_error"]
    if error == "max_rel_error":
        return baseline["metrics"][error] <= 2.0 * real + 1e-14
    return baseline["metrics"][error] <= 2.0 * real * 2**24 + 8


def rivals(baselines: list[dict[str, Any]], error: str) -> list[dict[str, Any]]:
    """The classical answers a program is set against: minimax polynomials and rationals that hold in float."""
    return [b for b in baselines if b["kind"] in ("minimax", "rational") and holds_in_float(b, error)]


def fewer_ops(front: list[dict[str, Any]], minimax: list[dict[str, Any]], error: str) -> dict[str, Any] | None:
    """The evolved program that most beats the baselines on operations at the same accuracy: for each evolved
    point whose error lies within the range the baselines span (a constant far worse than the degree-2
    polynomial beats nothing), the cheapest baseline at least as accurate; the largest saving (None when none is
    cheaper). Baselines that break down in floating point (:func:`holds_in_float`) are left out."""
    minimax = [m for m in minimax if holds_in_float(m, error)]
    worst = max((m["metrics"][error] for m in minimax), default=-1)
    best = None
    for p in front:
        if p["metrics"][error] > worst:
            continue
        rivals_ = [m["metrics"]["ops"] for m in minimax if m["metrics"][error] <= p["metrics"][error]]
        if rivals_ and p["metrics"]["ops"] < min(rivals_):
            saving = min(rivals_) - p["metrics"]["ops"]
            if best is None or saving > best["saving"]:
                best = {"id": p["id"], error: p["metrics"][error], "ops": p["metrics"]["ops"],
                        "minimax_ops": min(rivals_), "saving": saving}
    return best


def at_accuracy(front: list[dict[str, Any]], baselines: list[dict[str, Any]], error: str,
                level: float) -> dict[str, Any]:
    """The cheapest evolved program within ``level`` and the cheapest baseline (minimax polynomial or rational)
    within it; met when an evolved one is there with no more ops than every such baseline."""
    evolved = [p for p in front if p["metrics"][error] <= level]
    cheapest = min(evolved, key=lambda p: p["metrics"]["ops"], default=None)
    reaching = [b for b in rivals(baselines, error) if b["metrics"][error] <= level]
    baseline = min(reaching, key=lambda b: b["metrics"]["ops"], default=None)
    return {"level": level,
            "evolved": None if cheapest is None else {"id": cheapest["id"], "ops": cheapest["metrics"]["ops"],
                                                      error: cheapest["metrics"][error]},
            "baseline": None if baseline is None else {"name": label(baseline), "ops": baseline["metrics"]["ops"],
                                                       error: baseline["metrics"][error]},
            "met": cheapest is not None and (baseline is None
                                             or cheapest["metrics"]["ops"] <= baseline["metrics"]["ops"])}


def front_against_minimax(front: list[dict[str, Any]], baselines: list[dict[str, Any]], error: str,
                          ops: tuple[int, ...] = REAL_FRONT_OPS) -> dict[str, Any]:
    """At each op count ``k``: the least evolved error with at most ``k`` ops against the least minimax
    polynomial's; below (by more than :data:`MARGIN`, not a tie refitted on a finer grid) at every ``k`` is the
    goal."""
    minimax = [b for b in baselines if b["kind"] == "minimax" and b.get("metrics")]
    rows = []
    for k in ops:
        ev = min((p["metrics"][error] for p in front if p["metrics"]["ops"] <= k), default=None)
        mm = min((b["metrics"][error] for b in minimax if b["metrics"]["ops"] <= k), default=None)
        rows.append({"ops": k, "evolved": ev, "minimax": mm,
                     "below": ev is not None and (mm is None or ev < mm * (1.0 - MARGIN))})
    return {"rows": rows, "below_everywhere": all(r["below"] for r in rows)}


def fitter_cost(problem: Any, sources: list[str], sample: int = FIT_SAMPLE) -> dict[str, Any] | None:
    """The minimax fit's wall time per structure, in this process, on up to ``sample`` distinct structures
    (programs that differ only in their constants are one structure), after one warm-up fit."""
    import numpy as np

    from evolve.fitting.tuning import constant_fit
    from evolve.programs import program
    from evolve.programs.constants import lift_constants

    fit_constants = constant_fit(problem).fit_constants
    if fit_constants is None:
        return None
    seen: dict[str, str] = {}
    for source in sources:
        try:
            lifted, values = lift_constants(program.parse(program.split_block(source)[1]))
        except program.ProgramError:
            continue
        if values:
            seen.setdefault(program.unparse(lifted), source)
    picked = list(seen.values())
    picked = [picked[int(i)] for i in np.unique(np.linspace(0, len(picked) - 1, min(sample, len(picked)))
                                                 .round().astype(int))] if picked else []
    if not picked:
        return None
    try:
        fit_constants(picked[0])
    except Exception:  # noqa: BLE001 (a structure the fit cannot take still warms it up)
        pass
    times, failed = [], 0
    for source in picked:
        start = time.perf_counter()
        try:
            fit_constants(source)
        except Exception:  # noqa: BLE001 (the tuner takes over for these; their time is counted all the same)
            failed += 1
        times.append(1000.0 * (time.perf_counter() - start))
    return {"structures": len(picked), "median_ms": float(np.median(times)),
            "p90_ms": float(np.percentile(times, 90)), "failed": failed}


def run_target(target: str, args: argparse.Namespace, tmp: str) -> dict[str, Any]:
    """One target (a built-in name, or a user's target module by path): a GP campaign, its fronts, the
    baselines, the goals, the fitter's cost."""
    from archive import Archive
    from evolve import Campaign, load_problem
    from problems.float32.baselines import measure_baselines

    problem = load_problem(target)
    name = problem.name
    db = str(Path(tmp) / f"{name}.sqlite")
    summary = finished(Campaign(problem, db=db, budget=10**9, max_seconds=args.seconds, seed=args.seed,
                                workers=args.workers, mutator="gp", progress=False).run())
    archive = Archive(db, readonly=True)
    error = error_name(name)

    def rows(objectives: list[tuple[str, str]]) -> list[dict[str, Any]]:
        return [{"id": r.id, "operator": r.operator, "metrics": r.metrics, "source": r.source.strip()}
                for r in archive.front(summary.campaign_id, objectives)]

    fronts = {"ops": rows([(error, "min"), ("ops", "min")])}
    if name != "exp2_real":
        fronts["speed"] = rows([(error, "min"), ("speed", "max")])
    base = measure_baselines(target)
    best = min(fronts["ops"], key=lambda p: (p["metrics"][error], p["metrics"]["ops"]))
    goals: dict[str, Any] = {"fewer_ops_than_baselines": fewer_ops(fronts["ops"], rivals(base, error), error)}
    if name == "exp2_real":
        within = [p for p in fronts["ops"] if p["metrics"]["ops"] <= REAL_OPS]
        least = min((p["metrics"][error] for p in within), default=None)
        degree5 = next((b["metrics"][error] for b in base if b["kind"] == "minimax" and b["degree"] == 5), None)
        goals.update(least_error_within_10_ops=least, minimax_degree5=degree5,
                     met=least is not None and least <= REAL_GOAL,
                     front_against_minimax=front_against_minimax(fronts["ops"], base, error))
    else:
        level = USER_GOAL_ULP if target in args.extra else 1
        goals["within_1_ulp"] = best["metrics"]["max_ulp"] <= 1
        goals["at_goal"] = at_accuracy(fronts["ops"], base, error, level)
        if name == "exp2":
            faster = [p for p in fronts["speed"] if p["metrics"]["max_ulp"] <= 1 and p["metrics"]["speed"] > 1.0]
            goals["within_1_ulp_and_faster_than_library"] = bool(faster)
    sources = [r.source for r in archive.programs(summary.campaign_id, status="ok")]
    return {"target": name, "user_target": target in args.extra, "coverage": best["metrics"].get("coverage"),
            "points": best["metrics"].get("points"), "proposals": summary.proposed, "evaluated": summary.evaluated,
            "best": best, "fronts": fronts, "baselines": base, "goals": goals, "commit": commit(),
            "fitter": fitter_cost(problem, sources),
            "broken_in_float": [label(b) for b in base if b["kind"] != "rational" and not holds_in_float(b, error)]}


def plot(run: dict[str, Any], out: Path) -> Path:
    """Error against ops, and error against speed, of the evolved front and the baselines."""
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    error = error_name(run["target"])
    panels = [c for c in ("ops", "speed") if c in run["fronts"]]

    def floor(value: float) -> float:  # a log scale: 0 ULP drawn at 0.5, a relative error of 0 at 1e-17
        return max(value, 0.5 if error == "max_ulp" else 1e-17)
    fig, axes = plt.subplots(1, len(panels), figsize=(5.5 * len(panels), 4.2), squeeze=False)
    for ax, cost in zip(axes[0], panels, strict=True):
        evolved = sorted(run["fronts"][cost], key=lambda p: p["metrics"][cost])
        ax.step([p["metrics"][cost] for p in evolved], [floor(p["metrics"][error]) for p in evolved],
                where="post", marker="o", label="evolved front")
        names = {"minimax": "minimax polynomial (degree 2-12)", "taylor": "Taylor (degree 2-12)",
                 "rational": "minimax rational (m + n <= 12)"}
        for kind, marker in (("minimax", "s"), ("taylor", "^"), ("rational", "x")):
            pts = [b for b in run["baselines"] if b["kind"] == kind and b.get("metrics")
                   and (cost != "speed" or b["metrics"]["speed"])]
            ax.scatter([b["metrics"][cost] for b in pts], [floor(b["metrics"][error]) for b in pts],
                       marker=marker, label=names[kind])
        if cost == "ops":  # the best classical answer of each size
            classical = sorted((b["metrics"]["ops"], b["metrics"][error]) for b in run["baselines"]
                               if b["kind"] in ("minimax", "rational") and b.get("metrics"))
            curve, least = [], float("inf")
            for ops, err in classical:
                least = min(least, err)
                curve.append((ops, least))
            if curve:
                ax.step([c[0] for c in curve], [floor(c[1]) for c in curve], where="post", color="grey",
                        linestyle="--", label="best baseline with at most this many ops")
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


def kept_runs(out: Path, args: argparse.Namespace) -> tuple[list[dict[str, Any]], tuple[str, ...]]:
    """The earlier runs in ``out`` that this run keeps (every known target it does not measure again, with the
    same settings), and the order of targets in the file. The default user target stays known when a run names
    no ``--extra``: its earlier figures are kept, not dropped."""
    extra_names = [Path(p).stem for p in args.extra]
    extra_names += [Path(p).stem for p in EXTRA if Path(p).stem not in extra_names]
    ran = set(args.targets) | {Path(p).stem for p in args.extra}
    kept = earlier_runs(out, args, skip=ran, key="target", known=(*TARGETS, *extra_names))
    return [r for r in kept if "fitter" in r], (*TARGETS, *extra_names)  # runs without "fitter" predate the fit


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--targets", nargs="*", default=list(TARGETS), choices=list(TARGETS))
    parser.add_argument("--extra", nargs="*", default=list(EXTRA),
                        help="user-written target modules (files) to run too, with the goal of 2 ULPs")
    parser.add_argument("--seconds", type=float, default=600.0)
    parser.add_argument("--workers", type=int, default=2)
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--out", default=str(RESULTS / "float32.json"))
    args = parser.parse_args()
    out = Path(args.out)
    kept, order = kept_runs(out, args)
    runs: list[dict[str, Any]] = []
    with tempfile.TemporaryDirectory() as tmp:
        for target in (*args.targets, *args.extra):
            run = run_target(target, args, tmp)
            run["plot"] = plot(run, out).name
            runs.append(run)
            print(f"{run['target']}: best {run['best']['metrics']}, goals {run['goals']}, fitter {run['fitter']}",
                  flush=True)
            done = sorted(kept + runs, key=lambda r: order.index(r["target"]) if r["target"] in order else 99)
            write({"benchmark": "float32", "seconds": args.seconds, "workers": args.workers, "seed": args.seed,
                   "runs": done}, out, settings=args)


if __name__ == "__main__":
    main()

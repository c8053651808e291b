"""What one new formula costs to evaluate: the bytecode interpreter against compiling each formula with XLA.

Makes a fixed set of formulas the way a search does (a random walk of GP operators from a Feynman problem's
seed, every child checked), then evaluates each once, as a search meets it, with the interpreter
(``interpret=True``, the default) and with one XLA compilation per structure (``interpret=False``), in this one
process. The interpreter's own compilations (one per code size) are timed apart, as a warm-up. Also records
how many formulas the interpreter runs and how far the two modes' fitted NMSE differ. Writes
bench/results/formula_eval.json.

    python bench/formula_eval.py [--equation I.6.20] [--formulas 150] [--seed 0]
"""

from __future__ import annotations

import argparse
import sys
import time
from pathlib import Path

import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from bench._common import RESULTS, write  # noqa: E402
from evolve.mutators.base import NotApplicable, Parent  # noqa: E402
from evolve.mutators.gp import GPMutator  # noqa: E402
from evolve.mutators.registry import portfolio  # noqa: E402
from evolve.programs import interpreter, program, static_check  # noqa: E402
from evolve.programs.constants import lift_constants  # noqa: E402
from problems.symbolic import feynman  # noqa: E402
from problems.symbolic._core import ENTRYPOINT, formula_problem  # noqa: E402


def formulas(problem, count: int, seed: int) -> list[str]:
    """``count`` distinct valid formulas from a random walk of GP operators starting at the seed."""
    rng = np.random.default_rng(seed)
    mutator, ops = GPMutator(), portfolio(problem)
    pool, out, seen = [problem.seed], [], {program.code_hash(problem.seed)}
    while len(out) < count:
        parents = [Parent(0, pool[int(rng.integers(len(pool)))]), Parent(1, pool[int(rng.integers(len(pool)))])]
        try:
            child = mutator.apply(str(rng.choice(ops)), parents, problem, rng).source
            tree = program.parse(child)
            static_check.check(tree)
        except (NotApplicable, program.ProgramError):
            continue
        key = program.code_hash(tree)
        if problem.check(tree) is None and key not in seen and len(child) < 600:
            seen.add(key)
            out.append(child)
            pool.append(child)
    return out


def timed(problem, source: str) -> tuple[float, float | None]:
    """Seconds one evaluation took, and its in-domain NMSE (None when it failed)."""
    start = time.perf_counter()
    try:
        nmse = problem.evaluate_tree(program.parse(source)).metrics["nmse_id"]
    except Exception:  # a failing candidate is timed too: the search pays for it as well
        nmse = None
    return time.perf_counter() - start, nmse


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--equation", default="I.6.20")
    parser.add_argument("--formulas", type=int, default=150)
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--out", default=str(RESULTS / "formula_eval.json"))
    args = parser.parse_args()
    data = feynman.generate(args.equation)
    interpreted, compiled = formula_problem(data), formula_problem(data, interpret=False)
    sources = formulas(interpreted, args.formulas, args.seed)
    sizes = []
    for source in sources:
        lifted, _ = lift_constants(program.parse(source), "params")
        code = interpreter.translate(lifted, ENTRYPOINT, data.inputs)
        sizes.append(None if code is None else int(code.op.shape[0]))
    # Warm-up: one formula per code size compiles the interpreter's fitter and runner for that size.
    warmup = {}
    for size in sorted({s for s in sizes if s is not None}):
        warmup[size] = timed(interpreted, sources[sizes.index(size)])[0]
    timed(compiled, sources[0])  # the compiled mode's first call pays for JAX's own start-up, like the warm-up
    rows = []
    for source in sources:
        t_int, n_int = timed(interpreted, source)
        t_comp, n_comp = timed(compiled, source)
        rows.append({"interpreted_s": t_int, "compiled_s": t_comp, "nmse_interpreted": n_int, "nmse_compiled": n_comp})
    t_int = np.array([r["interpreted_s"] for r in rows])
    t_comp = np.array([r["compiled_s"] for r in rows])
    both = [(r["nmse_interpreted"], r["nmse_compiled"]) for r in rows
            if r["nmse_interpreted"] is not None and r["nmse_compiled"] is not None]
    # Agreement on a log scale: fits from different code paths land on the same optimum up to rounding,
    # or on different local optima when a formula has several.
    gaps = [abs(np.log10(max(a, 1e-30)) - np.log10(max(b, 1e-30))) for a, b in both]
    write({
        "benchmark": "formula_eval", "equation": args.equation, "formulas": len(sources), "seed": args.seed,
        "translated": int(sum(s is not None for s in sizes)),
        "warmup_seconds_by_code_size": {str(k): v for k, v in warmup.items()},
        "interpreted": {"median_s": float(np.median(t_int)), "mean_s": float(t_int.mean()),
                        "p90_s": float(np.quantile(t_int, 0.9))},
        "compiled": {"median_s": float(np.median(t_comp)), "mean_s": float(t_comp.mean()),
                     "p90_s": float(np.quantile(t_comp, 0.9))},
        "speedup_mean": float(t_comp.mean() / t_int.mean()),
        "both_ok": len(both), "nmse_within_10_percent": int(sum(g < np.log10(1.1) for g in gaps)),
        "interpreted_better": int(sum(a < b * 0.9 for a, b in both)),
        "compiled_better": int(sum(b < a * 0.9 for a, b in both)),
        "rows": rows,
    }, args.out, settings=args)


if __name__ == "__main__":
    main()

"""Symbolic regression against established tools: the engine (GP, and mixed with an LLM) against gplearn and
pyoperon, on the LLM-SR data sets and the Feynman equations, at the same wall-clock budget per problem.

Every tool trains on the same training rows and gets ``--seconds`` of wall time and ``--workers`` cores per
problem; the wall time each run took is recorded beside its results. Reported per problem and tool: NMSE on
the in-domain and out-of-domain test sets, "recovered" (in-domain NMSE below 1e-10), for the Feynman equations
"exact" (the model symbolically equal to the law up to a constant offset or factor, bench/recovery.py), and the
model found. Needs the ``bench`` extra (gplearn, pyoperon). Writes
bench/results/symbolic.json.

    python bench/symbolic.py [--seconds 60] [--problems oscillator1 bactgrow I.12.1 ...]
        [--tools evolve-gp gplearn pyoperon] [--llm URL]   # --llm adds evolve-mixed
    python bench/symbolic.py --tools --llm local --problems oscillator1 ... --out bench/results/symbolic_llm.json
    python bench/symbolic.py --peers-from bench/results/symbolic.json   # re-measure the engine alone
    python bench/symbolic.py --problems oscillator1 oscillator2 bactgrow stressstrain --seed 0 1 2 \\
        --out bench/results/symbolic_seeds.json   # the spread over seeds
    python bench/symbolic.py --problems holdout --out bench/results/symbolic_holdout.json --resume
        # the 96 held-out Feynman equations, once, at a fixed setting; --resume goes on after a stop

gplearn has no ``exp``: it gets one as a custom function (clipped at 100, protected as its ``log`` is), so the
function sets match where gplearn allows it.

The peer tools do not change when the engine does: ``--peers-from FILE`` copies their runs from an earlier
result file measured with the same seconds and workers, for the seeds it has (each copied run says so in
``reused_from``) instead of spending an hour re-running them.
"""

from __future__ import annotations

import argparse
import json
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from bench._common import RESULTS, commit, write  # noqa: E402
from bench.finished import finished  # noqa: E402
from bench.recovery import exactness  # noqa: E402
from problems.symbolic import feynman, llmsr  # noqa: E402
from problems.symbolic._core import formula_problem  # noqa: E402
from problems.symbolic.data import Dataset  # noqa: E402

RECOVERED = 1e-10
TOOLS = ("evolve-gp", "gplearn", "pyoperon")


def nmse(pred: np.ndarray, y: np.ndarray) -> float:
    """Mean squared error over the variance of the target (inf for non-finite predictions)."""
    pred = np.asarray(pred, dtype=np.float64).reshape(-1)
    if pred.shape != y.shape or not np.isfinite(pred).all():
        return float("inf")
    return float(np.mean((pred - y) ** 2) / np.var(y))


def dataset(name: str) -> Dataset:
    """An LLM-SR set by name, or a Feynman equation by its id."""
    return llmsr.load(name) if name in llmsr.SETS else feynman.generate(name)


def run_evolve(data: Dataset, args: argparse.Namespace, tmp: str, mutator: str) -> dict[str, Any]:
    from archive import Archive
    from evolve import Campaign

    db = str(Path(tmp) / f"{data.name}-{mutator}.sqlite")
    llm = {"llm_base_url": args.llm} if mutator != "gp" else {}
    summary = finished(Campaign(formula_problem(data), db=db, budget=10**9, max_seconds=args.seconds, seed=args.seed,
                                workers=args.workers, mutator=mutator, progress=False, timeout=60.0,
                                compile_cache=str(Path(tmp) / "jax-cache"), **llm).run())
    archive = Archive(db, readonly=True)
    best = archive.get(summary.best_id)
    m = best.metrics
    out = {"nmse_id": m["nmse_id"], "nmse_ood": m["nmse_ood"], "nmse_train": m["nmse_train"],
           "model": best.source.strip(), "params": m["params"], "proposals": summary.proposed,
           "best_operator": best.operator}
    if mutator != "gp":
        out["llm"] = archive.stats()["llm"]
    return out


def protected_exp(x: np.ndarray) -> np.ndarray:
    """``exp`` for gplearn, which has none built in, protected as its own ``log`` and ``div`` are: the argument is
    clipped at 100, so the value stays finite (gplearn refuses a function that can overflow)."""
    with np.errstate(over="ignore"):
        return np.exp(np.minimum(x, 100.0))


def run_gplearn(data: Dataset, args: argparse.Namespace) -> dict[str, Any]:
    from gplearn.functions import make_function
    from gplearn.genetic import SymbolicRegressor

    X, y = data.train
    # The function set matched to the other tools' where gplearn allows it: exp added as a custom function.
    exp = make_function(function=protected_exp, name="exp", arity=1)
    est = SymbolicRegressor(population_size=1000, generations=1, function_set=(
        "add", "sub", "mul", "div", "sqrt", "log", exp, "sin", "cos", "neg", "inv"), n_jobs=args.workers,
        random_state=args.seed, warm_start=True, parsimony_coefficient=0.0005, verbose=0)
    start, generations = time.time(), 0
    # gplearn has no time limit: grow the run one generation at a time until the budget is spent.
    while time.time() - start < args.seconds:
        generations += 1
        est.set_params(generations=generations)
        est.fit(X, y)
    return {"model": gplearn_text(est._program.program), "generations": generations, **_scores(est.predict, data)}


def gplearn_text(program: list[Any]) -> str:
    """A gplearn program (its node list: functions with ``name`` and ``arity``, feature indices, constants) in
    gplearn's own prefix notation, as its ``str()`` writes it but with every constant in full (``str()`` keeps 3
    decimals, too few for the symbolic check)."""
    terminals, out = [0], []
    for i, node in enumerate(program):
        if hasattr(node, "arity"):
            terminals.append(node.arity)
            out.append(node.name + "(")
            continue
        out.append(f"X{node}" if isinstance(node, (int, np.integer)) else repr(float(node)))
        terminals[-1] -= 1
        while terminals[-1] == 0:
            terminals.pop()
            terminals[-1] -= 1
            out.append(")")
        if i != len(program) - 1:
            out.append(", ")
    return "".join(out)


def run_pyoperon(data: Dataset, args: argparse.Namespace) -> dict[str, Any]:
    from pyoperon.sklearn import SymbolicRegressor

    X, y = data.train
    est = SymbolicRegressor(allowed_symbols="add,sub,mul,div,constant,variable,exp,log,sin,cos,sqrt,tanh",
                            max_time=max(int(args.seconds), 1), n_threads=args.workers, random_state=args.seed,
                            generations=10**6, max_evaluations=10**9)
    est.fit(X, y)
    # 12 digits: the symbolic check (bench/recovery.py) rationalises constants to a relative 1e-6.
    return {"model": est.get_model_string(est.model_, 12, list(data.inputs)), **_scores(est.predict, data)}


def _scores(predict: Any, data: Dataset) -> dict[str, Any]:
    out = {"nmse_train": nmse(predict(data.train[0]), data.train[1]),
           "nmse_id": nmse(predict(data.test_id[0]), data.test_id[1])}
    out["nmse_ood"] = nmse(predict(data.test_ood[0]), data.test_ood[1]) if data.test_ood is not None else None
    return out


def peer_runs(path: str, args: argparse.Namespace) -> dict[tuple[str, str, int], dict[str, Any]]:
    """The peer tools' runs in an earlier result file, by (problem, tool, seed), each marked ``reused_from``.

    Raises:
        SystemExit: the file was measured with other seconds or workers, so its runs are not comparable.
    """
    earlier = json.loads(Path(path).read_text())
    differ = {k: (earlier.get(k), getattr(args, k)) for k in ("seconds", "workers")
              if earlier.get(k) != getattr(args, k)}
    if differ:
        raise SystemExit(f"--peers-from {path}: measured with other settings {differ} (earlier, now); run the "
                         "peers again instead")
    origin = f"`{earlier['command']}`" + (f" of {earlier['measured']}" if "measured" in earlier else "")
    runs = ({**r, "seed": r.get("seed", earlier["seed"]), "reused_from": r.get("reused_from", origin)}
            for r in earlier["runs"] if not r["tool"].startswith("evolve-"))
    return {(r["problem"], r["tool"], r["seed"]): r for r in runs}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--seconds", type=float, default=60.0, help="wall time per problem and tool")
    parser.add_argument("--problems", nargs="+", default=[*llmsr.SETS, *feynman.EQUATIONS],
                        help="LLM-SR sets and Feynman ids (default: the LLM-SR sets and the Feynman development set); "
                             "'holdout' stands for the 96 held-out Feynman equations")
    parser.add_argument("--tools", nargs="*", default=list(TOOLS), help="none, with --llm: evolve-mixed alone")
    parser.add_argument("--llm", help="an OpenAI-compatible base URL (or 'local'): adds evolve-mixed")
    parser.add_argument("--workers", type=int, default=2)
    parser.add_argument("--seed", type=int, nargs="+", default=[0],
                        help="one seed, or several to measure the spread (every problem and tool runs once per seed)")
    parser.add_argument("--out", default=str(RESULTS / "symbolic.json"))
    parser.add_argument("--peers-from", help="copy gplearn and pyoperon runs from this earlier result file")
    parser.add_argument("--resume", action="store_true",
                        help="keep the runs --out already holds from this commit with these settings, and write "
                             "--out after every run (a long run can be stopped and started again)")
    args = parser.parse_args()
    from problems.symbolic.feynman_holdout import HOLDOUT

    args.problems = list(dict.fromkeys(n for name in args.problems for n in (HOLDOUT if name == "holdout" else [name])))
    seeds = list(dict.fromkeys(args.seed))
    earlier = peer_runs(args.peers_from, args) if args.peers_from else {}
    tools = list(dict.fromkeys([*args.tools, *(["evolve-mixed"] if args.llm else [])]))
    if not tools:
        parser.error("no tools to run: name some with --tools, or give --llm")
    runs: list[dict[str, Any]] = []
    done = resumable(args) if args.resume else {}
    if any(t.startswith("evolve-") for t in tools):
        import ray

        # One Ray instance for every campaign, started before the clock (as a long-lived cluster would be);
        # each campaign still pays for starting its evaluators and compiling inside its budget.
        ray.init(num_cpus=args.workers, include_dashboard=False, log_to_driver=False)
    # The compilation cache starts empty: the engine pays for compiling its fitters once in this run.
    with tempfile.TemporaryDirectory() as tmp:
        for seed, name in ((seed, name) for seed in seeds for name in args.problems):
            data = dataset(name)
            one = argparse.Namespace(**{**vars(args), "seed": seed})
            for tool in tools:
                key = (name, tool, seed)
                result = earlier.get(key) or done.get(key) or run_one(tool, data, one, tmp)
                runs.append(result)
                if args.resume:  # a run cut short loses only the run under way
                    write(report(args, tools, seeds, runs, complete=False), args.out, settings=args)
    write(report(args, tools, seeds, runs, complete=True), args.out, settings=args)


def run_one(tool: str, data: Dataset, args: argparse.Namespace, tmp: str) -> dict[str, Any]:
    """One tool's run on one problem (with ``args.seed``): its scores and model, or the error it failed with,
    the seconds it took, the commit it ran on, and for a Feynman equation whether it recovered the law exactly.

    Raises:
        ValueError: an unknown tool.
    """
    t0 = time.time()
    try:
        if tool.startswith("evolve-"):
            result = run_evolve(data, args, tmp, tool.removeprefix("evolve-"))
        elif tool == "gplearn":
            result = run_gplearn(data, args)
        elif tool == "pyoperon":
            result = run_pyoperon(data, args)
        else:
            raise ValueError(f"unknown tool {tool!r}; tools are {TOOLS} and evolve-mixed (with --llm)")
    except ValueError:
        raise
    except Exception as exc:  # a tool failing on one problem is a result, not the end of the run
        result = {"error": f"{type(exc).__name__}: {exc}", "nmse_id": None, "nmse_ood": None}
    result.update(problem=data.name, tool=tool, seed=args.seed, seconds=time.time() - t0, commit=commit(),
                  recovered=result.get("nmse_id") is not None and result["nmse_id"] < RECOVERED)
    if data.name not in llmsr.SETS:  # a Feynman equation: its law is known
        result.update(exactness(result))
    print({k: v for k, v in result.items() if k not in ("model", "params")}, flush=True)
    return result


def resumable(args: argparse.Namespace) -> dict[tuple[str, str, int], dict[str, Any]]:
    """The runs already in ``args.out`` that ``--resume`` keeps, by (problem, tool, seed): those measured with the
    same seconds and workers on a clean commit whose code this benchmark measures is the code checked out now,
    uncommitted changes aside (bench/figures/provenance.py's paths; a run of other code is measured again)."""
    from bench.figures import provenance

    path = Path(args.out)
    now = commit()
    if not path.is_file() or now is None or now.endswith("-dirty"):
        return {}
    old = json.loads(path.read_text())
    if (old.get("seconds"), old.get("workers")) != (args.seconds, args.workers):
        return {}
    repo = provenance.Repo.at(Path(__file__).resolve().parent.parent)
    same: dict[str, bool] = {}
    for run in old.get("runs", []):
        made = str(run.get("commit") or "")
        if made and made not in same:
            try:
                same[made] = not made.endswith("-dirty") and not provenance.changed("symbolic_holdout", made, repo)
            except provenance.CannotCheck:
                same[made] = False
    return {(r["problem"], r["tool"], r["seed"]): r for r in old.get("runs", []) if same.get(str(r.get("commit")))}


def report(args: argparse.Namespace, tools: list[str], seeds: list[int], runs: list[dict[str, Any]],
           complete: bool) -> dict[str, Any]:
    """The JSON of a run (``complete`` False while it is under way): settings, a summary per tool, every run."""
    from problems.symbolic.feynman_holdout import HOLDOUT

    summary = {}
    for tool in tools:
        mine = [r for r in runs if r["tool"] == tool and r["seed"] == seeds[0]]
        fey = [r for r in mine if r["problem"] in feynman.EQUATIONS]
        held = [r for r in mine if r["problem"] in HOLDOUT]
        summary[tool] = {"feynman_recovered": sum(r["recovered"] for r in fey), "feynman_problems": len(fey),
                         "feynman_exact": sum(bool(r.get("exact")) for r in fey),
                         "holdout_problems": len(held), "holdout_exact": sum(bool(r.get("exact")) for r in held),
                         "holdout_recovered": sum(r["recovered"] for r in held)}
    return {"benchmark": "symbolic", "recovered_below": RECOVERED, "seconds": args.seconds, "workers": args.workers,
            "seed": seeds[0], "seeds": seeds, "complete": complete,
            "published": {k: v.published for k, v in llmsr.SETS.items()}, "summary": summary, "runs": runs}


if __name__ == "__main__":
    main()

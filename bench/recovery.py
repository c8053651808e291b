"""Exact recoveries of the Feynman equations, checked symbolically, for the runs of a symbolic-regression benchmark.

For every run in ``--runs`` (a JSON written by ``bench/symbolic.py``) on a Feynman equation (development or
held-out), it reads the model the
tool found (the engine's formula with its fitted constants, pyoperon's infix string, gplearn's program),
rationalises its constants and checks it against the law (``problems/symbolic/recovery.py``): an exact recovery
when the difference or the ratio to the law is a constant, as SRBench defines a symbolic solution. Beside it,
the run's own "recovered" (in-domain NMSE below 1e-10), so both columns can be read side by side. Writes
``bench/results/recovery.json`` with the runs file's command, date and commit.

    python bench/recovery.py [--runs bench/results/symbolic.json] [--out bench/results/recovery.json]
"""

from __future__ import annotations

import argparse
import json
import re
import sys
import time
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from bench._common import RESULTS, write  # noqa: E402
from problems.symbolic import feynman, llmsr, recovery  # noqa: E402


def model_expression(run: dict[str, Any], inputs: tuple[str, ...]) -> Any:
    """The model of one run of ``bench/symbolic.py`` as a sympy expression (its constants as the tool wrote them)."""
    tool, model = run["tool"], run["model"]
    if tool.startswith("evolve-"):
        return recovery.program_expression(model, run.get("params") or [], inputs)
    if tool == "gplearn":
        return recovery.gplearn_expression(model, inputs)
    if tool == "pyoperon":
        return recovery.infix_expression(model, inputs)
    raise recovery.Unreadable(f"no reader for the models of {tool!r}")


def exactness(run: dict[str, Any]) -> dict[str, Any]:
    """``{"exact": bool | None, "exact_how": str, "exact_model": str}`` for a run on a Feynman equation
    (None: the run has no model, or one that is not a closed form)."""
    eq = feynman.find_equation(run["problem"])
    if run.get("error") or not run.get("model"):
        return {"exact": None, "exact_how": "no model", "exact_model": None}
    try:
        model = model_expression(run, eq.inputs)
    except recovery.Unreadable as exc:
        return {"exact": False, "exact_how": f"unreadable: {exc}", "exact_model": None}
    verdict = recovery.check(model, recovery.law_expression(eq.formula, eq.inputs), eq.inputs, eq.id_range)
    return {"exact": verdict.exact, "exact_how": verdict.how, "exact_model": verdict.model}


def _shown(path: Path) -> str:
    """``path`` relative to the repository when it lies inside it (so a run from a temporary checkout names
    ``bench/results/...``)."""
    root = Path(__file__).resolve().parent.parent
    try:
        return path.resolve().relative_to(root).as_posix()
    except ValueError:
        return path.as_posix()


def printed_decimals(run: dict[str, Any]) -> int | None:
    """The most decimals of a constant in a peer tool's model text (runs before 2026-12-07 stored pyoperon's with
    6 and gplearn's with 3, too few for products of constants to meet the tolerance); None for the engine's, whose
    constants are stored in full."""
    if run["tool"].startswith("evolve-") or not run.get("model"):
        return None
    decimals = [len(d) for d in re.findall(r"\d\.(\d+)", run["model"])]
    return max(decimals, default=0)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", default=str(RESULTS / "symbolic.json"), help="a JSON of bench/symbolic.py")
    parser.add_argument("--out", default=str(RESULTS / "recovery.json"))
    args = parser.parse_args()
    source = json.loads(Path(args.runs).read_text())
    checked = []
    for run in source["runs"]:
        if run["problem"] in llmsr.SETS:  # no law to check against
            continue
        start = time.perf_counter()
        verdict = exactness(run)
        checked.append({"problem": run["problem"], "tool": run["tool"], "seed": run.get("seed", source.get("seed")),
                        "nmse_id": run.get("nmse_id"), "nmse_ood": run.get("nmse_ood"),
                        "nmse_below": run.get("recovered", False), **verdict,
                        "model_decimals": printed_decimals(run),
                        "check_seconds": round(time.perf_counter() - start, 2)})
        print({k: v for k, v in checked[-1].items() if k != "exact_model"}, flush=True)
    tools = list(dict.fromkeys(r["tool"] for r in checked))
    summary = {t: {"problems": sum(r["tool"] == t for r in checked),
                   "exact": sum(bool(r["exact"]) for r in checked if r["tool"] == t),
                   "nmse_below": sum(bool(r["nmse_below"]) for r in checked if r["tool"] == t)} for t in tools}
    write({"benchmark": "recovery", "tolerance": recovery.TOLERANCE, "points": recovery.POINTS,
           "digits_agreeing": recovery.AGREE, "nmse_below": source.get("recovered_below", 1e-10),
           "runs_file": {"path": _shown(Path(args.runs)), **{k: source.get(k) for k in ("command", "measured",
                                                                                            "commit")}},
           "summary": summary, "runs": checked}, args.out, settings=args)


if __name__ == "__main__":
    main()

"""The held-out Feynman figures (bench/results/symbolic_holdout.json, from ``bench/symbolic.py --problems
holdout``): each tool's symbolically exact recoveries on the 96 equations no operator was tuned on, beside
SRBench's published solution rates on the same equations (bench/srbench_published.py)."""

from __future__ import annotations

import statistics
from collections import Counter

from bench import srbench_published
from bench.figures import check_of

GOAL = 0.60
"""The issue's goal: at least this share of the held-out equations exactly recovered."""

ENGINE = "evolve-gp"
PEERS = ("pyoperon", "gplearn")
TOOLS = (ENGINE, *PEERS)


CHECK = "recovery_holdout"
"""The JSON of the symbolic check of the hold-out's models (bench/recovery.py), shown instead of the verdicts the
runs recorded when they were made: the check can be run again without running the tools again."""


def _checked(r: dict) -> dict:
    """``r`` with each run's verdict (``exact``, ``exact_how``, ``exact_model``) from :data:`CHECK` when that
    checked these runs."""
    check = check_of(CHECK, r)
    if check is None:
        return r
    verdicts = {(c["problem"], c["tool"], c["seed"]): c for c in check["runs"]}
    runs = [{**run, **{k: v for k, v in verdicts.get((run["problem"], run["tool"], run.get("seed", r.get("seed"))),
                                                      {}).items() if k in ("exact", "exact_how", "exact_model")}}
            for run in r.get("runs", [])]
    return {**r, "runs": runs, "checked": {k: check.get(k) for k in ("command", "commit", "measured")}}


def _counts(r: dict) -> dict[str, tuple[int, int, int]]:
    """Per tool of the first seed: (exact, NMSE below the threshold, equations run)."""
    out: dict[str, tuple[int, int, int]] = {}
    for run in r.get("runs", []):
        if run.get("seed", r.get("seed")) != r.get("seed"):
            continue
        exact, close, n = out.get(run["tool"], (0, 0, 0))
        out[run["tool"]] = (exact + bool(run.get("exact")), close + bool(run.get("recovered")), n + 1)
    return out


def _goal(counts: dict[str, tuple[int, int, int]], total: int) -> tuple[bool, str]:
    """Whether the engine met the goal (the share, and ahead of every peer that ran), and the sentence saying so."""
    mine = counts.get(ENGINE)
    if mine is None:
        return False, "the engine did not run"
    share = mine[0] / max(mine[2], 1)  # of the equations run; the goal needs all of them run too
    behind = [p for p in PEERS if p in counts and counts[p][0] >= mine[0]]
    absent = [p for p in PEERS if p not in counts]
    met = share >= GOAL and not behind and not absent and mine[2] == total
    why = [f"{share:.0%} exact{'' if mine[2] == total else ' of those run'} against a goal of {GOAL:.0%}"]
    if behind:
        why.append(f"not ahead of {', '.join(behind)}")
    if absent:
        why.append(f"{', '.join(absent)} not run")
    if mine[2] < total:
        why.append(f"{mine[2]} of {total} equations run")
    return met, "; ".join(why)


def holdout_section(r: dict) -> list[str]:
    """The part of docs/figures.md for the hold-out run."""
    from problems.symbolic.feynman_holdout import HOLDOUT

    total = len(HOLDOUT)
    r = _checked(r)
    counts = _counts(r)
    met, why = _goal(counts, total)
    lines = ["## Held-out Feynman equations", "",
             f"`{r['command']}` on {r.get('commit')} ({r.get('measured')}): {r['seconds']:g} s and {r['workers']} "
             f"cores per equation and tool, seed {r.get('seed')}; the {total} AI Feynman equations outside the "
             "development set, measured once, with no operator changed after the run"
             + ("" if r.get("complete", True) else " (the run is not complete)") + ".", "",
             "| tool | symbolically exact | in-domain NMSE below 1e-10 | equations run |", "|---|---|---|---|"]
    for tool, (exact, close, n) in sorted(counts.items(), key=lambda kv: -kv[1][0]):
        lines.append(f"| {tool} | {exact} ({exact / max(n, 1):.0%} of those run) | {close} | {n} |")
    rates = srbench_published.rates_on(HOLDOUT)
    src = srbench_published.SOURCE
    lines += ["", f"Published anchors (SRBench, {src['paper']}; [{src['path']}]({src['url']}) of {src['repo']} at "
                  f"{src['commit'][:7]}): the mean share of trials (10 per equation, noise 0) that "
                  "found the law, on the held-out equations SRBench ran:", ""]
    lines += [f"- {name}: {row['rate']:.1%} over {row['problems']} equations" for name, row in rates.items()]
    lines += ["", "No anchor for PySR: SRBench's 2021 results do not include it, and its later runs use other data "
                  "sets and publish no solution-rate table (bench/srbench_published.py)."]
    lines += ["", f"Goal (at least {GOAL:.0%} of the held-out equations exact, ahead of pyoperon and gplearn on the "
                  f"same run): **{'met' if met else 'missed'}** ({why}).", ""]
    return lines + _details(r)


def _details(r: dict) -> list[str]:
    """Which commits the runs were measured on, which equations each tool alone recovered, and how many
    proposals the engine made per run: what a reader checks before trusting the counts."""
    runs = [run for run in r.get("runs", []) if run.get("seed", r.get("seed")) == r.get("seed")]
    made = Counter(str(run.get("commit")) for run in runs)
    checked = r.get("checked")
    lines = ([f"Symbolically checked by `{checked['command']}` on {checked['commit']} ({checked['measured']})."]
             if checked else [])
    lines += ["Runs by the commit they were measured on: "
             + ", ".join(f"{c} ({n})" for c, n in made.items())
             + " (the gate accepts each: no code the benchmark measures changed between them and HEAD)."]
    exact = {tool: {run["problem"] for run in runs if run["tool"] == tool and run.get("exact")} for tool in TOOLS}
    ran = {tool: {run["problem"] for run in runs if run["tool"] == tool} for tool in TOOLS}
    for peer in PEERS:
        both = ran[ENGINE] & ran[peer]
        if not both:
            continue
        mine, theirs = sorted(exact[ENGINE] & both - exact[peer]), sorted(exact[peer] & both - exact[ENGINE])
        lines.append(f"Of the {len(both)} equations both ran, exact by the engine and not {peer}: "
                     f"{', '.join(mine) or 'none'}; by {peer} and not the engine: {', '.join(theirs) or 'none'}.")
    proposals = sorted(run["proposals"] for run in runs if run["tool"] == ENGINE and "proposals" in run)
    if proposals:
        lines.append(f"The engine made {statistics.median(proposals):,.0f} proposals per {r['seconds']:g} s run at "
                     f"the median ({proposals[0]:,} to {proposals[-1]:,}).")
    took = {tool: [run["seconds"] for run in runs if run["tool"] == tool and "seconds" in run] for tool in TOOLS}
    if any(took.values()):
        lines.append("Wall time per run, from the tool's start to its model (the symbolic check not included), at the "
                     "median: " + ", ".join(f"{tool} {statistics.median(s):.1f} s" for tool, s in took.items() if s)
                     + " (the engine's includes starting its evaluators).")
    return [part for line in lines for part in (line, "")] + _per_equation(runs)


def _cell(run: dict | None) -> str:
    """One tool's result on one equation: exact, or its in-domain NMSE, or that it failed."""
    if run is None:
        return "not run"
    if run.get("exact"):
        return "**exact**"
    return "failed" if run.get("nmse_id") is None else f"{run['nmse_id']:.1e}"


def _per_equation(runs: list[dict]) -> list[str]:
    """Every equation run, with each tool's result (exact, or in-domain NMSE), folded away."""
    by = {(run["problem"], run["tool"]): run for run in runs}
    problems = list(dict.fromkeys(run["problem"] for run in runs))
    if not problems:
        return []
    return ["<details><summary>Per equation: exact, or in-domain NMSE</summary>", "",
            f"| equation | {' | '.join(TOOLS)} |", "|---|" + "---|" * len(TOOLS),
            *[f"| {p} | " + " | ".join(_cell(by.get((p, tool))) for tool in TOOLS) + " |" for p in problems],
            "", "</details>", ""]


def holdout_headline(r: dict) -> str | None:
    """The README's line for the hold-out run."""
    from problems.symbolic.feynman_holdout import HOLDOUT

    total = len(HOLDOUT)
    counts = _counts(_checked(r))
    if ENGINE not in counts:
        return None
    met, why = _goal(counts, total)
    peers = ", ".join(f"{p} {counts[p][0]}" for p in PEERS if p in counts)
    return (f"Held-out Feynman ({total} equations never tuned on, {r['seconds']:g} s each): the engine recovers "
            f"{counts[ENGINE][0]} of the {counts[ENGINE][2]} it ran exactly" + (f" ({peers})" if peers else "")
            + f" (goal {GOAL:.0%} and ahead of both: {'met' if met else 'missed'}: {why}).")

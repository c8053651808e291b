"""Write the README's figures from the benchmarks' JSON (bench/results/*.json), so no number is typed in.

    python bench/report.py        # rewrites the part of README.md between the figures markers
"""

from __future__ import annotations

import json
import statistics
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
RESULTS = ROOT / "bench" / "results"
START, END = "<!-- figures:start -->", "<!-- figures:end -->"


def _load(name: str) -> dict | None:
    path = RESULTS / f"{name}.json"
    return json.loads(path.read_text()) if path.exists() else None


def _throughput_table(r: dict) -> list[str]:
    lines = [
        "| archive size | candidates/s | mean source chars | ms per candidate by phase (evaluator: mutate, check, "
        "probe, evaluate; driver: select, wait, record, archive) |",
        "|---:|---:|---:|---|",
    ]
    for row in r["results"]:
        phases = ", ".join(f"{k} {v:.3f}" for k, v in row["ms_per_candidate_by_phase"].items())
        lines.append(f"| {row['archive_size']:,} | {row['candidates_per_second']:.0f} | "
                     f"{row['mean_source_chars']:.0f} | {phases} |")
    return lines + ["", f"Change from the first to the last size: {r['change_first_to_last']:+.1%}.", ""]


def throughput_section(r: dict) -> list[str]:
    """The engine-capacity tables (prefilled archives, and one growing campaign if measured)."""
    lines = [
        "### Engine capacity (`python bench/engine_throughput.py`)",
        "",
        f"Real GP mutator, hashing, selection, Ray dispatch and archive writes, trivial fitness; {r['workers']} "
        f"evaluators, batches of {r['batch_size']}. Goal: at least 500 candidates/s, falling by no more than 20% "
        "from 1k to 100k programs. Each size is a campaign whose archive already holds that many programs, "
        "resumed, then measured over a window of new proposals (so the programs in each window are alike). "
        "Evaluator phases are summed over the evaluators running in parallel.",
        "",
        *_throughput_table(r),
    ]
    growing = _load("engine_throughput_growing")
    if growing:
        lines += [
            "One campaign grown to 100k instead (`python bench/engine_throughput.py --mode growing "
            f"--size-penalty {growing['size_penalty']:g}`): here the search's programs grow too, and the evaluator "
            "phases grow with them while the driver's stay flat.",
            "",
            *_throughput_table(growing),
        ]
    return lines


def dedupe_section(r: dict) -> list[str]:
    """What hashing saves."""
    w, wo = r["with_hashing"], r["without_hashing"]
    rate = r["collision_rate"]
    return [
        "### Functional hashing (`python bench/dedupe.py`)",
        "",
        f"The exp2 campaign, {r['budget']} proposals, seed {r['seed']}, with and without hashing:",
        "",
        "| | skipped as duplicates | evaluated | wall time | best max ULP |",
        "|---|---:|---:|---:|---:|",
        f"| with hashing | {w['skipped_share']:.1%} ({w['duplicates_by']['code']} by code hash, "
        f"{w['duplicates_by']['func']} by functional hash) | {w['evaluated']} | {w['wall_seconds']:.0f} s | "
        f"{w['best_max_ulp']} |",
        f"| without | 0 | {wo['evaluated']} | {wo['wall_seconds']:.0f} s | {wo['best_max_ulp']} |",
        "",
        f"Wall time with hashing / without: {r['wall_time_ratio']:.2f}. The two campaigns search apart once a "
        "duplicate is skipped (a different candidate fills the island), so their wall times mostly measure where "
        "each search went: mean ms per proposal with / without hashing, mutate (constant fitting grows with the "
        f"programs) {w['phases_ms']['mutate']:.1f} / {wo['phases_ms']['mutate']:.1f}, evaluate "
        f"{w['phases_ms']['evaluate']:.1f} / {wo['phases_ms']['evaluate']:.1f}, and what hashing itself costs, "
        f"check {w['phases_ms']['check']:.2f} / {wo['phases_ms']['check']:.2f} and probe (compile, probe run, "
        f"functional hash) {w['phases_ms']['probe']:.2f} / {wo['phases_ms']['probe']:.2f}. Audited collision "
        "rate (duplicates "
        f"evaluated anyway whose score differed from the original's): "
        f"{'n/a' if rate is None else f'{rate:.1%}'} "
        f"(code hash {w['audit']['code']['mismatched']}/{w['audit']['code']['audited']}, functional hash "
        f"{w['audit']['func']['mismatched']}/{w['audit']['func']['audited']}). Mismatches by the metrics that "
        f"differed: {w.get('mismatches_by_differing_metrics') or 'none'} (`ops` alone means one function "
        "written with a different operation count, not a behavioural collision).",
        "",
    ]


def demo_section(r: dict) -> list[str]:
    """The demo's result."""
    lines = [
        "### The demo (`python bench/demo.py`)",
        "",
        f"`evolve run exp2 --budget {r['budget']}` on the embedded defaults ({r['workers']} evaluators). Goal: at "
        f"most {r['goal_ulp']} ULP within 5 minutes.",
        "",
        f"| seed | best max ULP | ops | wall time, whole budget | first program within {r['goal_ulp']} ULP |",
        "|---:|---:|---:|---:|---|",
    ]
    for run in r["runs"]:
        first = run.get("first_within_goal")
        when = (f"{first['max_ulp']} ULP after {first['seconds']:.0f} s ({first['proposals']} proposals)"
                if first else "not reached")
        lines.append(f"| {run['seed']} | {run['best_max_ulp']} | {run['best_ops']} | {run['wall_seconds']:.0f} s "
                     f"| {when} |")
    best = min(r["runs"], key=lambda run: (run["best_max_ulp"], run["best_ops"]))
    lines += ["", f"Best program found (seed {best['seed']}):", "", "```python", best["best_source"].rstrip(),
              "```", ""]
    return lines


def llm_section(r: dict) -> list[str]:
    """LLM mutation against GP at the same wall time."""
    def pct(v: float | None) -> str:
        return "-" if v is None else f"{v:.1%}"

    lines = [
        "### LLM mutation (`python bench/llm_mutation.py`)",
        "",
        f"exp2, {r['seconds']:.0f} s per run, the embedded SmolLM2-135M (`--llm {r['llm']}`, answers up to "
        f"{r['answer_tokens']} tokens), {r['workers']} evaluator, operators chosen by "
        f"{r.get('operator_choice', 'weights')} (in `mixed`, the LLM share of proposals is the bandit's doing). "
        "Parse rate: answers holding a usable program; valid: calls whose program evaluated; improvement: calls "
        "whose program beat its parent.",
        "",
        "| mutator | proposals | best max ULP | LLM calls | LLM share | calls/s | tokens/s | parse | valid | "
        "improvement |",
        "|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|",
    ]
    for run in r["runs"]:
        calls = run.get("llm_calls")
        lines.append(
            f"| {run['mutator']} | {run['proposed']} | {run['best_max_ulp']} | {calls or '-'} | "
            + (f"{pct(run.get('llm_share_of_proposals'))} | {run['calls_per_second']:.2f} | "
               f"{run['tokens_per_second']:.0f} | {pct(run['parse_rate'])} | "
               f"{pct(run['valid_rate'])} | {pct(run['improvement_rate'])} |" if calls else "- | - | - | - | - | - |"))
    return lines + ["", "This small model is the baseline a stronger model is compared with.", ""]


def bandit_section(r: dict) -> list[str]:
    """Operator choice by the bandit against fixed weights, at the same wall time."""
    checkpoints = list(next(iter(r["summary"].values()))["median_best_at"])
    lines = [
        "### Choosing operators (`python bench/bandit.py`)",
        "",
        f"exp2 on the demo's settings ({r['workers']} evaluators), {r['seconds']:.0f} s per run, seeds "
        f"{', '.join(map(str, r['seeds']))}: GP operators drawn by fixed weights against the bandit "
        "(the default). Best max ULP by wall time, median over seeds (inf: no sample yet).",
        "",
        "| choice | " + " | ".join(f"{t} s" for t in checkpoints)
        + f" | seconds to reach {r['target_ulp']:g} ULP, per seed | proposals (median) |",
        "|---|" + "---:|" * len(checkpoints) + "---|---:|",
    ]
    for choice, row in r["summary"].items():
        reach = ", ".join("not reached" if t is None else f"{t:.0f}" for t in row["seconds_to_target"])
        lines.append(f"| {choice} | " + " | ".join(f"{v:g}" for v in row["median_best_at"].values())
                     + f" | {reach} | {row['median_proposed']:.0f} |")
    run = next((x for x in r["runs"] if x["choice"] == "bandit"), None)
    if run:
        lines += ["", f"What the bandit did (seed {run['seed']}): pulls, children that beat their parent, summed "
                  "relative improvement, and seconds charged.", "",
                  "| operator | pulls | successes | reward | cost, s |", "|---|---:|---:|---:|---:|"]
        for arm in sorted(run["arms"], key=lambda a: -a["pulls"]):
            lines.append(f"| {arm['arm']} | {arm['pulls']} | {arm['successes']} | {arm['reward']:.2f} | "
                         f"{arm['cost_seconds']:.1f} |")
    return lines + [""]


def formula_eval_section(r: dict) -> list[str]:
    """Seconds per new formula: the interpreter against one XLA compilation per structure."""
    i, c = r["interpreted"], r["compiled"]
    warm = ", ".join(f"{k} instructions {v:.1f} s" for k, v in r["warmup_seconds_by_code_size"].items())
    return [
        "### Evaluating a new formula (`python bench/formula_eval.py`)",
        "",
        f"{r['formulas']} distinct formulas from a random walk of GP operators on Feynman {r['equation']}, each "
        "evaluated once (fit, metrics) as a search meets it. The interpreter ran "
        f"{r['translated']} of them.",
        "",
        "| mode | median s | mean s | 90th percentile s |",
        "|---|---:|---:|---:|",
        f"| interpreter (default) | {i['median_s']:.4f} | {i['mean_s']:.4f} | {i['p90_s']:.4f} |",
        f"| compiled per structure | {c['median_s']:.4f} | {c['mean_s']:.4f} | {c['p90_s']:.4f} |",
        "",
        f"Mean speed-up {r['speedup_mean']:.0f}x. The interpreter's one-off compilations, per code size: {warm}. "
        f"Of the {r['both_ok']} formulas both modes fitted, {r['nmse_within_10_percent']} reached the same NMSE "
        f"within 10%; the interpreter's fit was better on {r['interpreted_better']} and the compiled one on "
        f"{r['compiled_better']} (different local optima from different rounding).",
        "",
    ]


def _sci(v: float | None) -> str:
    return "—" if v is None else ("inf" if v == float("inf") else f"{v:.2g}")


def _formula(source: str, params: list[float]) -> str:
    """The returned expression of a formula's source, its fitted constants written in (4 significant digits)."""
    import ast

    sys.path.insert(0, str(ROOT))
    from evolve import program

    tree = program.parse(source)
    entry = next(n for n in ast.walk(tree) if isinstance(n, ast.FunctionDef))
    lifted, _ = program.lift_constants(tree, (entry.args.args[-1].arg if entry.args.args else None))
    lowered = program.lower_constants(lifted, [float(f"{v:.4g}") for v in params], "float64")
    entry = next(n for n in ast.walk(lowered) if isinstance(n, ast.FunctionDef))
    ret = next(n for n in ast.walk(entry) if isinstance(n, ast.Return))
    return ast.unparse(ret.value)


def _llmsr_goals(published: dict) -> dict[str, tuple[float, float]]:
    """The issue's (ID, OOD) NMSE goal per LLM-SR set: ID below 1e-6 for the oscillators and below LLM-SR's
    published figure for the others; OOD below the published figure."""
    return {p: (1e-6 if p.startswith("oscillator") else published[p]["id"], published[p]["ood"])
            for p in ("oscillator1", "oscillator2", "bactgrow", "stressstrain") if p in published}


def symbolic_seeds_section(r: dict) -> list[str]:
    """The LLM-SR sets over several seeds: the median and range of each tool's NMSE, and how often the engine
    meets each goal (one seed's result is a draw from a wide distribution)."""
    seeds = r["seeds"]
    goals = _llmsr_goals(r["published"])
    tools = list(dict.fromkeys(x["tool"] for x in r["runs"]))
    lines = [f"#### The LLM-SR sets over seeds {', '.join(map(str, seeds))} (`{r['command']}`)", "",
             f"Each tool ran once per seed, {r['seconds']:g} s and {r['workers']} cores each; median NMSE with the "
             "range over seeds in brackets, and the seeds that met the issue's goal. The engine's runs do not repeat "
             "exactly for a seed (evaluations finish in a varying order), so its seed 0 here is another draw beside "
             "the table above.", "",
             "| set | tool | ID median (range) | ID goal met | OOD median (range) | OOD goal met |",
             "|---|---|---|---:|---|---:|"]
    for p, (id_limit, ood_limit) in goals.items():
        for t in tools:
            mine = [x for x in r["runs"] if x["problem"] == p and x["tool"] == t]
            if not mine:
                continue
            cells = []
            for key, limit in (("nmse_id", id_limit), ("nmse_ood", ood_limit)):
                v = [x.get(key) if x.get(key) is not None else float("inf") for x in mine]
                cells += [f"{_sci(statistics.median(v))} ({_sci(min(v))} – {_sci(max(v))})",
                          f"{sum(x < limit for x in v)} of {len(v)}"]
            lines.append(f"| {p} | {t} | " + " | ".join(cells) + " |")
    return lines + [""]


def symbolic_section(r: dict) -> list[str]:
    """Engine against gplearn and pyoperon: the LLM-SR sets beside the published figures, the Feynman
    equations with exact recoveries, head-to-head counts and the issue's goals."""
    runs = list(r["runs"])
    llm = _load("symbolic_llm")  # evolve-mixed, run apart: `bench/symbolic.py --tools --llm local --out ...`
    if llm:
        runs += [x for x in llm["runs"] if x["tool"] == "evolve-mixed"]
    tools = list(dict.fromkeys(x["tool"] for x in runs))
    by = {(x["problem"], x["tool"]): x for x in runs}
    published = r["published"]
    llmsr = [p for p in dict.fromkeys(x["problem"] for x in runs) if p in published]
    feynman = [p for p in dict.fromkeys(x["problem"] for x in runs) if p not in published]

    def cell(problem: str, tool: str, key: str) -> str:
        x = by.get((problem, tool))
        if x is None:
            return "—"
        if x.get("error"):
            return "error"
        return _sci(x[key]) + (" ✓" if key == "nmse_id" and x["recovered"] else "")

    lines = [
        f"### Symbolic regression against established tools (`python bench/symbolic.py --seconds {r['seconds']:g}`)",
        "",
        f"Every tool gets the same training rows, {r['seconds']:g} s of wall time and {r['workers']} cores per "
        f"problem (seed {r['seed']}); the engine runs its GP mutator alone (no LLM), its compile cache empty at the "
        "start of the run. NMSE is on the in-domain (ID) and out-of-domain (OOD) test sets; ✓ marks an exact "
        f"recovery (ID NMSE below {r.get('recovered_below', 1e-10):g}). LLM-SR's published ID figure for the "
        "oscillators is an upper bound (below 1e-6).",
        "",
    ]
    reused = sorted({x["reused_from"] for x in r["runs"] if x.get("reused_from")})
    if reused:
        peers = ", ".join(sorted({x["tool"] for x in r["runs"] if x.get("reused_from")}))
        lines[-1:-1] = [f"The runs of {peers} are copied from an earlier measurement with the same settings "
                        f"(`--peers-from`, from {', '.join(reused)}); the peers do not change when the engine does."]
    def ran(problems: list[str]) -> list[str]:
        return [t for t in tools if any((p, t) in by for p in problems)]

    if llmsr:
        cols = ran(llmsr)
        lines += ["| LLM-SR set | published ID | published OOD | " + " | ".join(f"{t} ID | {t} OOD" for t in cols)
                  + " |", "|---|---:|---:|" + "---:|---:|" * len(cols)]
        for p in llmsr:
            lines.append(f"| {p} | {_sci(published[p]['id'])} | {_sci(published[p]['ood'])} | "
                         + " | ".join(f"{cell(p, t, 'nmse_id')} | {cell(p, t, 'nmse_ood')}" for t in cols) + " |")
        lines.append("")
    if feynman:
        cols = ran(feynman)
        lines += ["| Feynman equation | " + " | ".join(f"{t} ID | {t} OOD" for t in cols) + " |",
                  "|---|" + "---:|---:|" * len(cols)]
        for p in feynman:
            lines.append(f"| {p} | " + " | ".join(f"{cell(p, t, 'nmse_id')} | {cell(p, t, 'nmse_ood')}"
                                                  for t in cols) + " |")
        lines += ["", "Exact recoveries of the Feynman equations: " + ", ".join(
            f"{t} {sum(by[(p, t)]['recovered'] for p in feynman if (p, t) in by)} of "
            f"{sum((p, t) in by for p in feynman)}" for t in cols) + "."]
    if llmsr:
        lines += ["", "The engine's best formulas for the LLM-SR sets (constants as fitted):", ""]
        for p in llmsr:
            x = next((by[(p, t)] for t in tools if t.startswith("evolve-") and (p, t) in by), None)
            if x and x.get("model"):
                lines += [f"{p}:", "", "```python", _formula(x["model"], x.get("params") or []), "```", ""]
    mixed = [x for x in runs if x["tool"] == "evolve-mixed" and x.get("llm")]
    if mixed:
        lines += ["", "evolve-mixed runs the GP operators and the local SmolLM2 (`--llm local`, served on the same "
                  "2 cores) under the bandit. Its LLM calls, per set: " + "; ".join(
                      f"{x['problem']} {sum(m['calls'] for m in x['llm'])} calls, "
                      f"{sum(m['unusable_answers'] for m in x['llm'])} unusable answers, "
                      f"valid children: {sum(m['ok'] for m in x['llm'])}" for x in mixed) + "."]
    engine = next((t for t in tools if t.startswith("evolve-")), None)
    if engine:
        def nmse(p: str, t: str) -> float:
            x = by.get((p, t))
            v = None if x is None else x.get("nmse_id")
            return float("inf") if v is None else v

        problems = llmsr + feynman
        exact = r.get("recovered_below", 1e-10)

        def order(p: str, peer: str) -> int:  # -1: the engine is better; two exact recoveries are a tie
            a, b = nmse(p, engine), nmse(p, peer)
            return 0 if (a < exact and b < exact) or a == b else (-1 if a < b else 1)

        for peer in (t for t in tools if not t.startswith("evolve-")):
            wins = sum(order(p, peer) < 0 for p in problems)
            losses = sum(order(p, peer) > 0 for p in problems)
            lines += ["", f"Head to head on ID NMSE, {engine} against {peer}: better on {wins}, worse on {losses}, "
                      f"equal on {len(problems) - wins - losses} of {len(problems)} problems."]
        goals = []
        for p, (id_limit, ood_limit) in _llmsr_goals(published).items():
            if (p, engine) not in by:
                continue
            goals.append(f"{p} ID below {id_limit:g}: {'met' if nmse(p, engine) < id_limit else 'missed'} "
                         f"({by[(p, engine)]['nmse_id']:.3g})")
            ood = by[(p, engine)].get("nmse_ood")
            goals.append(f"{p} OOD below the published {ood_limit:g}: "
                         f"{'met' if ood is not None and ood < ood_limit else 'missed'} ({ood:.3g})")
        if feynman:
            n = sum(by[(p, engine)]["recovered"] for p in feynman if (p, engine) in by)
            goals.append(f"at least 10 Feynman recoveries: {'met' if n >= 10 else 'missed'} ({n}, within "
                         f"{r['seconds']:g} s each)")
        lines += ["", "Goals of the issue, for the engine:", "", *(f"- {g}" for g in goals)]
    return lines + [""]


def agent_throughput_section(r: dict) -> list[str]:
    """Episodes per second in one policy evaluation: the jitted rollout against a Python loop of env.step."""
    lines = [
        "### Policy rollouts (`python bench/agent_throughput.py`)",
        "",
        f"Episodes simulated per second inside one evaluation on {r['device']}: {r['runs'][0]['episodes']} episodes "
        "rolled out by `lax.scan` over time and `vmap` over episodes in one `jit` (steady state; the compilation, "
        "paid once per candidate, apart), against a Python loop calling the same gymnax environment's `step` once "
        f"per time step ({r['runs'][0]['loop_episodes']} episodes), the same policy (jitted too) and keys. The "
        "jitted rollout computes every step up to the episode limit; the loop stops at an episode's end, so its "
        "steps/s is the fairer comparison.",
        "",
        "| environment | jitted episodes/s | loop episodes/s | speed-up | jitted steps/s | loop steps/s | compile s |",
        "|---|---:|---:|---:|---:|---:|---:|",
    ]
    for x in r["runs"]:
        lines.append(f"| {x['env']} | {x['jitted_episodes_per_s']:,.0f} | {x['loop_episodes_per_s']:.2f} | "
                     f"{x['speedup_episodes']:,.0f}x | {x['jitted_steps_per_s']:,.0f} | {x['loop_steps_per_s']:,.0f} | "
                     f"{x['compile_seconds']:.2f} |")
    return lines + [""]


def agents_section(r: dict) -> list[str]:
    """Policy search per environment: the GP campaign against random search, held-out returns and the goals."""
    lines = [
        f"### Policy search (`{r['command']}`)",
        "",
        f"Each method gets {r['seconds']:g} s of wall time on {r['workers']} processes per environment: the engine's "
        "campaign with the GP mutator alone, and random search (random walks of 1 to 8 of the same operators from "
        "the seed, no selection). The held-out return is the best program's mean over 256 episodes on seeds "
        "never selected on; the goal is the issue's, set for 15 minutes. The best training return is the mean "
        "over the 256 training episodes selection saw; \"reached by\" is the first point of the recorded curve "
        "(about 40 points a run) where it stands, so an upper bound on when it was found.",
        "",
        "| environment | goal | method | evaluations | best training return | reached by (s) | held-out return | "
        "goal met |",
        "|---|---:|---|---:|---:|---:|---:|---|",
    ]
    for x in r["runs"]:
        held = "—" if x["heldout_return"] is None else f"{x['heldout_return']:.1f}"
        best = "—" if x["best_return"] is None else f"{x['best_return']:.1f}"
        # The first point of the (thinned) curve at the final best: an upper bound on when it was found.
        when = next((p["seconds"] for p in x.get("curve", []) if p["best_return"] == x["best_return"]), None)
        by = "—" if when is None else f"{when:.0f}"
        lines.append(f"| {x['env']} | {x['goal']:g} | {x['method']} | {x['evaluations']} | {best} | {by} | {held} | "
                     f"{'yes' if x['met'] else 'no'} |")
    commits = {x["env"]: x.get("commit") or "an unrecorded commit" for x in r["runs"]}
    if len(set(commits.values())) > 1:
        lines += ["", "Measured one environment at a time: " + "; ".join(
            f"{env} on {c}" for env, c in commits.items()) + "."]
    measured = {x["env"] for x in r["runs"]}
    missing = [env for env in r.get("goals", {}) if env not in measured]
    if missing:
        lines += ["", f"Not measured with these settings yet: {', '.join(missing)} (`python bench/agents.py --envs "
                  f"{' '.join(missing)} --seconds {r['seconds']:g}` adds {'it' if len(missing) == 1 else 'them'})."]
    lines += ["", "The engine's best policies:", ""]
    for x in r["runs"]:
        if x["method"] == "evolve-gp" and x.get("best_program"):
            body = [line for line in x["best_program"].splitlines() if not line.startswith("# EVOLVE")]
            lines += [f"{x['env']}:", "", "```python", *body, "```", ""]
    return lines


def llm_agents_section(r: dict) -> list[str]:
    """LLM-calling agents: the seed agents against the best evolved one on the held-out split."""
    c = r["campaign"]
    lines = [
        f"### LLM-calling agents (`{r['command']}`)",
        "",
        f"Model: {r['model']}, serving both the engine's LLM mutator (mode `{r['mutator']}`) and the agents' own "
        f"`llm` calls (at most {r['max_tokens']} tokens a reply). Arithmetic word problems from templates, seed "
        f"{r['seed']}: the campaign selects on {r['validation']} validation tasks for {r['seconds']:g} s on "
        f"{r['workers']} evaluators; every agent below is then scored on {r['heldout']} held-out tasks, never "
        "selected on. The interval is the 95% bootstrap interval of the accuracy.",
        "",
        "| agent | validation accuracy | held-out accuracy | 95% interval | LLM calls per task | tokens per task |",
        "|---|---:|---:|---|---:|---:|",
    ]
    def pct(x: float) -> str:
        return f"{100 * x:.1f}%"

    for a in r["agents"]:
        validation = a.get("validation_accuracy", c["seed_validation"].get(a["agent"]))
        shown = "—" if validation is None else pct(validation)
        if "error" in a:
            lines.append(f"| {a['agent']} ({a['kind']}) | {shown} | failed: {a['error']} | | | |")
            continue
        lines.append(f"| {a['agent']} ({a['kind']}) | {shown} | {pct(a['accuracy'])} "
                     f"({round(a['accuracy'] * a['tasks'])} of {a['tasks']}) | {pct(a['ci_low'])} to "
                     f"{pct(a['ci_high'])} | {a['calls_per_task']:.1f} | {a['tokens_per_task']:.0f} |")
    seeds = [a for a in r["agents"] if a["kind"] == "seed" and "accuracy" in a]
    made = [a for a in r["agents"] if a["kind"] == "evolved" and "accuracy" in a]
    if seeds and made:
        top = max(seeds, key=lambda a: (a["accuracy"], -a["calls_per_task"]))
        verdict = ("above" if made[0]["accuracy"] > top["accuracy"] else
                   "level with" if made[0]["accuracy"] == top["accuracy"] else "below")
        lines += ["", f"On the held-out split the best evolved agent ({pct(made[0]['accuracy'])}) is {verdict} the "
                  f"best seed, {top['agent']} ({pct(top['accuracy'])})."]
    elif seeds:
        lines += ["", "The search made no agent that evaluated."]
    statuses = ", ".join(f"{n} {s}" for s, n in sorted(c["by_status"].items(), key=lambda kv: -kv[1]))
    lines += ["", f"The campaign ran {c['seconds']:g} s: {c['proposals']} proposals ({statuses or 'none'}) from "
              f"{c['mutator_calls']} mutator calls ({c['mutator_calls_failed']} failed)."]
    if c.get("top_errors"):
        lines += ["Commonest reasons a proposal failed: " + "; ".join(f"{why!r} ({n})" for why, n in
                                                                      c["top_errors"].items()) + "."]
    evolved = [a for a in r["agents"] if a["kind"] == "evolved" and a.get("source")]
    if evolved:
        body = [line for line in evolved[0]["source"].splitlines() if not line.startswith("# EVOLVE")]
        if len(body) > 40:
            body = body[:40] + [f"# ... {len(body) - 40} more lines"]
        lines += ["", f"The best evolved agent ({evolved[0]['agent']}, by `{evolved[0]['operator']}`):", "",
                  "```python", *body, "```"]
    return lines + [""]


def float32_section(r: dict) -> list[str]:
    """float32 approximations: per target the best evolved program, the baselines it is set against, the goals,
    the minimax fit's cost."""
    six = ("exp2", "log2", "erf", "tanh", "sigmoid", "sin")
    lines = [
        # Targets are measured one run at a time (--targets), so the heading gives the command that measures all.
        f"### float32 approximations (`python bench/float32.py --seconds {r['seconds']:g}`)",
        "",
        f"A GP campaign of {r['seconds']:g} s on {r['workers']} evaluators per target; each island keeps half "
        "its programs by score and half by the Pareto front of (max ULP, ops, speed); constants are fitted by the "
        "minimax fit of their structure. Error is the largest distance in float32 ULPs from the correctly rounded "
        "value over every float32 number of the domain (exhaustive) or over the sampled points, the worse of the "
        "program run operation by operation and jitted wherever its speed is timed; speed is the jitted program's "
        "throughput over the library function's, timed together. Baselines: minimax and Taylor polynomials of "
        "degree 2 to 12 in Horner form, and minimax rationals p_m / q_n with m + n up to 12, measured the same "
        "way. \"At goal\" sets the cheapest evolved program within 1 ULP (2 for a user's target) against the "
        "cheapest minimax polynomial or rational within it.",
        "",
        "| target | measured on | best evolved: error | ops | speed | best baseline: error (ops) | within 1 ULP | "
        "at goal: evolved ops / cheapest baseline | no more ops than the baselines |",
        "|---|---|---:|---:|---:|---|---|---|---|",
    ]
    for x in r["runs"]:
        real = x["target"] == "exp2_real"
        error = "max_rel_error" if real else "max_ulp"
        m = x["best"]["metrics"]
        fair = [b for b in x["baselines"] if b["kind"] in ("minimax", "rational") and b.get("metrics")]
        top = min(fair, key=lambda b: (b["metrics"][error], b["metrics"]["ops"]))
        name = top["kind"] + f" {top['degree']}" + (f"/{top['denominator']}" if top.get("denominator") else "")
        fmt = (lambda v: f"{v:.2e}") if real else (lambda v: f"{v:g} ULP")
        within = "—" if real else ("yes" if x["goals"]["within_1_ulp"] else "no")
        where = f"{x['points']} points, {x['coverage']}" if not real else f"{x['points']} points, float64"
        speed = "—" if real else f"{m.get('speed', 0):.2f}"
        goal = x["goals"].get("at_goal")
        if goal is None:
            at, met = "—", "—"
        else:
            evolved = "none" if goal["evolved"] is None else str(goal["evolved"]["ops"])
            base = "none reaches it" if goal["baseline"] is None else \
                f"{goal['baseline']['ops']} ({goal['baseline']['name']})"
            at, met = f"{evolved} / {base}", "yes" if goal["met"] else "no"
        lines.append(f"| {x['target']} | {where} | {fmt(m[error])} | {m['ops']} | {speed} | "
                     f"{fmt(top['metrics'][error])} ({top['metrics']['ops']}, {name}) | {within} | {at} | {met} |")
    commits: dict[str, list[str]] = {}
    for x in r["runs"]:
        commits.setdefault(x.get("commit") or "unrecorded", []).append(x["target"])
    lines += ["", "Measured on commit " + "; ".join(f"{c} ({', '.join(t)})" for c, t in commits.items()) + "."]
    builtin = [x for x in r["runs"] if x["target"] in six]
    if builtin:
        within = [x["target"] for x in builtin if x["goals"]["within_1_ulp"]]
        cheap = [x["target"] for x in builtin if (x["goals"].get("at_goal") or {}).get("met")]
        lines += ["", f"Every one of the six targets within 1 ULP (the goal): {len(within)} of {len(builtin)} "
                      f"measured ({', '.join(within) or 'none'}); {'met' if len(within) == 6 else 'missed'}.",
                  "", f"Within 1 ULP with no more ops than the cheapest polynomial or rational baseline reaching it, "
                      f"on at least 4 of the 6 (the goal): {len(cheap)} ({', '.join(cheap) or 'none'}); "
                      f"{'met' if len(cheap) >= 4 else 'missed'}."]
    for x in r["runs"]:
        g = x["goals"]
        if x["target"] == "exp2":
            lines += ["", f"exp2 within 1 ULP and faster than `jnp.exp2`: "
                          f"{'yes' if g.get('within_1_ulp_and_faster_than_library') else 'no'}."]
        if x.get("user_target"):
            goal = g.get("at_goal") or {}
            lines += ["", f"The user's target `{x['target']}` (written as a file through the public `Target` API) "
                          f"within 2 ULPs (the goal): {'met' if (goal.get('evolved') is not None) else 'missed'}, "
                          f"best {x['best']['metrics']['max_ulp']} ULP."]
        if x["target"] == "exp2_real":
            least = g.get("least_error_within_10_ops")
            lines += ["", f"Real-number exp2 with at most 10 operations: "
                          f"{'none evaluated' if least is None else f'{least:.2e}'} (goal 1e-10: "
                          f"{'met' if g.get('met') else 'missed'}; the degree-5 minimax polynomial: "
                          f"{g.get('minimax_degree5'):.2e})."]
            front = g.get("front_against_minimax")
            if front:
                def e(v):
                    return "—" if v is None else f"{v:.2e}"

                lines += ["", "The evolved front against the minimax polynomials at each op count (the goal: below, "
                              "by more than 1%, at every count from 6 to 18; "
                              f"{'met' if front['below_everywhere'] else 'missed'}):", "",
                          "| ops at most | evolved | minimax polynomial | below |", "|---:|---:|---:|---|"]
                lines += [f"| {row['ops']} | {e(row['evolved'])} | {e(row['minimax'])} | "
                          f"{'yes' if row['below'] else 'no'} |" for row in front["rows"]]
    costs = [x for x in r["runs"] if x.get("fitter")]
    if costs:
        lines += ["", "The minimax fit's cost per structure (wall time in the benchmark's process, on the distinct "
                      "structures each campaign evaluated): " + "; ".join(
                          f"{x['target']} median {x['fitter']['median_ms']:.0f} ms, 90th percentile "
                          f"{x['fitter']['p90_ms']:.0f} ms over {x['fitter']['structures']}" for x in costs) + "."]
    broken = [f"{x['target']} ({', '.join(x['broken_in_float'])})" for x in r["runs"] if x.get("broken_in_float")]
    if broken:
        lines += ["", "Baselines whose float32 error is far above what their real error predicts, left out of the "
                      "ops comparison: " + "; ".join(broken) + ". An odd polynomial `x * (c0 + ...)` with `c0 < 1` "
                      "makes a subnormal of an input just above the smallest normal number, and XLA flushes it to "
                      "zero."]
    lines += ["", "Plots (error against ops, error against speed): " + ", ".join(
        f"[{x['target']}](bench/results/{x['plot']})" for x in r["runs"]) + ".", "",
        "The best evolved programs:", ""]
    for x in r["runs"]:
        body = [line for line in x["best"]["source"].splitlines() if not line.startswith("# EVOLVE")]
        lines += [f"{x['target']}:", "", "```python", *body, "```", ""]
    return lines


def faults_section(r: dict) -> list[str]:
    """Reliability under faults caused for real: kills, the hostile corpus, LLM endpoints."""
    s = r["summary"]
    ratio = s.get("gp_rate_ratio")
    lines = [
        f"### Faults (`{r['command']}`)",
        "",
        f"Measured on commit {r.get('commit') or 'unrecorded'}, with the same fault code as the tests.",
        "",
        "| fault | figure |",
        "|---|---|",
        f"| campaign SIGKILLed and resumed | {s['campaign_kills']} kills ({s['campaign_kills_during_writes']} inside "
        f"an archive commit), then finished its budget |",
        f"| evaluator SIGKILLed from outside mid-candidate | {s['evaluator_kills']} kills, each replaced, its "
        "candidates retried |",
        f"| kills survived in all | {s['kills_survived']} |",
        f"| candidates lost (goal 0) | {s['candidates_lost']} |",
        f"| archive sound afterwards (`evolve check`) | {'yes' if s['archive_sound'] else 'no'} |",
        f"| hostile programs contained | {s['hostile_contained']} of {s['hostile_programs']} |",
        f"| driver secret seen by an evaluator | {'yes' if s['secret_seen'] else 'no'} |",
        f"| files written outside the campaign's folder | {len(s['written_outside'])} |",
        f"| good candidates' evaluation rate after the corpus / without it | "
        f"{'-' if ratio is None else f'{ratio:.2f}'} |",
        *([f"| code past the static check, in a real evaluator: TCP and unix-socket connect, writes in the home "
           f"folder and /tmp | {'all refused' if s['breach_refused'] else 'NOT all refused'}, "
           f"{len(s['breach_written'])} files landed ({s['os_layer']}) |"] if "os_layer" in s else []),
        f"| LLM endpoint faults survived | {s['llm_faults_survived']} of {s['llm_faults']} |",
        f"| longest stall of the loop during an LLM fault | {s['longest_stall_during_llm_faults']:.2f} s |",
        *([f"| endpoint down (500s) for {s['outage_seconds']:g} s: longest stall, LLM use resumed after | "
           f"{s['longest_stall_during_outage']:.2f} s, {'yes' if s['outage_recovered'] else 'no'} |"]
          if "outage_seconds" in s else []),
        "",
        "| LLM fault | calls | failed (all recorded) | longest call | GP evaluated meanwhile | longest stall | "
        "survived |",
        "|---|---:|---:|---:|---:|---:|---|",
    ]
    for f in r["llm"]:
        lines.append(f"| {f['scenario']} | {f['llm_calls']} | {f['failed_calls']} ({f['failed_calls_recorded']}) | "
                     f"{f['longest_call']:.2f} s (deadline {f['deadline']:g} s) | {f['gp_evaluated']} | "
                     f"{f['longest_stall']:.2f} s | {'yes' if f['survived'] else 'no'} |")
    return [*lines, ""]


EXP2_BENCHES = ("demo", "dedupe", "bandit", "llm_mutation")
"""Benchmarks that run exp2 campaigns."""

STALE = ("*Measured before exp2 moved onto the float32 family (2\\*\\*22 sampled points instead of 2\\*\\*20, "
         "islands that keep the Pareto front) and before benchmarks recorded their commit: the same command on "
         "the current code gives the current figures.*")


def with_caveat(name: str, data: dict, part: list[str]) -> list[str]:
    """A section, with :data:`STALE` under its heading when an exp2 benchmark's JSON predates the float32
    family (it records no commit)."""
    if name in EXP2_BENCHES and not data.get("commit"):
        return [*part[:2], STALE, "", *part[2:]]
    return part


def main() -> int:
    parts: list[str] = []
    seeds = "python bench/symbolic.py --problems oscillator1 oscillator2 bactgrow stressstrain --seed 0 1 2 " \
            "--out bench/results/symbolic_seeds.json"
    for name, section in (("demo", demo_section), ("dedupe", dedupe_section),
                          ("engine_throughput", throughput_section), ("bandit", bandit_section),
                          ("llm_mutation", llm_section), ("formula_eval", formula_eval_section),
                          ("symbolic", symbolic_section), ("symbolic_seeds", symbolic_seeds_section),
                          ("agent_throughput", agent_throughput_section), ("agents", agents_section),
                          ("llm_agents", llm_agents_section), ("float32", float32_section),
                          ("faults", faults_section)):
        data = _load(name)
        command = seeds if name == "symbolic_seeds" else f"python bench/{name}.py"
        parts += (with_caveat(name, data, section(data)) if data
                  else [f"`bench/results/{name}.json` is missing: run `{command}`.", ""])
    readme = ROOT / "README.md"
    text = readme.read_text()
    if START not in text or END not in text:
        print(f"README.md lacks the markers {START} / {END}", file=sys.stderr)
        return 1
    head, rest = text.split(START, 1)
    _, tail = rest.split(END, 1)
    readme.write_text(head + START + "\n" + "\n".join(parts) + END + tail)
    print("README.md figures rewritten from bench/results/")
    return 0


if __name__ == "__main__":
    sys.exit(main())

"""The exp2 engine's figures: the demo, functional hashing, engine capacity, operator choice, LLM mutation."""

from __future__ import annotations

from bench.figures import load

DEMO_GOAL_SECONDS = 300
"""The demo's goal: its goal_ulp within this many seconds."""

THROUGHPUT_GOAL, THROUGHPUT_FALL = 500, -0.20
"""Engine capacity's goals: candidates/s at every size, and the largest fall from the first size to the last."""


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
    growing = load("engine_throughput_growing")
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
        f"most {r['goal_ulp']} ULP within {DEMO_GOAL_SECONDS // 60} minutes.",
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


def demo_headline(r: dict) -> str:
    """The README's line: each seed's best, when it first came within the goal, and on how many seeds in time."""
    runs = r["runs"]
    firsts = [run.get("first_within_goal") for run in runs]
    in_time = sum(f is not None and f["seconds"] <= DEMO_GOAL_SECONDS for f in firsts)
    return (f"The demo (`evolve run exp2 --budget {r['budget']}`, {r['workers']} evaluators): best "
            + ", ".join(f"{run['best_max_ulp']} ULP (seed {run['seed']})" for run in runs)
            + f"; first within {r['goal_ulp']} ULP after "
            + ", ".join("never" if f is None else f"{f['seconds']:.0f} s" for f in firsts)
            + f"; the goal (at most {r['goal_ulp']} ULP within {DEMO_GOAL_SECONDS // 60} minutes) met on {in_time} "
            f"of {len(runs)} seeds.")


def throughput_headline(r: dict) -> str:
    """The README's line: candidates/s at the smallest and largest archive, against the goals."""
    first, last = r["results"][0], r["results"][-1]
    met = (all(row["candidates_per_second"] >= THROUGHPUT_GOAL for row in r["results"])
           and r["change_first_to_last"] >= THROUGHPUT_FALL)
    return (f"Engine capacity on a trivial fitness: {first['candidates_per_second']:.0f} candidates/s with "
            f"{first['archive_size']:,} programs in the archive, {last['candidates_per_second']:.0f} with "
            f"{last['archive_size']:,} ({r['change_first_to_last']:+.1%}; the goals, at least {THROUGHPUT_GOAL}/s "
            f"and a fall of at most {-THROUGHPUT_FALL:.0%}: {'met' if met else 'missed'}).")


def dedupe_headline(r: dict) -> str:
    """The README's line: the share of proposals that hashing skipped, and the collision rate audited."""
    w, rate = r["with_hashing"], r["collision_rate"]
    return (f"Functional hashing skipped {w['skipped_share']:.1%} of {r['budget']} exp2 proposals as duplicates; "
            f"audited collision rate {'n/a' if rate is None else f'{rate:.1%}'}.")


REFACTOR_RATE_FLOOR = 0.90
"""A change is within noise when the median per-round ratio of the engine's rate is at least this..."""
REFACTOR_WALL_CEILING = 1.10
"""...and the median ratio of the demo's wall time at most this."""


def _refactor_met(r: dict) -> bool:
    wall = r.get("median_demo_wall_ratio")
    return r["median_engine_rate_ratio"] >= REFACTOR_RATE_FLOOR and (wall is None or wall <= REFACTOR_WALL_CEILING)


def compare_commits_section(r: dict) -> list[str]:
    """A change's cost: the engine's rate and the demo at two commits, measured in interleaved rounds of one run."""
    base, cand = r["baseline"], r["candidate"]
    lines = [f"### A change's cost, measured against an earlier commit (`{r['command']}`)", "",
             f"Commit {cand} against {base}, {r['rounds']} interleaved rounds of `bench/engine_throughput.py` "
             f"(archive of {r['size']:,} programs, window {r['window']}, {r['workers']} evaluators) and the demo "
             f"(budget {r['demo_budget']}) per seed, each commit running its own bench scripts; measured "
             f"{r['measured']} on {r['commit']}.", "",
             "| round | baseline candidates/s | candidate candidates/s | ratio |", "|---|---|---|---|"]
    for i, (b, c, q) in enumerate(zip(r["rates"]["baseline"], r["rates"]["candidate"], r["engine_rate_ratios"],
                                      strict=True)):
        lines.append(f"| {i} | {b:.0f} | {c:.0f} | {q:.2f} |")
    lines += ["", "| demo seed | baseline best ULP | candidate best ULP | baseline s | candidate s |",
              "|---|---|---|---|---|"]
    for b, c in zip(r["demos"]["baseline"], r["demos"]["candidate"], strict=True):
        lines.append(f"| {b['seed']} | {b['best_max_ulp']} | {c['best_max_ulp']} | {b['wall_seconds']:.0f} | "
                     f"{c['wall_seconds']:.0f} |")
    wall = r.get("median_demo_wall_ratio")
    lines += ["", f"Median engine-rate ratio {r['median_engine_rate_ratio']:.2f}"
              + ("" if wall is None else f", median demo wall-time ratio {wall:.2f}")
              + f"; within noise (rate ratio at least {REFACTOR_RATE_FLOOR:.2f}, wall-time ratio at most "
              f"{REFACTOR_WALL_CEILING:.2f}): {'met' if _refactor_met(r) else 'missed'}.", ""]
    return lines


def compare_commits_headline(r: dict) -> str:
    """The README's line: the last change measured against its baseline commit."""
    wall = r.get("median_demo_wall_ratio")
    return (f"The redesign's cost, {r['candidate']} against {r['baseline']} in one interleaved run: engine rate "
            f"ratio {r['median_engine_rate_ratio']:.2f} (archive of {r['size']:,} programs)"
            + ("" if wall is None else f", demo wall-time ratio {wall:.2f} (budget {r['demo_budget']})")
            + f"; within noise: {'met' if _refactor_met(r) else 'missed'}.")


def scale_out_section(r: dict) -> list[str]:
    """How many evaluators one driver keeps busy on a local multi-node cluster, and where it saturates."""
    lines = [f"### Scale-out on a local multi-node Ray cluster (`{r['command']}`)", "",
             f"{r['nodes']} Ray nodes of {r['cpus_per_node']} logical CPUs on this one 2-core machine, a fitness "
             f"that sleeps {r['pause']:g} s without using the CPU, dedupe off (every candidate evaluated), batches "
             f"of {r['batch_size']}; measured {r['measured']} on {r['commit']}.", "",
             "| evaluators | sleep per evaluation | evaluations/s | ideal | share of ideal | driver CPU s per s |",
             "|---|---|---|---|---|---|"]
    for row in r["results"]:
        ideal = "" if row["ideal_per_second"] is None else f"{row['ideal_per_second']:.0f}"
        share = "" if row["share_of_ideal"] is None else f"{row['share_of_ideal']:.0%}"
        lines.append(f"| {row['evaluators']} | {row['pause']:g} s | {row['evaluations_per_second']:.0f} | {ideal} | "
                     f"{share} | {row['driver_cpu_per_wall_second']:.2f} |")
    lines += ["", scale_out_headline(r), ""]
    return lines


def scale_out_headline(r: dict) -> str:
    """The README's line: the share of the ideal rate at the goal's evaluator count, and what saturates."""
    goal = r["goal"]
    row = next((x for x in r["results"] if x["evaluators"] == goal["evaluators"] and x["pause"]), None)
    if row is None:
        return f"Scale-out: no run with {goal['evaluators']} evaluators recorded."
    ceiling = next((x for x in r["results"] if not x["pause"]), None)
    where = ""
    if ceiling is not None:
        rate, cpu = ceiling["evaluations_per_second"], ceiling["driver_cpu_per_wall_second"]
        where = (f"; with no sleep the same {ceiling['evaluators']} evaluators reach {rate:.0f}/s while the driver "
                 f"uses {cpu:.2f} CPU-s per s, so here the 2 cores that host every evaluator saturate first, and the "
                 f"driver alone would saturate near {rate / cpu:.0f}/s (its rate over its CPU share, an estimate)")
    met = row["share_of_ideal"] >= goal["share_of_ideal"]
    return (f"Scale-out: {row['evaluators']} evaluators on a {r['nodes']}-node local cluster, fitness sleeping "
            f"{row['pause']:g} s: {row['evaluations_per_second']:.0f} evaluations/s, {row['share_of_ideal']:.0%} of "
            f"the ideal {row['ideal_per_second']:.0f}/s (the goal, at least {goal['share_of_ideal']:.0%}: "
            f"{'met' if met else 'missed'}){where}.")



def eval_rate_section(r: dict) -> list[str]:
    """Real campaigns' evaluations per second through the interpreter, compiled, and on the baseline commit."""
    lines = [f"### Evaluations per second of real campaigns (`{r['command']}`)", "",
             f"One GP campaign of {r['seconds']:g} s per path and problem, {r['workers']} evaluators, seed "
             f"{r['seed']}; measured {r['measured']} on {r['commit']}. `baseline` is the code before the "
             "interpreter (its own defaults, run from a git worktree in the same run); `compiled` is this commit "
             "with `interpret=False`, `interpreted` with `interpret=True`, `batched` (formulas) with `batch=True` as "
             "well (the fits of one evaluator call in one vmapped call). Rates are over each campaign's second "
             "half (past the first compiles). The bound is the evaluators over the time of the seed program's own "
             "fitness, compiled and warm. A campaign's rate depends on the programs it happens to make (a policy "
             "that balances the pole runs 500 steps where a poor one ends in ten), so runs of one problem are not "
             "the same workload.", "",
             "| problem | path | evaluations/s | best score | fitness of the seed | bound/s | share of bound |",
             "|---|---|---|---|---|---|---|"]
    for p in r["problems"]:
        for path, run in p["runs"].items():
            lines.append(f"| {p['problem']} | {path} | {p['rates'][path]:.2f} | {run['best_score']:.6g} | "
                         f"{p['fitness_seconds'] * 1e3:.1f} ms | {p['bound_per_second']:.0f} | "
                         f"{p['share_of_bound'][path]:.1%} |")
    lines += ["", eval_rate_headline(r), ""]
    return lines


def eval_rate_headline(r: dict) -> str:
    """The README's line: the speed-up through the interpreter per problem, against the goals."""
    goals = r["goals"]
    parts = []
    for p in r["problems"]:
        share = p["share_of_bound"]["interpreted"]
        text = (f"{p['problem']} {p['speedup']:.2f}x of {p['speedup_against']} "
                f"({p['rates'][p['speedup_against']]:.2f} to {p['rates']['interpreted']:.2f}/s), {share:.1%} of its "
                f"bound")
        if "time_to_goal_ratio" in p:
            seconds = [p["runs"][k]["first_within_goal"]["seconds"] for k in (p["speedup_against"], "interpreted")]
            met = p["time_to_goal_ratio"] >= goals["time_to_goal_ratio"]
            text += (f", within {r['goal_ulp']} ULP after {seconds[1]:.1f} s against {seconds[0]:.1f} s (the goal, "
                     f"{goals['time_to_goal_ratio']:g}x shorter: {'met' if met else 'missed'})")
        if "batched_against_interpreted" in p:
            text += (f"; its fits batched in one vmapped call per evaluator call, {p['rates']['batched']:.2f}/s "
                     f"({p['batched_against_interpreted']:.2f}x of one fit at a time)")
        parts.append(text)
    speed_met = all(p["speedup"] >= goals["speedup"] for p in r["problems"])
    share_met = all(p["share_of_bound"]["interpreted"] >= goals["share_of_bound"] for p in r["problems"])
    where = "this 2-core CPU" if r.get("backend", "cpu") == "cpu" else f"a {r['backend'].upper()}"
    return (f"Evaluations per second through the interpreter, {r['workers']} evaluators on {where}: "
            + "; ".join(parts) + f". The goals (at least {goals['speedup']:g}x, at least {goals['share_of_bound']:.0%} "
            f"of the bound): {'met' if speed_met else 'missed'} and {'met' if share_met else 'missed'}.")

"""Agent figures: policy rollouts, policy search, LLM-calling agents."""

from __future__ import annotations


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


def _pct(x: float) -> str:
    return f"{100 * x:.1f}%"


def _verdict(r: dict) -> str | None:
    """The best evolved agent's held-out accuracy against the best seed's; None when either is missing."""
    seeds = [a for a in r["agents"] if a["kind"] == "seed" and "accuracy" in a]
    made = [a for a in r["agents"] if a["kind"] == "evolved" and "accuracy" in a]
    if not (seeds and made):
        return None
    top = max(seeds, key=lambda a: (a["accuracy"], -a["calls_per_task"]))
    verdict = ("above" if made[0]["accuracy"] > top["accuracy"] else
               "level with" if made[0]["accuracy"] == top["accuracy"] else "below")
    return (f"the best evolved agent ({_pct(made[0]['accuracy'])}) is {verdict} the best seed, {top['agent']} "
            f"({_pct(top['accuracy'])})")


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
    for a in r["agents"]:
        validation = a.get("validation_accuracy", c["seed_validation"].get(a["agent"]))
        shown = "—" if validation is None else _pct(validation)
        if "error" in a:
            lines.append(f"| {a['agent']} ({a['kind']}) | {shown} | failed: {a['error']} | | | |")
            continue
        lines.append(f"| {a['agent']} ({a['kind']}) | {shown} | {_pct(a['accuracy'])} "
                     f"({round(a['accuracy'] * a['tasks'])} of {a['tasks']}) | {_pct(a['ci_low'])} to "
                     f"{_pct(a['ci_high'])} | {a['calls_per_task']:.1f} | {a['tokens_per_task']:.0f} |")
    verdict = _verdict(r)
    if verdict:
        lines += ["", f"On the held-out split {verdict}."]
    elif any(a["kind"] == "seed" and "accuracy" in a for a in r["agents"]):
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


def agents_headline(r: dict) -> str:
    """The README's line: on how many environments each method met the issue's goal."""
    methods = list(dict.fromkeys(x["method"] for x in r["runs"]))
    return (f"Policy search, {r['seconds']:g} s an environment: the issue's goal met by " + ", ".join(
        f"{m} on {sum(x['met'] for x in r['runs'] if x['method'] == m)} of "
        f"{sum(x['method'] == m for x in r['runs'])} environments" for m in methods) + ".")


def llm_agents_headline(r: dict) -> str | None:
    """The README's line: the best evolved agent against the best seed on the held-out split."""
    verdict = _verdict(r)
    return f"LLM-calling agents, model {r['model']}: on held-out tasks {verdict}." if verdict else None

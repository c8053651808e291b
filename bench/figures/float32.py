"""float32 approximation figures: per target the best evolved program against the baselines, and the goals."""

from __future__ import annotations

SIX = ("exp2", "log2", "erf", "tanh", "sigmoid", "sin")
"""The built-in float32 targets the issue's goals count."""

PLOTS = "../bench/results"
"""The plots' folder, relative to docs/figures.md."""


def _intro(r: dict) -> list[str]:
    return [
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


def _row(x: dict) -> str:
    """One target's row: its best program, the best polynomial or rational baseline, and its goals."""
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
    return (f"| {x['target']} | {where} | {fmt(m[error])} | {m['ops']} | {speed} | "
            f"{fmt(top['metrics'][error])} ({top['metrics']['ops']}, {name}) | {within} | {at} | {met} |")


def six_goals(r: dict) -> tuple[int, list[str], list[str]] | None:
    """The two goals over the six built-in targets: how many were measured, those within 1 ULP (goal: all six),
    and those within 1 ULP with no more ops than the cheapest baseline reaching it (goal: 4); None when none of
    the six was measured."""
    builtin = [x for x in r["runs"] if x["target"] in SIX]
    if not builtin:
        return None
    return (len(builtin), [x["target"] for x in builtin if x["goals"]["within_1_ulp"]],
            [x["target"] for x in builtin if (x["goals"].get("at_goal") or {}).get("met")])


def unrivalled(r: dict, targets: list[str]) -> list[str]:
    """Those of ``targets`` where no polynomial or rational baseline reaches the level: the ops goal is met there
    by any evolved program within it, with nothing to compare its ops against."""
    return [x["target"] for x in r["runs"] if x["target"] in targets
            and (x["goals"].get("at_goal") or {}).get("baseline", False) is None]


def _cheap(cheap: list[str], alone: list[str]) -> str:
    """The targets meeting the ops goal, those without a rival baseline (``alone``) named as such."""
    return ", ".join(f"{t}, where no baseline reaches 1 ULP" if t in alone else t for t in cheap) or "none"


def _met(ok: bool) -> str:
    return "met" if ok else "missed"


def _real_track(g: dict) -> list[str]:
    """exp2_real's goals: the least error within 10 ops, and the evolved front against the minimax polynomials."""
    least = g.get("least_error_within_10_ops")
    lines = ["", f"Real-number exp2 with at most 10 operations: "
                 f"{'none evaluated' if least is None else f'{least:.2e}'} (goal 1e-10: "
                 f"{'met' if g.get('met') else 'missed'}; the degree-5 minimax polynomial: "
                 f"{g.get('minimax_degree5'):.2e})."]
    front = g.get("front_against_minimax")
    if front:
        def e(v: float | None) -> str:
            return "—" if v is None else f"{v:.2e}"

        lines += ["", "The evolved front against the minimax polynomials at each op count (the goal: below, "
                      "by more than 1%, at every count from 6 to 18; "
                      f"{'met' if front['below_everywhere'] else 'missed'}):", "",
                  "| ops at most | evolved | minimax polynomial | below |", "|---:|---:|---:|---|"]
        lines += [f"| {row['ops']} | {e(row['evolved'])} | {e(row['minimax'])} | "
                  f"{'yes' if row['below'] else 'no'} |" for row in front["rows"]]
    return lines


def _target_goals(r: dict) -> list[str]:
    """The goals of single targets: exp2 against the library, a user's target, the real-number track."""
    lines: list[str] = []
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
            lines += _real_track(g)
    return lines


def _costs_and_programs(r: dict) -> list[str]:
    """The minimax fit's cost, the baselines left out, the plots and the best evolved programs."""
    lines: list[str] = []
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
        f"[{x['target']}]({PLOTS}/{x['plot']})" for x in r["runs"]) + ".", "",
        "The best evolved programs:", ""]
    for x in r["runs"]:
        body = [line for line in x["best"]["source"].splitlines() if not line.startswith("# EVOLVE")]
        lines += [f"{x['target']}:", "", "```python", *body, "```", ""]
    return lines


def float32_section(r: dict) -> list[str]:
    """float32 approximations: per target the best evolved program, the baselines it is set against, the goals,
    the minimax fit's cost."""
    lines = [*_intro(r), *(_row(x) for x in r["runs"])]
    commits: dict[str, list[str]] = {}
    for x in r["runs"]:
        commits.setdefault(x.get("commit") or "unrecorded", []).append(x["target"])
    lines += ["", "Measured on commit " + "; ".join(f"{c} ({', '.join(t)})" for c, t in commits.items()) + "."]
    goals = six_goals(r)
    if goals:
        measured, within, cheap = goals
        alone = unrivalled(r, cheap)
        lines += ["", f"Every one of the six targets within 1 ULP (the goal): {len(within)} of {measured} "
                      f"measured ({', '.join(within) or 'none'}); {_met(len(within) == 6)}.",
                  "", f"Within 1 ULP with no more ops than the cheapest polynomial or rational baseline reaching it, "
                      f"on at least 4 of the 6 (the goal): {len(cheap)} ({_cheap(cheap, alone)}); "
                      f"{_met(len(cheap) >= 4)}."
                      + (f" Without the targets no baseline reaches, {len(cheap) - len(alone)}." if alone else "")]
    return [*lines, *_target_goals(r), *_costs_and_programs(r)]


def float32_headline(r: dict) -> str | None:
    """The README's line: the goals over the six targets."""
    goals = six_goals(r)
    if goals is None:
        return None
    measured, within, cheap = goals
    alone = unrivalled(r, cheap)
    return (f"float32 approximations, {r['seconds']:g} s a target: within 1 ULP on {len(within)} of the six "
            f"({', '.join(within) or 'none'}; {measured} measured; the goal, all six: {_met(len(within) == 6)}); "
            f"within 1 ULP at no more ops than the cheapest polynomial or rational baseline on {len(cheap)} (the "
            f"goal, at least 4: {_met(len(cheap) >= 4)}"
            + (f"; {len(alone)} of them with no baseline within 1 ULP" if alone else "")
            + ").")

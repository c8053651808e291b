"""Write the figures from the benchmarks' JSON (bench/results/*.json), so no number is typed in.

    python bench/report.py          # rewrites docs/figures.md, and the README's summary between its markers
    python bench/report.py --check  # writes nothing; exit status 1, listing them, when figures are refused

Each benchmark's part is made by its module in bench/figures/; this puts them together in order. A figure is
shown only when bench/figures/provenance.py accepts it (a clean commit, no older than the code it measures);
the decisions are recorded in bench/results/provenance.json, from which the text is written.
"""

from __future__ import annotations

import argparse
import json
import re
import sys
from collections.abc import Callable
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from bench.figures import agents, check_of, engine, faults, float32, holdout, load, provenance, symbolic  # noqa: E402

FIGURES = ROOT / "docs" / "figures.md"
README = ROOT / "README.md"
START, END = "<!-- headline:start -->", "<!-- headline:end -->"

Section = Callable[[dict], list[str]]
Headline = Callable[[dict], "str | None"]

SEEDS_COMMAND = ("python bench/symbolic.py --problems oscillator1 oscillator2 bactgrow stressstrain --seed 0 1 2 "
                 "--out bench/results/symbolic_seeds.json")
"""The command that writes symbolic_seeds.json."""

HOLDOUT_COMMAND = "python bench/symbolic.py --problems holdout --out bench/results/symbolic_holdout.json --resume"
"""The command that writes symbolic_holdout.json."""

COMMANDS = {"symbolic_seeds": SEEDS_COMMAND, "compare_commits": "python bench/compare_commits.py --baseline COMMIT",
            "symbolic_holdout": HOLDOUT_COMMAND,
            "recovery_holdout": "python bench/recovery.py --runs bench/results/symbolic_holdout.json "
                                "--out bench/results/recovery_holdout.json"}
"""The commands of the benchmarks not run by their script's name alone."""

WHOLE = {"float32": "python bench/float32.py --seconds 600", "agents": "python bench/agents.py --seconds 900"}
"""The whole run of a benchmark that keeps its earlier runs and measures the items named (targets, environments)."""

SECTIONS: tuple[tuple[str, Section, Headline | None], ...] = (
    ("demo", engine.demo_section, engine.demo_headline),
    ("dedupe", engine.dedupe_section, engine.dedupe_headline),
    ("engine_throughput", engine.throughput_section, engine.throughput_headline),
    ("compare_commits", engine.compare_commits_section, engine.compare_commits_headline),
    ("scale_out", engine.scale_out_section, engine.scale_out_headline),
    ("eval_rate", engine.eval_rate_section, engine.eval_rate_headline),
    ("bandit", engine.bandit_section, None),
    ("llm_mutation", engine.llm_section, None),
    ("formula_eval", symbolic.formula_eval_section, None),
    ("symbolic", symbolic.symbolic_section, symbolic.symbolic_headline),
    ("symbolic_seeds", symbolic.symbolic_seeds_section, None),
    ("symbolic_holdout", holdout.holdout_section, holdout.holdout_headline),
    ("agent_throughput", agents.agent_throughput_section, None),
    ("agents", agents.agents_section, agents.agents_headline),
    ("llm_agents", agents.llm_agents_section, agents.llm_agents_headline),
    ("float32", float32.float32_section, float32.float32_headline),
    ("faults", faults.faults_section, faults.faults_headline),
)
"""Each benchmark's JSON name, its section of docs/figures.md and its line in the README's summary (if any), in
the order they appear."""

INTRO = [
    "# Figures",
    "",
    "<!-- Written by `python bench/report.py` from bench/results/*.json: edit the sections in bench/figures/, "
    "not this file. -->",
    "",
    "Every number here comes from a command in `bench/`, which writes the JSON in `bench/results/`; "
    "`python bench/report.py` turns the JSON into this page. Measured on this project's 2-core, no-GPU machine. "
    "The [README](../README.md) gives the headline of each.",
    "",
]

PROVENANCE = ROOT / "bench" / "results" / "provenance.json"
"""The decisions on every figure (bench/figures/provenance.py) the last run of this command took, and the HEAD it
took them at: the text is written from these, so a checkout without the figures' history still checks it."""


def command(name: str, data: dict | None) -> str:
    """The command that (re)writes ``name``'s JSON: :data:`WHOLE` for a benchmark that adds to its earlier runs
    (its recorded command may have measured one target), else the one it records, else the usual one. Without
    ``--peers-from FILE``: the runs it copies keep the commits they were measured on, which the gate checks too,
    so a figure re-measured that way would stay withheld."""
    given = WHOLE.get(name) or (data or {}).get("command") or COMMANDS.get(name, f"python bench/{name}.py")
    return re.sub(r"\s+--peers-from\s+\S+", "", given)


def rerun_commands(name: str, data: dict | None, decisions: dict) -> list[str]:
    """The commands that measure again what keeps ``name``'s figure (``data``, None when not measured yet) from
    being shown: its own (when it is refused or missing), then those of the refused JSONs its section shows too,
    in the order to run them; [] when it is shown."""
    if not data:
        return [command(name, data)]
    names = ([name] if _own(name, data, decisions) else []) + [
        other for other in shown_with(name, data) if _own(other, load(other) or {}, decisions)]
    if check := unchecked(name, data):
        names.append(check)
    return [command(n, load(n) if n != name else data) for n in names]


def rerun(name: str, data: dict, decisions: dict) -> str:
    """:func:`rerun_commands` as the text of a withheld figure says it."""
    return ", then ".join(f"`{c}`" for c in rerun_commands(name, data, decisions) or [command(name, data)])


def shown_with(name: str, data: dict) -> list[str]:
    """The other JSONs ``name``'s section shows beside ``data`` (a symbolic check only when it checked these
    runs)."""
    shown = []
    for other in provenance.COMPANIONS.get(name, ()):
        extra = load(other)
        if extra is None or (other.startswith("recovery") and check_of(other, data) is None):
            continue
        shown.append(other)
    return shown


def unchecked(name: str, data: dict) -> str | None:
    """The symbolic check ``name``'s figure needs and lacks (:data:`provenance.CHECKED_BY`): its JSON's name, or
    None."""
    check = provenance.CHECKED_BY.get(name)
    return check if check and check not in shown_with(name, data) else None


def figures() -> dict[str, dict]:
    """Every JSON a section shows, by name."""
    found = {}
    for name, _, _ in SECTIONS:
        data = load(name)
        if data is not None:
            found[name] = data
            found.update({other: load(other) for other in shown_with(name, data)})
    return found


def recorded() -> dict:
    """The decisions :data:`PROVENANCE` records ({} when it is missing)."""
    return json.loads(PROVENANCE.read_text()) if PROVENANCE.exists() else {}


def _own(name: str, data: dict, decisions: dict) -> list[str]:
    decision = decisions.get("figures", {}).get(name)
    if decision is None or (decision.get("commit"), decision.get("measured")) != (data.get("commit"),
                                                                                   data.get("measured")):
        return ["no decision recorded on this run: run `python bench/report.py`"]
    return [] if decision.get("status") == "accepted" else list(decision.get("reasons") or ["refused"])


def withheld(name: str, data: dict, decisions: dict) -> list[str]:
    """Why ``name``'s figure (``data``) is not shown, by ``decisions`` on it and on the JSONs its section shows
    too; [] when it is shown."""
    reasons = _own(name, data, decisions)
    for other in shown_with(name, data):
        why = _own(other, load(other) or {}, decisions)
        if why:
            reasons.append(f"it shows {other}.json, withheld too ({provenance.short(why[0])})")
    if check := unchecked(name, data):
        reasons.append(f"the symbolic check of its models, {check}.json, was not run on these runs")
    return reasons


def heading(name: str, section: Section, data: dict) -> str:
    """The heading of ``name``'s section (``## name`` when its section cannot be written from ``data``)."""
    try:
        first = section(data)[0]
    except (KeyError, IndexError, TypeError, ValueError):
        first = ""
    return first if first.startswith("#") else f"## {name}"


def withheld_section(name: str, section: Section, data: dict, reasons: list[str], decisions: dict) -> list[str]:
    """A refused figure's part of docs/figures.md: its heading, why it is withheld (``reasons``) and what to run
    (:func:`rerun`, from ``decisions``)."""
    when = f"{data.get('commit') or 'an unrecorded commit'} ({data.get('measured') or 'date unrecorded'})"
    return [heading(name, section, data), "",
            f"Withheld: measured on {when}; {'; '.join(reasons)}. Re-run {rerun(name, data, decisions)} on a "
            "clean checkout, then `python bench/report.py`.", ""]


def figures_text(decisions: dict) -> str:
    """docs/figures.md: every section whose figure ``decisions`` accept, the reasons for each one they refuse,
    and for a benchmark not yet run the command that runs it."""
    parts = list(INTRO)
    for name, section, _ in SECTIONS:
        data = load(name)
        if not data:
            parts += [f"Not measured yet (no bench/results/{name}.json): run `{command(name, data)}`.", ""]
            continue
        reasons = withheld(name, data, decisions)
        parts += withheld_section(name, section, data, reasons, decisions) if reasons else section(data)
    return "\n".join(parts).rstrip("\n") + "\n"


def headline_text(decisions: dict) -> str:
    """The README's summary: one line per headline figure; for one ``decisions`` refuse, that it is withheld."""
    lines = []
    for name, section, headline in SECTIONS:
        data = load(name)
        if not (headline and data):
            continue
        reasons = withheld(name, data, decisions)
        if reasons:
            title = re.sub(r"\s*\(`[^`]*`\)\s*$", "", heading(name, section, data).lstrip("#").strip())
            why = provenance.short(reasons[0])
            lines.append(f"- {title}: withheld ({why}); re-run {rerun(name, data, decisions)}.")
        elif line := headline(data):
            lines.append(f"- {line}")
    return "\n".join(lines) + "\n"


def check(decisions: dict) -> list[str]:
    """One line per figure ``decisions`` refuse (or cannot check): its name and reasons."""
    return [f"{name}: {'; '.join(reasons)}" for name, _, _ in SECTIONS if (data := load(name))
            and (reasons := withheld(name, data, decisions))]


def main(argv: list[str] | None = None) -> int:
    """Decide on every figure (recorded in :data:`PROVENANCE`), then rewrite docs/figures.md whole and the
    README's summary between :data:`START` and :data:`END`; with ``--check`` write nothing and exit 1 when a
    figure is refused."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--check", action="store_true", help="exit 1, listing them, when figures are refused")
    args = parser.parse_args(argv)
    decisions = provenance.decide_all(figures(), ROOT)
    if args.check:
        refused = check(decisions)
        print("\n".join(["Refused figures:", *refused]) if refused else "Every figure is accepted.",
              file=sys.stderr if refused else sys.stdout)
        return 1 if refused else 0
    text = README.read_text()
    if START not in text or END not in text:
        print(f"README.md lacks the markers {START} / {END}", file=sys.stderr)
        return 1
    PROVENANCE.write_text(json.dumps(decisions, indent=2) + "\n")
    FIGURES.parent.mkdir(exist_ok=True)
    FIGURES.write_text(figures_text(decisions))
    head, rest = text.split(START, 1)
    _, tail = rest.split(END, 1)
    README.write_text(head + START + "\n" + headline_text(decisions) + END + tail)
    print("bench/results/provenance.json, docs/figures.md and the README's summary rewritten from bench/results/")
    return 0


if __name__ == "__main__":
    sys.exit(main())

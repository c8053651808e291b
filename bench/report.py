"""Write the figures from the benchmarks' JSON (bench/results/*.json), so no number is typed in.

    python bench/report.py        # rewrites docs/figures.md, and the README's summary between its markers

Each benchmark's part is made by its module in bench/figures/; this puts them together in order.
"""

from __future__ import annotations

import sys
from collections.abc import Callable
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from bench.figures import agents, engine, faults, float32, load, symbolic  # noqa: E402

FIGURES = ROOT / "docs" / "figures.md"
README = ROOT / "README.md"
START, END = "<!-- headline:start -->", "<!-- headline:end -->"

Section = Callable[[dict], list[str]]
Headline = Callable[[dict], "str | None"]

SEEDS_COMMAND = ("python bench/symbolic.py --problems oscillator1 oscillator2 bactgrow stressstrain --seed 0 1 2 "
                 "--out bench/results/symbolic_seeds.json")
"""The command that writes symbolic_seeds.json."""

COMMANDS = {"symbolic_seeds": SEEDS_COMMAND, "compare_commits": "python bench/compare_commits.py --baseline COMMIT"}
"""The commands of the benchmarks not run by their script's name alone."""

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

EXP2_BENCHES = ("demo", "dedupe", "bandit", "llm_mutation")
"""Benchmarks that run exp2 campaigns."""

STALE = ("*Measured before exp2 moved onto the float32 family (2\\*\\*22 sampled points instead of 2\\*\\*20, "
         "islands that keep the Pareto front) and before benchmarks recorded their commit: the same command on "
         "the current code gives the current figures.*")


def stale(name: str, data: dict) -> bool:
    """Whether an exp2 benchmark's JSON predates the float32 family (it records no commit)."""
    return name in EXP2_BENCHES and not data.get("commit")


def with_caveat(name: str, data: dict, part: list[str]) -> list[str]:
    """A section, with :data:`STALE` under its heading when :func:`stale`."""
    return [*part[:2], STALE, "", *part[2:]] if stale(name, data) else part


def figures_text() -> str:
    """docs/figures.md: every section, or for a benchmark not yet run the command that runs it."""
    parts = list(INTRO)
    for name, section, _ in SECTIONS:
        data = load(name)
        command = COMMANDS.get(name, f"python bench/{name}.py")
        parts += (with_caveat(name, data, section(data)) if data
                  else [f"`bench/results/{name}.json` is missing: run `{command}`.", ""])
    return "\n".join(parts).rstrip("\n") + "\n"


def headline_text() -> str:
    """The README's summary: one line per headline figure, with a caveat on a stale one."""
    lines = []
    for name, _, headline in SECTIONS:
        data = load(name)
        line = headline(data) if headline and data else None
        if line:
            lines.append(f"- {line}" + (" *(measured on older code)*" if stale(name, data) else ""))
    return "\n".join(lines) + "\n"


def main() -> int:
    """Rewrite docs/figures.md whole and the README's summary between :data:`START` and :data:`END`."""
    text = README.read_text()
    if START not in text or END not in text:
        print(f"README.md lacks the markers {START} / {END}", file=sys.stderr)
        return 1
    FIGURES.parent.mkdir(exist_ok=True)
    FIGURES.write_text(figures_text())
    head, rest = text.split(START, 1)
    _, tail = rest.split(END, 1)
    README.write_text(head + START + "\n" + headline_text() + END + tail)
    print("docs/figures.md and the README's summary rewritten from bench/results/")
    return 0


if __name__ == "__main__":
    sys.exit(main())

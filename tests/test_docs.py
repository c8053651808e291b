"""The README and docs/ stay true to the tree: every relative link reaches a file (and a heading, when it names
one), every repository path they quote exists, and the example problem they show runs."""

from __future__ import annotations

import re
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
PAGES = [ROOT / "README.md", *sorted((ROOT / "docs").glob("*.md"))]
QUOTED_PATH = re.compile(r"`((?:evolve|archive|problems|bench|tests|examples|notebooks|docs)/[\w./-]*)`")


def anchors(page: Path) -> set[str]:
    """The anchors GitHub makes of a page's headings: lower case, punctuation dropped, spaces as hyphens."""
    text = re.sub(r"```.*?```", "", page.read_text(), flags=re.DOTALL)
    return {re.sub(r"[^\w\- ]", "", h.strip().lower()).replace(" ", "-")
            for h in re.findall(r"^#+ (.+)$", text, flags=re.MULTILINE)}


def test_every_relative_link_resolves():
    broken = []
    for page in PAGES:
        for target in re.findall(r"\]\(([^)\s]+)\)", page.read_text()):
            if re.match(r"[a-z]+://", target):
                continue
            file, _, anchor = target.partition("#")
            where = (page.parent / file).resolve() if file else page
            if not where.exists() or (anchor and where.suffix == ".md" and anchor not in anchors(where)):
                broken.append(f"{page.relative_to(ROOT)}: {target}")
    assert not broken, broken


def test_every_quoted_repository_path_exists():
    missing = [f"{page.relative_to(ROOT)}: {path}" for page in PAGES for path in QUOTED_PATH.findall(page.read_text())
               if not (ROOT / path).exists()]
    assert not missing, missing


def test_the_example_problem_of_the_manual_runs():
    from evolve import load_problem, program

    problem = load_problem(str(ROOT / "examples" / "sin.py"))
    result = problem.evaluate(program.compile_program(problem.seed, problem.entrypoint))
    assert problem.name == "sin" and 0.15 < result.score < 0.16  # x against sin(x) at x = 1

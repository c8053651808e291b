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
    from evolve import load_problem
    from evolve.programs import program

    problem = load_problem(str(ROOT / "examples" / "sin.py"))
    result = problem.evaluate(program.compile_program(problem.seed, problem.entrypoint))
    assert problem.name == "sin" and 0.15 < result.score < 0.16  # x against sin(x) at x = 1


def test_the_layout_table_names_every_folder_and_every_engine_module():
    """A newcomer finds the room for a change by folder name: docs/design.md's layout has a row per package, and the
    row of each engine and archive folder names every module in it."""
    design = (ROOT / "docs" / "design.md").read_text()
    layout = design[design.index("## Layout"):]
    rows = {m.group(1): m.group(2) for m in re.finditer(r"^\| `([\w/]+/)` \|[^|]*\|([^\n]*)\|$", layout, re.MULTILINE)}
    packages = sorted(str(p.parent.relative_to(ROOT)) + "/" for top in ("evolve", "archive", "problems")
                      for p in (ROOT / top).rglob("__init__.py"))
    assert [p for p in packages if p not in rows and p != "problems/"] == []
    unnamed = [f"{p}{m.name}" for p in packages if p.startswith(("evolve", "archive"))
               for m in sorted((ROOT / p).glob("*.py")) if m.name != "__init__.py" and f"`{m.name}`" not in rows[p]]
    assert unnamed == []

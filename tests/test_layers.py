"""The package layers: ``archive`` imports nothing from ``evolve``, and the pure modules the engine shares with
it (the vocabulary, the Pareto code) import without SQLAlchemy, Ray or JAX."""

from __future__ import annotations

import ast
import subprocess
import sys
from pathlib import Path

from archive.vocabulary import STATUSES, Status

ROOT = Path(__file__).resolve().parents[1]


def imported_modules(path: Path) -> set[str]:
    """The top-level names of the modules a file imports (absolute imports only)."""
    names = set()
    for node in ast.walk(ast.parse(path.read_text())):
        if isinstance(node, ast.Import):
            names.update(alias.name.split(".")[0] for alias in node.names)
        elif isinstance(node, ast.ImportFrom) and node.level == 0 and node.module:
            names.add(node.module.split(".")[0])
    return names


def test_the_archive_imports_nothing_from_the_engine():
    offenders = [str(p.relative_to(ROOT)) for p in sorted((ROOT / "archive").rglob("*.py"))
                 if "evolve" in imported_modules(p)]
    assert not offenders, offenders


def test_the_shared_pure_modules_import_without_sqlalchemy_ray_or_jax():
    code = ("import sys, archive.vocabulary, archive.pareto\n"
            "heavy = sorted(m for m in sys.modules if m.split('.')[0] in ('sqlalchemy', 'ray', 'jax', 'evolve'))\n"
            "print(','.join(heavy))")
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, cwd=ROOT, timeout=60)
    assert done.returncode == 0 and done.stdout.strip() == "", done.stdout + done.stderr


def test_the_engine_imports_no_problem_family_at_module_level():
    """``evolve`` reads a family's extensions through generic ones (or not at all); it imports ``problems`` only
    inside the functions that look the built-ins up."""
    offenders = []
    for path in sorted((ROOT / "evolve").rglob("*.py")):
        for node in ast.parse(path.read_text()).body:
            names = ([a.name for a in node.names] if isinstance(node, ast.Import)
                     else [node.module or ""] if isinstance(node, ast.ImportFrom) and node.level == 0 else [])
            offenders += [f"{path.relative_to(ROOT)}: {n}" for n in names if n.split(".")[0] == "problems"]
    assert not offenders, offenders
    code = ("import sys, evolve, evolve.fitting.tuning, evolve.mutators.extensions, evolve.mutators.gp, "
            "evolve.llm.evaluation\n"
            "print(','.join(sorted(m for m in sys.modules if m.split('.')[0] == 'problems')))")
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, cwd=ROOT, timeout=120)
    assert done.returncode == 0 and done.stdout.strip() == "", done.stdout + done.stderr


def test_statuses_are_plain_text_where_stored():
    assert STATUSES == ("ok", "invalid", "error", "timeout", "duplicate")
    assert Status.OK == "ok" and f"{Status.DUPLICATE}" == "duplicate" and str(Status.ERROR) == "error"


def test_the_benchmarks_import_nothing_from_the_tests():
    """The tests may import bench/ (its reports, its fault code), never the other way round."""
    test_modules = {p.stem for p in (ROOT / "tests").rglob("*.py")} | {"tests"}
    offenders = [str(p.relative_to(ROOT)) for p in sorted((ROOT / "bench").rglob("*.py"))
                 if "hostile" not in p.parts and (imported_modules(p) & test_modules
                                                  or '"tests"' in p.read_text())]
    assert not offenders, offenders

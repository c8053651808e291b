"""Every benchmark script imports: a module moved or renamed elsewhere must not leave a bench that fails only
when someone runs it (bench/formula_eval.py imported ``feynman`` from ``evolve.programs`` long after it moved)."""

from __future__ import annotations

import importlib
from pathlib import Path

import pytest

BENCH = Path(__file__).resolve().parent.parent / "bench"
SCRIPTS = sorted(p.stem for p in BENCH.glob("*.py") if p.stem != "__init__")


def test_the_list_of_benchmarks_is_not_empty():
    assert {"formula_eval", "float32", "symbolic", "report"} <= set(SCRIPTS)


@pytest.mark.parametrize("name", SCRIPTS)
def test_a_benchmark_script_imports(name: str):
    module = importlib.import_module(f"bench.{name}")
    if (BENCH / f"{name}.py").read_text().count('__name__ == "__main__"'):
        assert callable(getattr(module, "main", None)), f"bench/{name}.py runs as a script but has no main()"

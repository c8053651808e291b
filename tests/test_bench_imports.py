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


def test_the_campaign_report_eval_rate_runs_on_a_baseline_commit_is_self_contained():
    # baseline_report runs campaign_report's source alone in another commit's worktree: a name it takes from the
    # module (as `finished` once was) fails there, after the whole benchmark's other campaigns ran.
    import builtins
    import inspect
    import symtable
    import textwrap

    from bench.eval_rate import campaign_report

    table = symtable.symtable(textwrap.dedent(inspect.getsource(campaign_report)), "eval_rate", "exec")
    function = next(t for t in table.get_children() if t.get_name() == "campaign_report")

    def free(t: symtable.SymbolTable) -> set[str]:
        names = {s.get_name() for s in t.get_symbols() if s.is_global() and s.is_referenced()}
        return names.union(*(free(c) for c in t.get_children()))
    assert {n for n in free(function) if not hasattr(builtins, n)} == set()

"""Reading a campaign: the analysis queries, every plot, the HTML report and the notebooks."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from archive import Archive, analysis, plots
from archive.records import ProgramRecord
from archive.report import write_report

ROOT = Path(__file__).resolve().parent.parent
SEED = "def f(x):\n    return 1.0 + x\n"


def _program(pid, cid, score, operator, island=0, status="ok", **kw):
    source = f"def f(x):\n    return {pid / 10} + x\n"
    metrics = {"max_ulp": int(score), "ops": pid % 5 + 1} if status == "ok" else None
    return ProgramRecord(id=pid, campaign_id=cid, source=source, status=status, operator=operator,
                         score=score if status == "ok" else None, metrics=metrics, island=island,
                         generation=1, created_at=1000.0 + pid, **kw)


@pytest.fixture
def small(tmp_path):
    """An archive with one campaign of every kind of row: ok, error, invalid, duplicate, a migration copy, a
    crossover child, an LLM child with its call, and the bandit's arms."""
    db = tmp_path / "small.sqlite"
    a = Archive(db)
    cid = a.create_campaign("small", "exp2", {"budget": 12}, 0, "min", objectives=[("max_ulp", "min"), ("ops", "min")])
    rows = [
        _program(1, cid, 100.0, "seed").replace(source=SEED),
        _program(2, cid, 80.0, "perturb_constant", 0),
        _program(3, cid, 90.0, "swap_operator", 1),
        _program(4, cid, None, "insert_term+tune", 1, status="error", error="boom"),
        _program(5, cid, 40.0, "insert_term+tune", 0),
        _program(6, cid, None, "swap_operator", 1, status="duplicate", duplicate_of=2, duplicate_by="func"),
        _program(7, cid, 40.0, "migration", 1),
        _program(8, cid, 30.0, "crossover", 1),
        _program(9, cid, None, "llm-diff", 0, status="invalid", error="no code", model="m"),
        _program(10, cid, 20.0, "llm-full", 1, model="m", tokens_in=50, tokens_out=20),
        _program(11, cid, 50.0, "tune_constants", 0),
    ]
    edges = [(2, 1, "parent"), (3, 1, "parent"), (4, 2, "parent"), (5, 2, "parent"), (6, 1, "parent"),
             (7, 5, "migration"), (8, 7, "parent"), (8, 3, "crossover"), (9, 5, "parent"), (10, 8, "parent"),
             (10, 2, "inspiration"), (11, 5, "parent")]
    calls = [{"campaign_id": cid, "program_id": 9, "model": "m", "mode": "diff", "prompt": [], "response": "no"},
             {"campaign_id": cid, "program_id": 10, "model": "m", "mode": "full", "prompt": [], "response": "ok",
              "tokens_in": 50, "tokens_out": 20, "latency": 0.5}]
    arms = [{"campaign_id": cid, "name": n, "pulls": p, "successes": s, "reward": r, "cost": c}
            for n, p, s, r, c in (("perturb_constant", 1, 1, 0.2, 0.01), ("swap_operator", 2, 0, 0.0, 0.02),
                                  ("insert_term", 2, 1, 0.5, 2.0), ("crossover", 1, 1, 0.25, 0.01),
                                  ("tune_constants", 1, 0, 0.0, 0.3), ("llm-diff", 1, 0, 0.0, 0.1),
                                  ("llm-full", 1, 1, 0.33, 0.2))]
    a.add(rows, edges, calls, arms)
    a.close()
    reader = Archive(db, readonly=True)
    yield db, cid, reader
    reader.close()


def _png(path: Path) -> None:
    data = path.read_bytes()
    assert data[:8] == b"\x89PNG\r\n\x1a\n" and len(data) > 2000, path


def test_every_plot_writes_a_png(small, tmp_path):
    _db, cid, a = small
    figures = {"best": plots.plot_best(a, cid), "status": plots.plot_status(a, cid),
               "operators": plots.plot_operators(a, cid), "lineage": plots.plot_lineage(a, 10),
               "lineage_best": plots.plot_lineage(a, campaign_id=cid), "pareto": plots.plot_pareto(a, cid),
               "compare": plots.plot_compare(analysis.compare_frame([("x", str(_db), cid)]), "seconds")}
    for name, fig in figures.items():
        _png(plots.save(fig, tmp_path / "png" / f"{name}.png"))


def test_best_so_far_follows_evaluations(small):
    _db, cid, a = small
    frame = analysis.programs_frame(a, cid)
    assert {"metric.max_ulp", "metric.ops", "seconds", "proposal"} <= set(frame.columns)
    curve = analysis.best_so_far(frame, "min")
    # The seed is evaluation 0; the error counts as an evaluation, the duplicate, invalid and copy do not.
    assert list(curve["id"]) == [1, 2, 3, 4, 5, 8, 10, 11]
    assert list(curve["evaluations"]) == [0, 1, 2, 3, 4, 5, 6, 7]
    assert list(curve["best"]) == [100, 80, 80, 80, 40, 30, 20, 20]  # no gap at the error
    per_island = analysis.best_so_far(frame, "min", per_island=True)
    assert list(per_island[per_island["island"] == 1]["best"]) == [90, 90, 30, 20]
    assert list(analysis.best_so_far(frame, "max")["best"]) == [100] * 8


def test_pareto_front_keeps_the_non_dominated(small):
    _db, cid, a = small
    frame = analysis.programs_frame(a, cid)
    front = analysis.pareto_front(frame, a.objectives(cid))
    points = sorted(zip(front["metric.max_ulp"], front["metric.ops"], strict=True))
    # (ulp, ops) of the ok non-copies: 1:(100,2) 2:(80,3) 3:(90,4) 5:(40,1) 8:(30,4) 10:(20,1) 11:(50,2)
    assert points == [(20, 1)]
    front = analysis.pareto_front(frame, [("max_ulp", "min"), ("ops", "max")])
    assert sorted(front["id"]) == [8, 10]  # 10: best ulp; 8: 4 ops at 30 ulp; 3 (4 ops at 90) is dominated by 8
    with pytest.raises(KeyError, match="neither the score nor a metric"):
        analysis.pareto_front(frame, [("speed", "max"), ("ops", "min")])
    assert a.objectives(cid) == [("max_ulp", "min"), ("ops", "min")]
    with pytest.raises(ValueError, match="two objectives"):
        plots.plot_pareto(a, cid, [("score", "min")])


def test_lineage_graph_and_diff(small):
    _db, _cid, a = small
    graph = analysis.lineage_graph(a, 10)
    assert graph.chain == [10, 8, 7, 5, 2, 1]
    assert (8, 3, "crossover") in graph.edges and 3 in graph.nodes
    assert all(role != "inspiration" for _, _, role in graph.edges)
    assert graph.nodes[10]["operator"] == "llm-full" and not graph.truncated
    assert analysis.lineage_graph(a, 10, max_nodes=6).truncated
    change = analysis.diff(a, 5)
    assert "-    return 0.2 + x" in change and "+    return 0.5 + x" in change and "#2" in change
    assert analysis.diff(a, 1) == ""


def test_operator_and_llm_tables(small):
    _db, cid, a = small
    ops = analysis.operator_frame(a, cid).set_index("operator")
    assert "seed" not in ops.index and "migration" not in ops.index
    assert ops.loc["insert_term+tune", "arm"] == "insert_term" and ops.loc["insert_term+tune", "cost_seconds"] == 2.0
    assert ops.loc["insert_term+tune", "improved"] == 1 and ops.loc["insert_term+tune", "proposed"] == 2
    llm = analysis.llm_frame(a, cid)
    assert set(llm["mode"]) == {"diff", "full"} and llm["calls"].sum() == 2


def test_compare_frame_bands_over_campaigns(tmp_path):
    db = tmp_path / "cmp.sqlite"
    a = Archive(db)
    ids = []
    for finals in ((100.0, 50.0, 10.0), (100.0, 70.0, 30.0)):
        cid = a.create_campaign("c", "exp2", {}, 0, "min")
        start = 1 if not ids else 10
        rows = [_program(start, cid, 100.0, "seed")]
        rows += [_program(start + i, cid, s, "perturb_constant") for i, s in enumerate(finals[1:], 1)]
        a.add(rows, [(start + i, start + i - 1, "parent") for i in range(1, len(finals))])
        ids.append(cid)
    a.close()
    curves = analysis.compare_frame([("gp", str(db), ids[0]), ("gp", str(db), ids[1])])
    summary = analysis.band(curves, "evaluations", points=3)
    assert list(summary["median"]) == [100.0, 60.0, 20.0]
    assert list(summary["low"]) == [100.0, 50.0, 10.0] and list(summary["high"]) == [100.0, 70.0, 30.0]
    assert set(summary["runs"]) == {2}
    with pytest.raises(ValueError, match="at least one"):
        analysis.compare_frame([])


def test_report_references_only_files_that_exist(small, tmp_path, capsys):
    db, cid, _a = small
    path = write_report(db, tmp_path / "report", cid, progress=False)
    page = path.read_text()
    refs = re.findall(r"""(?:src|href)=['"]([^'"]+)['"]""", page)
    assert len(refs) == 5  # best, status, operators, lineage, pareto
    for ref in refs:
        _png(path.parent / ref)
    assert "Best program: #10" in page and "return 1.0 + x" in page and "llm-full" in page
    from evolve.cli import main

    assert main(["report", str(db), "--out", str(tmp_path / "cli"), "--no-progress"]) == 0
    assert (tmp_path / "cli" / "index.html").is_file() and "wrote" in capsys.readouterr().out


def test_reader_sees_a_running_campaign_grow(ray_session, tmp_path, small_exp2):
    from evolve import Campaign

    db = tmp_path / "live.sqlite"
    seen: list[int] = []
    readers: list[Archive] = []

    def look(campaign):
        if not readers:
            readers.append(Archive(db, readonly=True))
        frame = analysis.programs_frame(readers[0])  # the same reader, queried again: it sees new rows
        seen.append(len(frame))
        if len(seen) == 3:
            plots.plot_best(readers[0])  # and plots a campaign that is still running

    Campaign(small_exp2, db=str(db), budget=48, workers=1, batch_size=8, progress=False, tune_steps=50).run(look)
    readers[0].close()
    assert len(seen) >= 3 and seen == sorted(seen) and seen[-1] > seen[0]


def test_notebooks_run_headless_on_a_fresh_archive(ray_session, tmp_path, small_exp2):
    import papermill

    from evolve import Campaign

    db = tmp_path / "nb.sqlite"
    for seed in (0, 1):
        Campaign(small_exp2, db=str(db), budget=32, seed=seed, workers=1, batch_size=8, progress=False,
                 tune_steps=50).run()
    for name, parameters in (("inspect_archive", {"db": str(db), "campaign_id": 1, "program_id": None}),
                             ("compare_campaigns", {"runs": [["seed 0", str(db), 1], ["seed 1", str(db), 2],
                                                             ["both", str(db), 1], ["both", str(db), 2]]})):
        out = tmp_path / f"{name}.ipynb"
        papermill.execute_notebook(str(ROOT / "notebooks" / f"{name}.ipynb"), str(out), parameters=parameters,
                                   kernel_name="python3", cwd=str(ROOT / "notebooks"), progress_bar=False)
        images = out.read_text().count('"image/png"')
        assert images >= (4 if name == "inspect_archive" else 2), f"{name} drew {images} plots"
        if name == "inspect_archive":  # the campaign's verification stage judged its best programs
            assert "checked programs are overrated" in out.read_text()


def test_notebooks_are_committed_without_outputs():
    import nbformat

    for path in (ROOT / "notebooks").glob("*.ipynb"):
        book = nbformat.read(path, as_version=4)
        code = [c for c in book.cells if c.cell_type == "code"]
        assert code and all(not c.outputs and c.execution_count is None for c in code), path
        assert "parameters" in code[0].metadata.get("tags", []), f"{path}: the first code cell holds the parameters"

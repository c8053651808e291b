"""``evolve report``: a campaign's plots as PNG files and an ``index.html`` that shows them with the best
program, its lineage and the tables, openable from disk with no server."""

from __future__ import annotations

import html
import json
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

from archive import analysis, plots
from archive.store import Archive

_STYLE = """
body { font-family: system-ui, sans-serif; margin: 2em auto; max-width: 1150px; color: #222; }
img { max-width: 100%; border: 1px solid #ddd; margin: 0.5em 0; }
pre { background: #f6f8fa; padding: 0.8em; overflow-x: auto; font-size: 0.85em; }
table { border-collapse: collapse; font-size: 0.85em; margin: 0.5em 0; }
td, th { border: 1px solid #ccc; padding: 0.2em 0.6em; text-align: right; }
th { background: #f0f0f0; } td:first-child, th:first-child { text-align: left; }
.note { color: #666; font-size: 0.9em; }
"""


def _table(rows: list[dict[str, Any]]) -> str:
    if not rows:
        return "<p class='note'>none</p>"
    keys = list(rows[0])
    head = "".join(f"<th>{html.escape(str(k))}</th>" for k in keys)
    body = "".join("<tr>" + "".join(f"<td>{html.escape(_cell(r.get(k)))}</td>" for k in keys) + "</tr>"
                   for r in rows)
    return f"<table><tr>{head}</tr>{body}</table>"


def _cell(value: Any) -> str:
    if value is None or (isinstance(value, float) and value != value):
        return "-"
    if isinstance(value, float):
        return f"{value:.6g}"
    return str(value)


def _records(frame: Any) -> list[dict[str, Any]]:
    return [{k: (None if v != v else v) if isinstance(v, float) else v for k, v in row.items()}
            for row in frame.to_dict("records")]


def write_report(db: str | Path, out: str | Path, campaign_id: int | None = None, *,
                 progress: bool = True) -> Path:
    """Write the plots of a campaign (the latest when None) and an ``index.html`` into ``out``; return the
    HTML's path. The archive is opened read-only, so a running campaign can be reported on."""
    from tqdm.auto import tqdm

    out = Path(out)
    out.mkdir(parents=True, exist_ok=True)
    with Archive(db, readonly=True) as archive:
        campaign = archive.campaign(campaign_id)
        cid = campaign.id
        best = archive.best(1, cid)
        objectives = archive.objectives(cid)
        figures: list[tuple[str, str, str, Callable[[], Any]]] = [
            ("best.png", "Best score", "How fast the search improved, overall and on each island; a flat tail "
             "means it has stalled.", lambda: plots.plot_best(archive, cid)),
            ("status.png", "Outcomes", "What became of the proposals, and how many evaluations the code and "
             "functional hashes saved.", lambda: plots.plot_status(archive, cid)),
            ("operators.png", "Operators", "Which operators made children that beat their parents, and where "
             "the time went.", lambda: plots.plot_operators(archive, cid)),
        ]
        if best:
            figures.append(("lineage.png", "Lineage of the best program", "The steps from the seed to the best "
                            "program; side branches are crossover partners and migrations.",
                            lambda: plots.plot_lineage(archive, best[0].id)))
        if len(objectives) >= 2:
            figures.append(("pareto.png", "Pareto front", "Programs no other beats on every objective: the "
                            "trade-offs on offer.", lambda: plots.plot_pareto(archive, cid, objectives)))
        sections = []
        steps = tqdm(figures, desc="report", unit="plot", disable=not progress)
        for name, title, prose, make in steps:
            steps.set_postfix_str(name)
            fig = make()
            plots.save(fig, out / name)
            sections.append(f"<h2>{html.escape(title)}</h2><p>{html.escape(prose)}</p>"
                            f"<img src='{name}' alt='{html.escape(title)}'>")
        stats = archive.stats(cid)
        tables = _tables(archive, cid, stats, best[0] if best else None)
    page = _page(campaign, stats, sections, tables)
    path = out / "index.html"
    path.write_text(page, encoding="utf-8")
    return path


def _tables(archive: Archive, cid: int, stats: dict[str, Any], best: Any) -> str:
    parts = ["<h2>Operators</h2>", _table(_records(analysis.operator_frame(archive, cid)))]
    llm = analysis.llm_frame(archive, cid)
    if len(llm):
        parts += ["<h2>LLM calls</h2>", _table(_records(llm))]
    verdicts = archive.verdicts(cid)
    if verdicts:
        rows = archive.rows_by_id(list(verdicts))
        parts += ["<h2>Verified</h2>", "<p>The problem's independent check of the best programs and the Pareto "
                  "front (<code>evolve verify</code>); <i>overrated</i>: the check failed, or its figure is worse "
                  "than the search score.</p>",
                  _table([{"program": f"#{v.program_id}", "search score": rows[v.program_id].score,
                           "verified score": v.score, "passed": v.passed, "overrated": v.worse, "detail": v.detail}
                          for v in verdicts.values() if v.program_id in rows])]
    if best is None:
        return "".join(parts)
    metrics = ", ".join(f"{k} = {_cell(v)}" for k, v in (best.metrics or {}).items())
    parts += [f"<h2>Best program: #{best.id}</h2>",
              f"<p>score {_cell(best.score)} ({html.escape(metrics)}), made by {html.escape(best.operator)}"
              f" in generation {best.generation}</p>", f"<pre>{html.escape(best.source)}</pre>",
              "<h2>Its lineage</h2>"]
    steps = archive.lineage(best.id)
    parts.append(_table([{"program": f"#{s.program.id}", "score": s.program.score, "change": s.score_change,
                          "operator": s.program.operator, "edge to parent": s.role} for s in steps]))
    for step in steps:
        if step.parent_id is None or step.role != "parent":
            continue
        change = analysis.diff(archive, step.program.id, step.parent_id)
        if change:
            parts.append(f"<details><summary>#{step.program.id} against its parent #{step.parent_id} "
                         f"({html.escape(step.program.operator)})</summary><pre>{html.escape(change)}</pre>"
                         "</details>")
    return "".join(parts)


def _page(campaign: Any, stats: dict[str, Any], sections: list[str], tables: str) -> str:
    counts = ", ".join(f"{k} {v}" for k, v in stats["counts"].items())
    dup = stats["duplicates_by"]
    config = {k: campaign.config.get(k) for k in ("budget", "seed", "workers", "mutator", "operator_choice",
                                                    "islands", "island_size", "llm_model") if k in campaign.config}
    head = (f"<h1>Campaign {campaign.id}: {html.escape(campaign.name)}</h1>"
            f"<p>problem <b>{html.escape(campaign.problem)}</b>, {html.escape(campaign.direction)}imise, "
            f"status <b>{html.escape(campaign.status)}</b>, started "
            f"{time.strftime('%Y-%m-%d %H:%M', time.localtime(campaign.created_at))}</p>"
            f"<p>best score <b>{_cell(stats['best_score'])}</b>; programs: {counts}; duplicates skipped by code "
            f"hash {dup['code']}, by functional hash {dup['func']}; {_cell(stats['evaluations_per_second'])} "
            f"evaluations/s over {_cell(stats['wall_seconds'])} s</p>"
            f"<p class='note'>settings: {html.escape(json.dumps(config))}</p>")
    return (f"<!DOCTYPE html><html><head><meta charset='utf-8'><title>evolve: campaign {campaign.id}</title>"
            f"<style>{_STYLE}</style></head><body>{head}{''.join(sections)}{tables}"
            f"<p class='note'>Written by evolve report from the archive; reopen it in a notebook with "
            f"archive.Archive(path, readonly=True).</p></body></html>")


__all__ = ["write_report"]

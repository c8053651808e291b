"""Queries that notebooks and ``evolve report`` read a campaign through: pandas frames and plain Python.

Every function takes an open :class:`~archive.Archive` (read-only is enough, and works while a campaign is
writing; call again to see new rows) and a campaign id (None: the latest campaign). Nothing here imports Ray or
JAX; pandas is imported when a function needs it.
"""

from __future__ import annotations

import difflib
import warnings
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from archive.store import Archive
from archive.vocabulary import COPY_OPERATORS, NOT_PROPOSALS, SEED, Status, arm_of

if TYPE_CHECKING:
    import pandas as pd

PROGRAM_COLUMNS = ("id", "status", "score", "operator", "island", "generation", "model", "duplicate_by",
                   "eval_seconds", "created_at", "tokens_in", "tokens_out")
"""The columns of :func:`programs_frame` besides ``seconds``, ``metrics`` and the objectives."""

EVALUATED = ("ok", "error", "timeout")
"""Statuses of candidates that were run (a duplicate or an invalid one was not)."""


def programs_frame(archive: Archive, campaign_id: int | None = None, *, metrics: bool = True) -> pd.DataFrame:
    """One row per program of the campaign, in id order.

    Columns: :data:`PROGRAM_COLUMNS`, ``seconds`` (since the campaign's first program), ``proposal`` (1 for
    a proposed candidate, 0 for the seed and copies made by migration or reset) and, when ``metrics``, each
    metric of the programs as its own column (``metric.<name>``).
    """
    import pandas as pd

    rows = archive.programs(campaign_id=campaign_id)
    frame = pd.DataFrame([{c: getattr(r, c) for c in PROGRAM_COLUMNS} for r in rows], columns=list(PROGRAM_COLUMNS))
    frame["seconds"] = frame["created_at"] - frame["created_at"].min() if len(frame) else frame["created_at"]
    frame["proposal"] = (~frame["operator"].isin(NOT_PROPOSALS)).astype(int)
    if metrics:
        flat = pd.json_normalize([_plain_metrics(r.metrics) for r in rows])
        if len(flat.columns):
            flat.columns = [f"metric.{c}" for c in flat.columns]
            frame = pd.concat([frame, flat.set_index(frame.index)], axis=1)
    return frame


def verdicts_frame(archive: Archive, campaign_id: int | None = None) -> pd.DataFrame:
    """One row per program the problem's independent check judged (its latest verdict; see ``evolve verify``):
    ``program``, ``search_score``, ``verified_score``, ``passed``, ``overrated`` (failed, or verified worse than the
    search score) and ``detail``. Empty for a campaign never verified or an archive from before verdicts."""
    import pandas as pd

    verdicts = archive.verdicts(campaign_id)
    rows = archive.rows_by_id(list(verdicts))
    columns = ["program", "search_score", "verified_score", "passed", "overrated", "detail"]
    return pd.DataFrame([{"program": v.program_id, "search_score": rows[v.program_id].score,
                          "verified_score": v.score, "passed": v.passed, "overrated": v.worse, "detail": v.detail}
                         for v in verdicts.values() if v.program_id in rows], columns=columns)


def _plain_metrics(metrics: dict[str, Any] | None) -> dict[str, Any]:
    # Audit records of duplicates are nested dicts, not metrics of the program.
    return {k: v for k, v in (metrics or {}).items() if k != "audit" and not isinstance(v, dict | list)}


def best_so_far(frame: pd.DataFrame, direction: str, *, per_island: bool = False) -> pd.DataFrame:
    """The best score reached against evaluations and wall time, from :func:`programs_frame`.

    Returns one row per evaluated proposal (status ok, error or timeout; the seed counts as evaluation 0),
    with ``evaluations`` (how many proposals had been evaluated), ``seconds``, ``island`` and ``best`` (the best
    ok score so far; NaN before the first). With ``per_island``, ``best`` is each island's own best and
    ``evaluations`` still counts the whole campaign.
    """
    import pandas as pd

    run = frame[frame["status"].isin(EVALUATED) & ((frame["proposal"] == 1) | (frame["operator"] == SEED))]
    run = run.sort_values("id").copy()
    run["evaluations"] = run["proposal"].cumsum()
    score = run["score"].where(run["status"] == Status.OK)
    if direction == "max":
        score = -score

    def cummin(values: pd.Series) -> pd.Series:
        best = values.cummin().ffill()  # cummin leaves NaN where a row has no score (error, timeout)
        return -best if direction == "max" else best

    if per_island:
        seed_score = score[run["operator"] == SEED]
        start = seed_score.iloc[0] if len(seed_score) else float("nan")
        parts = []
        for _island, group in run[run["operator"] != SEED].groupby("island"):
            values = pd.concat([pd.Series([start]), score.loc[group.index]], ignore_index=True)
            part = group[["id", "evaluations", "seconds", "island"]].copy()
            part["best"] = cummin(values).iloc[1:].to_numpy()
            parts.append(part)
        columns = ["id", "evaluations", "seconds", "island", "best"]
        return pd.concat(parts, ignore_index=True) if parts else pd.DataFrame(columns=columns)
    out = run[["id", "evaluations", "seconds", "island"]].copy()
    out["best"] = cummin(score).to_numpy()
    return out.reset_index(drop=True)


def status_counts(archive: Archive, campaign_id: int | None = None) -> dict[str, Any]:
    """Programs per status, duplicates avoided per hash, and the number of evaluations they saved.

    Keys: ``counts`` (status -> programs), ``duplicates_by`` ('code'/'func' -> duplicates), ``proposals``.
    """
    stats = archive.stats(campaign_id)
    proposals = archive.count(campaign_id, exclude_operators=NOT_PROPOSALS)
    return {"counts": stats["counts"], "duplicates_by": stats["duplicates_by"], "proposals": proposals}


def operator_frame(archive: Archive, campaign_id: int | None = None) -> pd.DataFrame:
    """Per operator: proposed, ok, improved (beat the primary parent), success rate, and, where the operator
    bandit recorded it, pulls, reward, seconds charged and tokens. Copies (migration, reset) and the seed are
    left out. An operator's variants (``insert_term+tune``) are rows of their own; ``arm`` names the bandit arm
    they are charged to."""
    import pandas as pd

    stats = archive.stats(campaign_id)
    arms = {a["arm"]: a for a in stats["arms"]}
    rows = []
    for name, op in stats["operators"].items():
        if name in NOT_PROPOSALS:
            continue
        arm = arm_of(name)
        a = arms.get(arm, {})
        rows.append({"operator": name, "arm": arm, "proposed": op["proposed"], "ok": op["ok"],
                     "improved": op["improved"], "success_rate": op["success_rate"],
                     "pulls": a.get("pulls"), "reward": a.get("reward"), "cost_seconds": a.get("cost_seconds"),
                     "tokens": a.get("tokens")})
    columns = ["operator", "arm", "proposed", "ok", "improved", "success_rate", "pulls", "reward", "cost_seconds",
               "tokens"]
    return pd.DataFrame(rows, columns=columns)


def llm_frame(archive: Archive, campaign_id: int | None = None) -> pd.DataFrame:
    """Per model and prompt mode: calls, failed calls, unusable answers, ok programs, tokens, mean latency and
    the apply-failure rate (empty when the campaign made no LLM call)."""
    import pandas as pd

    columns = ["model", "mode", "calls", "failed_calls", "unusable_answers", "ok", "apply_failure_rate",
               "tokens_in", "tokens_out", "mean_latency"]
    return pd.DataFrame(archive.stats(campaign_id)["llm"], columns=columns)


@dataclass(frozen=True)
class LineageGraph:
    """The ancestry of a program as a graph: ``nodes`` maps id -> (score, operator, status, generation);
    ``edges`` are ``(child_id, parent_id, role)``; ``chain`` is the primary line from the program to the
    seed. ``truncated`` says whether side branches were cut to keep the graph readable."""

    root: int
    nodes: dict[int, dict[str, Any]]
    edges: list[tuple[int, int, str]]
    chain: list[int]
    truncated: bool


def lineage_graph(archive: Archive, program_id: int, *, max_nodes: int = 80,
                  roles: Sequence[str] = ("parent", "crossover", "migration")) -> LineageGraph:
    """The ancestry of ``program_id`` for drawing: its primary line back to the seed, plus the other parents
    (crossover partners, migration sources) of programs on it and their own lines, until ``max_nodes``.
    Inspiration edges are left out unless ``roles`` names them."""
    chain = [step.program.id for step in archive.lineage(program_id)]
    keep = set(chain)
    all_edges = [e for e in archive.ancestors(program_id) if e[2] in roles]
    parents_of: dict[int, list[tuple[int, str]]] = {}
    for child, parent, role in all_edges:
        parents_of.setdefault(child, []).append((parent, role))
    frontier = list(chain)
    truncated = False
    while frontier:
        nxt = []
        for child in frontier:
            for parent, _role in parents_of.get(child, []):
                if parent in keep:
                    continue
                if len(keep) >= max_nodes:
                    truncated = True
                    continue
                keep.add(parent)
                nxt.append(parent)
        frontier = nxt
    edges = [(c, p, r) for c, p, r in all_edges if c in keep and p in keep]
    rows = archive.rows_by_id(sorted(keep))
    nodes = {pid: {"score": r.score, "operator": r.operator, "status": r.status, "generation": r.generation}
             for pid, r in rows.items()}
    return LineageGraph(program_id, nodes, edges, chain, truncated)


def diff(archive: Archive, program_id: int, parent_id: int | None = None, *, context: int = 3) -> str:
    """A unified diff of a program's source against its primary parent's (or ``parent_id``'s); empty for the
    seed or when the sources are equal."""
    child = archive.get(program_id)
    if parent_id is None:
        chain = archive.lineage(program_id)
        parent_id = chain[0].parent_id if chain else None
        if parent_id is None:
            return ""
    parent = archive.get(parent_id)
    lines = difflib.unified_diff(parent.source.splitlines(keepends=True), child.source.splitlines(keepends=True),
                                 f"#{parent.id} ({parent.operator})", f"#{child.id} ({child.operator})", n=context)
    return "".join(lines)


def pareto_front(frame: pd.DataFrame, objectives: Sequence[tuple[str, str]]) -> pd.DataFrame:
    """The ok, proposed (or seed) programs of :func:`programs_frame` that no other one dominates on
    ``objectives`` (``(metric, direction)`` pairs; 'score' is the score, other names are metrics). Sorted by the
    first objective; one row per distinct point."""
    from archive.pareto import front

    columns = [objective_column(frame, name) for name, _ in objectives]
    ok = frame[(frame["status"] == Status.OK) & (frame["operator"].isin(COPY_OPERATORS) == False)]  # noqa: E712
    ok = ok.dropna(subset=columns)
    if ok.empty:
        return ok
    signs = [1.0 if way == "min" else -1.0 for _, way in objectives]
    return ok.iloc[front(ok[columns].to_numpy(dtype=float) * signs)]


def objective_column(frame: pd.DataFrame, name: str) -> str:
    """The column of :func:`programs_frame` holding an objective: ``score`` itself, else ``metric.<name>``."""
    if name in frame.columns:
        return name
    column = f"metric.{name}"
    if column not in frame.columns:
        known = [c.removeprefix("metric.") for c in frame.columns if c.startswith("metric.")]
        raise KeyError(f"objective {name!r} is neither the score nor a metric of these programs; metrics: {known}")
    return column


def compare_frame(runs: Iterable[tuple[str, str, int | None]]) -> pd.DataFrame:
    """Best-so-far curves of several campaigns, in long form, to compare them.

    ``runs`` are ``(label, db path, campaign id or None for the latest)``; campaigns sharing a label (e.g.
    seeds of one setting) are grouped by it. Columns: ``label``, ``db``, ``campaign_id``, ``evaluations``,
    ``seconds``, ``best``.
    """
    import pandas as pd

    parts = []
    for label, db, campaign_id in runs:
        with Archive(db, readonly=True) as archive:
            campaign = archive.campaign(campaign_id)
            curve = best_so_far(programs_frame(archive, campaign.id, metrics=False), campaign.direction)
        curve.insert(0, "campaign_id", campaign.id)
        curve.insert(0, "db", str(db))
        curve.insert(0, "label", label)
        parts.append(curve)
    if not parts:
        raise ValueError("compare_frame needs at least one (label, db, campaign_id) run")
    return pd.concat(parts, ignore_index=True)


def band(curves: pd.DataFrame, x: str = "evaluations", points: int = 200) -> pd.DataFrame:
    """Median, min and max of ``best`` over the campaigns of each label of :func:`compare_frame`, on a common
    grid of ``x`` (``evaluations`` or ``seconds``): columns ``label``, ``x``, ``median``, ``low``, ``high``,
    ``runs``."""
    import numpy as np
    import pandas as pd

    rows = []
    for label, group in curves.groupby("label", sort=False):
        grid = np.linspace(0.0, float(group[x].max()), points)
        series = []
        for _, run in group.groupby(["db", "campaign_id"]):
            run = run.sort_values(x)
            idx = np.searchsorted(run[x].to_numpy(), grid, side="right") - 1
            best = run["best"].to_numpy()
            inside = (idx >= 0) & (grid <= run[x].iloc[-1])  # a run that ended sooner has no value further on
            series.append(np.where(inside, best[np.clip(idx, 0, None)], np.nan))
        stack = np.vstack(series)
        with warnings.catch_warnings():  # grid points before any run's first score are all-NaN columns
            warnings.simplefilter("ignore", RuntimeWarning)
            rows.append(pd.DataFrame({"label": label, "x": grid, "median": np.nanmedian(stack, axis=0),
                                      "low": np.nanmin(stack, axis=0), "high": np.nanmax(stack, axis=0),
                                      "runs": len(series)}))
    return pd.concat(rows, ignore_index=True)


__all__ = ["EVALUATED", "LineageGraph", "PROGRAM_COLUMNS", "band", "best_so_far", "compare_frame", "diff",
           "lineage_graph", "llm_frame", "objective_column", "operator_frame", "pareto_front", "programs_frame",
           "status_counts", "verdicts_frame"]

"""The pictures researchers look at, one call each: every function returns a matplotlib ``Figure``.

Figures are made with the object-oriented API (no pyplot state), so they work headless, in a notebook (where a
returned figure shows itself) and in ``evolve report`` (which saves them with :func:`save`).
"""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path
from typing import TYPE_CHECKING

from archive import analysis
from archive.store import Archive
from archive.vocabulary import Status

if TYPE_CHECKING:
    import pandas as pd
    from matplotlib.figure import Figure

STATUS_COLORS = {"ok": "#2a9d8f", "duplicate": "#8d99ae", "invalid": "#e9c46a", "error": "#e76f51",
                 "timeout": "#9b2226"}


def _figure(width: float = 9.0, height: float = 4.0, ncols: int = 1) -> tuple[Figure, list]:
    from matplotlib.figure import Figure

    fig = Figure(figsize=(width, height), layout="constrained")
    axes = fig.subplots(1, ncols)
    return fig, list(axes) if ncols > 1 else [axes]


def _wide(values: Sequence[float]) -> bool:
    """Whether values are all positive and span more than two decades (then a log axis reads better)."""
    present = [float(v) for v in values if v == v]
    return bool(present) and min(present) > 0 and max(present) / min(present) > 100


def plot_best(archive: Archive, campaign_id: int | None = None, *, per_island: bool = True) -> Figure:
    """Best score against evaluations (left) and wall time (right), for the campaign (thick) and each island."""
    campaign = archive.campaign(campaign_id)
    frame = analysis.programs_frame(archive, campaign.id, metrics=False)
    overall = analysis.best_so_far(frame, campaign.direction)
    islands = analysis.best_so_far(frame, campaign.direction, per_island=True) if per_island else None
    fig, axes = _figure(11.0, 4.0, 2)
    for ax, x, label in ((axes[0], "evaluations", "evaluations"), (axes[1], "seconds", "wall time (s)")):
        if islands is not None:
            for island, curve in islands.groupby("island"):
                ax.step(curve[x], curve["best"], where="post", lw=0.8, alpha=0.6, label=f"island {island}")
        ax.step(overall[x], overall["best"], where="post", lw=2.2, color="black", label="campaign")
        ax.set_xlabel(label)
        ax.set_ylabel(f"best score ({campaign.direction})")
        ax.grid(alpha=0.3)
        if _wide(list(overall["best"])):
            ax.set_yscale("log")
    axes[1].legend(fontsize=8, loc="best")
    fig.suptitle(f"campaign {campaign.id} ({campaign.problem}): best score")
    return fig


def plot_status(archive: Archive, campaign_id: int | None = None) -> Figure:
    """Programs per status (left) and the duplicates each hash caught, i.e. evaluations avoided (right)."""
    counts = analysis.status_counts(archive, campaign_id)
    fig, axes = _figure(10.0, 3.6, 2)
    names = list(counts["counts"])
    values = [counts["counts"][n] for n in names]
    bars = axes[0].bar(names, values, color=[STATUS_COLORS.get(n, "gray") for n in names])
    axes[0].bar_label(bars, fontsize=8)
    axes[0].set_title(f"programs by status ({counts['proposals']} proposals)")
    by = counts["duplicates_by"]
    bars = axes[1].bar([f"{k} hash" for k in by], list(by.values()), color=["#457b9d", "#a8dadc"])
    axes[1].bar_label(bars, fontsize=8)
    axes[1].set_title("duplicates skipped, by the hash that caught them")
    return fig


def plot_operators(archive: Archive, campaign_id: int | None = None) -> Figure:
    """Per operator: the share of its children that beat their parent (left), and the seconds the operator
    bandit charged it with its pulls (right; proposals when the campaign has no bandit record)."""
    ops = analysis.operator_frame(archive, campaign_id).sort_values("proposed")
    fig, axes = _figure(11.0, max(3.0, 0.35 * len(ops) + 1.2), 2)
    rate = ops["success_rate"].fillna(0.0)
    bars = axes[0].barh(ops["operator"], rate, color="#2a9d8f")
    axes[0].bar_label(bars, labels=[f"{i}/{p}" for i, p in zip(ops["improved"], ops["proposed"], strict=True)],
                      fontsize=7, padding=2)
    axes[0].set_xlabel("improved over parent / proposed")
    axes[0].set_xlim(0, max(0.05, float(rate.max()) * 1.3) if len(rate) else 1)
    arms = ops.drop_duplicates("arm").sort_values("cost_seconds", na_position="first")
    if arms["cost_seconds"].notna().any():
        bars = axes[1].barh(arms["arm"], arms["cost_seconds"].fillna(0.0), color="#e9c46a")
        axes[1].bar_label(bars, labels=[f"{int(p or 0)} pulls" for p in arms["pulls"]], fontsize=7, padding=2)
        axes[1].set_xlabel("seconds charged by the operator bandit")
    else:
        axes[1].barh(ops["operator"], ops["proposed"], color="#e9c46a")
        axes[1].set_xlabel("proposals")
    llm = analysis.llm_frame(archive, campaign_id)
    if len(llm):
        models = ", ".join(sorted(set(llm["model"])))
        fig.suptitle(f"operators (LLM: {models}; {int(llm['calls'].sum())} calls, "
                     f"{int(llm['tokens_in'].sum() + llm['tokens_out'].sum())} tokens)")
    else:
        fig.suptitle("operators")
    return fig


def _layout(graph: analysis.LineageGraph) -> dict[int, tuple[float, float]]:
    """Positions for a lineage drawing: the primary line down the middle, seed at the top; other parents
    beside the child they fed, a row above it."""
    depth = {pid: i for i, pid in enumerate(reversed(graph.chain))}  # seed 0 ... program n
    pos = {pid: (0.0, -float(d)) for pid, d in depth.items()}
    parents_of: dict[int, list[int]] = {}
    for child, parent, _ in graph.edges:
        parents_of.setdefault(child, []).append(parent)
    used: dict[float, list[float]] = {}
    frontier = list(graph.chain)
    while frontier:
        nxt = []
        for child in frontier:
            for parent in parents_of.get(child, []):
                if parent in pos:
                    continue
                y = pos[child][1] + 1.0
                taken = used.setdefault(y, [0.0])
                x = max(taken) + 1.0 if pos[child][0] >= 0 else min(taken) - 1.0
                taken.append(x)
                pos[parent] = (x, y)
                nxt.append(parent)
        frontier = nxt
    return pos


def plot_lineage(archive: Archive, program_id: int | None = None, *, campaign_id: int | None = None,
                 max_nodes: int = 60) -> Figure:
    """The ancestry of a program (default: the campaign's best) as a tree: the score at each node, the operator
    that made the child on each edge; the primary line runs down the middle from the seed."""
    if program_id is None:
        best = archive.best(1, campaign_id)
        if not best:
            raise ValueError("the campaign has no evaluated program to draw the lineage of")
        program_id = best[0].id
    graph = analysis.lineage_graph(archive, program_id, max_nodes=max_nodes)
    pos = _layout(graph)
    xs = [p[0] for p in pos.values()]
    ys = [p[1] for p in pos.values()]
    fig, (ax,) = _figure(max(6.0, 1.6 * (max(xs) - min(xs) + 2)), max(4.0, 0.75 * (max(ys) - min(ys) + 2)))
    chain = set(graph.chain)
    for child, parent, role in graph.edges:
        if child not in pos or parent not in pos:
            continue
        (x0, y0), (x1, y1) = pos[parent], pos[child]
        primary = child in chain and parent in chain
        ax.annotate("", xy=(x1, y1 + 0.18), xytext=(x0, y0 - 0.18),
                    arrowprops={"arrowstyle": "->", "lw": 1.4 if primary else 0.8,
                                "color": "black" if primary else "gray", "ls": "-" if role == "parent" else "--"})
        label = graph.nodes[child]["operator"] if role == "parent" else role
        # Labels sit nearer the child, so that the labels of edges leaving one parent do not overlap.
        at = 0.5 if primary else 0.75
        ax.text(x0 + at * (x1 - x0) + 0.05, y0 + at * (y1 - y0), label, fontsize=7, color="#555", ha="left",
                va="center")
    for pid, (x, y) in pos.items():
        node = graph.nodes.get(pid, {})
        score = node.get("score")
        text = f"#{pid}\n{score:.4g}" if isinstance(score, float) else f"#{pid}\n{node.get('status', '?')}"
        face = "#ffd166" if pid == graph.root else ("#cde6f7" if pid in chain else "#eeeeee")
        ax.text(x, y, text, ha="center", va="center", fontsize=7,
                bbox={"boxstyle": "round,pad=0.3", "fc": face, "ec": "#333", "lw": 0.6})
    ax.set_xlim(min(xs) - 1, max(xs) + 1.5)
    ax.set_ylim(min(ys) - 0.8, max(ys) + 0.8)
    ax.axis("off")
    cut = " (side branches cut)" if graph.truncated else ""
    ax.set_title(f"lineage of program #{program_id}: {len(graph.chain)} steps from the seed{cut}")
    return fig


def plot_pareto(archive: Archive, campaign_id: int | None = None,
                objectives: Sequence[tuple[str, str]] | None = None) -> Figure:
    """Every ok program on the first two objectives (default: the campaign's), with the Pareto front.

    Raises:
        ValueError: the campaign has fewer than two objectives.
    """
    objectives = list(objectives or archive.objectives(campaign_id))
    if len(objectives) < 2:
        raise ValueError(f"a Pareto front needs two objectives; this campaign has {objectives}")
    frame = analysis.programs_frame(archive, campaign_id)
    (a, da), (b, db) = objectives[:2]
    ca, cb = analysis.objective_column(frame, a), analysis.objective_column(frame, b)
    ok = frame[frame["status"] == Status.OK].dropna(subset=[ca, cb])
    front = analysis.pareto_front(frame, objectives[:2])
    fig, (ax,) = _figure(7.0, 5.0)
    ax.scatter(ok[ca], ok[cb], s=8, alpha=0.35, color="gray", label="ok programs")
    ax.step(front[ca], front[cb], where="post", color="#e76f51", lw=1.5)
    ax.scatter(front[ca], front[cb], s=30, color="#e76f51", zorder=3, label=f"Pareto front ({len(front)})")
    for _, row in front.iterrows():
        ax.annotate(f"#{int(row['id'])}", (row[ca], row[cb]), fontsize=7, xytext=(3, 3), textcoords="offset points")
    ax.set_xlabel(f"{a} ({da})")
    ax.set_ylabel(f"{b} ({db})")
    if _wide(list(ok[ca])):
        ax.set_xscale("log")
    if _wide(list(ok[cb])):
        ax.set_yscale("log")
    ax.legend(fontsize=8)
    ax.grid(alpha=0.3)
    return fig


def plot_compare(curves: pd.DataFrame, x: str = "evaluations", *, title: str | None = None) -> Figure:
    """Best score against ``x`` (``evaluations`` or ``seconds``) for each label of
    :func:`archive.analysis.compare_frame`: the median over its campaigns, with a band from the best to the
    worst of them."""
    summary = analysis.band(curves, x)
    fig, (ax,) = _figure(8.0, 4.5)
    for label, group in summary.groupby("label", sort=False):
        runs = int(group["runs"].iloc[0])
        line = ax.plot(group["x"], group["median"], lw=1.8, label=f"{label} (median of {runs})")[0]
        if runs > 1:
            ax.fill_between(group["x"], group["low"], group["high"], color=line.get_color(), alpha=0.2, lw=0)
    ax.set_xlabel("evaluations" if x == "evaluations" else "wall time (s)")
    ax.set_ylabel("best score")
    if _wide(list(summary["median"].dropna())):
        ax.set_yscale("log")
    ax.grid(alpha=0.3)
    ax.legend(fontsize=8)
    ax.set_title(title or f"best score against {x}")
    return fig


def save(fig: Figure, path: str | Path, dpi: int = 110) -> Path:
    """Write a figure as a PNG (creating the folder) and return the path."""
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    fig.savefig(path, dpi=dpi, format="png")
    return path


__all__ = ["plot_best", "plot_compare", "plot_lineage", "plot_operators", "plot_pareto", "plot_status", "save"]

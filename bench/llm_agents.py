"""LLM-calling agents searched as code (Meta Agent Search) with the local model: seed agents against the best
evolved one on the held-out split.

One model server serves everything: the engine's LLM mutator, which proposes new agents from earlier ones in the
archive, and the agents' own ``llm`` calls. By default it is the embedded SmolLM2-135M (``--llm local``); give an
OpenAI-compatible URL and ``--model`` for another. The seed agents (chain of thought, self-consistency,
self-refine) are scored on the held-out split; a campaign then searches for ``--seconds`` selecting on the
validation split, and its best agent (by validation accuracy, fewer calls breaking ties) is scored on the
held-out split too. Recorded: accuracy with its 95% bootstrap interval, LLM calls and tokens per task, and what
the campaign spent. Writes bench/results/llm_agents.json.

    python bench/llm_agents.py [--seconds 900] [--validation 20] [--heldout 40] [--workers 2] [--mutator llm]
"""

from __future__ import annotations

import argparse
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from bench._common import RESULTS, write  # noqa: E402
from bench.finished import finished  # noqa: E402


def best_evolved(rows: list[Any]) -> Any | None:
    """The best agent the search made (not a seed): highest validation accuracy, then fewest calls per task,
    then the earliest; None when no proposal evaluated."""
    made = [r for r in rows if r.operator != "seed" and r.status == "ok" and r.score is not None]
    if not made:
        return None
    return min(made, key=lambda r: (-r.score, (r.metrics or {}).get("calls_per_task", 0.0), r.id))


def spent(rows: list[Any], calls: list[Any]) -> dict[str, Any]:
    """What a campaign spent: proposals by status, the commonest reasons proposals failed (first words of the
    error), and the mutator's LLM calls (answered or not)."""
    statuses: dict[str, int] = {}
    reasons: dict[str, int] = {}
    for r in rows:
        if r.operator != "seed":
            statuses[r.status] = statuses.get(r.status, 0) + 1
            if r.error:
                reason = " ".join(r.error.split()[:8])
                reasons[reason] = reasons.get(reason, 0) + 1
    top = dict(sorted(reasons.items(), key=lambda kv: -kv[1])[:5])
    return {"proposals": sum(statuses.values()), "by_status": statuses, "top_errors": top,
            "mutator_calls": len(calls), "mutator_calls_failed": sum(1 for c in calls if c.error)}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--seconds", type=float, default=900.0, help="the campaign's wall time")
    parser.add_argument("--validation", type=int, default=20, help="validation tasks (the fitness)")
    parser.add_argument("--heldout", type=int, default=40, help="held-out tasks (the report)")
    parser.add_argument("--workers", type=int, default=2)
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--mutator", default="llm", choices=["llm", "mixed"])
    parser.add_argument("--llm", default="local", help="'local' (the embedded model) or a base URL")
    parser.add_argument("--model", default=None, help="model name at --llm (default: the local alias)")
    parser.add_argument("--max-tokens", type=int, default=256, help="longest reply of an agent's call")
    parser.add_argument("--out", default=str(RESULTS / "llm_agents.json"))
    args = parser.parse_args()

    from archive import Archive
    from evolve import Campaign, load_problem
    from evolve.llm.local import LocalServer
    from problems.agents import arithmetic_tasks, llm_agent

    server = LocalServer().start() if args.llm == "local" else None
    try:
        url = server.url if server else args.llm
        model = server.alias if server else (args.model or "local")
        complete = llm_agent.Endpoint(url, model, args.max_tokens, deadline=60.0)
        sets = arithmetic_tasks.splits(args.seed, validation=args.validation, heldout=args.heldout)
        agents: list[dict[str, Any]] = []
        for name in llm_agent.SEED_AGENTS:
            start = time.time()
            scored = llm_agent.accuracy_on(llm_agent.seed_source(name), sets["heldout"], complete)
            agents.append({"agent": name, "kind": "seed", **scored, "seconds": round(time.time() - start, 1)})
            print(f"seed {name}: {scored}", flush=True)

        with tempfile.TemporaryDirectory() as tmp:
            db = str(Path(tmp) / "agents.sqlite")
            problem = load_problem("llm_agent", seed=args.seed, validation=args.validation, heldout=args.heldout,
                                   max_tokens=args.max_tokens)
            summary = finished(Campaign(problem, db=db, budget=10**9, max_seconds=args.seconds, seed=args.seed,
                                        workers=args.workers, mutator=args.mutator, llm_base_url=url, llm_model=model,
                                        progress=False).run())
            archive = Archive(db, readonly=True)
            rows = archive.programs(campaign_id=summary.campaign_id)
            seeds = {llm_agent.seed_source(name).strip(): name for name in llm_agent.SEED_AGENTS}
            campaign = {"seconds": round(summary.wall_seconds, 1),
                        **spent(rows, archive.llm_calls(summary.campaign_id)),
                        "seed_validation": {seeds.get(r.source.strip(), f"#{r.id}"): r.score
                                            for r in rows if r.operator == "seed" and r.score is not None}}
            best = best_evolved(rows)
            if best is not None:
                start = time.time()
                scored = llm_agent.accuracy_on(best.source, sets["heldout"], complete)
                agents.append({"agent": f"evolved #{best.id}", "kind": "evolved", "operator": best.operator,
                               "validation_accuracy": best.score, **scored, "seconds": round(time.time() - start, 1),
                               "source": best.source.strip()})
                print(f"evolved #{best.id} (validation {best.score}): {scored}", flush=True)
    finally:
        if server is not None:
            server.stop()
    write({"benchmark": "llm_agents", "model": model if args.llm != "local" else "SmolLM2-135M (local)",
           "seconds": args.seconds, "workers": args.workers, "seed": args.seed, "mutator": args.mutator,
           "validation": args.validation, "heldout": args.heldout, "max_tokens": args.max_tokens,
           "agents": agents, "campaign": campaign}, args.out, settings=args)


if __name__ == "__main__":
    main()

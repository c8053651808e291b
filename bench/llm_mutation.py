"""LLM mutation on exp2 with the embedded local model, against GP alone, at the same wall time.

For each mutator (``gp``, ``llm``, ``mixed``) one exp2 campaign runs for ``--seconds``. Reported per run:
proposals, best max ULP, and for the LLM: calls/s, tokens/s, parse rate (answers holding a usable program),
valid rate (calls whose program evaluated ``ok``), improvement rate (calls whose program beat its parent).
In ``mixed`` the operator bandit decides how many proposals go to the LLM (reported as its share of
proposals). Needs the local-llm extra. Writes bench/results/llm_mutation.json.

    python bench/llm_mutation.py [--seconds 120] [--mutators gp llm mixed] [--llm local] [--choice bandit]
"""

from __future__ import annotations

import argparse
import sys
import tempfile
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from archive import Archive  # noqa: E402
from bench._common import RESULTS, write  # noqa: E402
from bench.finished import finished  # noqa: E402
from evolve import Campaign, load_problem  # noqa: E402


def run(mutator: str, args: argparse.Namespace, tmp: str) -> dict:
    db = str(Path(tmp) / f"{mutator}.sqlite")
    llm = {} if mutator == "gp" else {"llm_base_url": args.llm, "llm_max_tokens": args.answer_tokens,
                                      "llm_share": args.share}
    summary = finished(Campaign(load_problem("exp2"), db=db, budget=10**9, max_seconds=args.seconds, seed=args.seed,
                                workers=args.workers, mutator=mutator, operator_choice=args.choice,
                                progress=sys.stderr.isatty(), **llm).run())
    archive = Archive(db, readonly=True)
    stats = archive.stats(summary.campaign_id)
    out = {"mutator": mutator, "wall_seconds": summary.wall_seconds, "proposed": summary.proposed,
           "best_max_ulp": summary.best_metrics.get("max_ulp")}
    calls = sum(r["calls"] for r in stats["llm"])
    if calls:
        answered = calls - sum(r["failed_calls"] for r in stats["llm"])
        usable = answered - sum(r["unusable_answers"] for r in stats["llm"])
        llm_ops = {k: v for k, v in stats["operators"].items() if k.startswith("llm-")}
        tokens = sum(r["tokens_in"] + r["tokens_out"] for r in stats["llm"])
        out.update({
            "llm_calls": calls,
            "llm_share_of_proposals": calls / summary.proposed if summary.proposed else None,
            "calls_per_second": calls / summary.wall_seconds,
            "tokens_per_second": tokens / summary.wall_seconds,
            "parse_rate": usable / answered if answered else None,
            "valid_rate": sum(v["ok"] for v in llm_ops.values()) / calls,
            "improvement_rate": sum(v["improved"] for v in llm_ops.values()) / calls,
        })
    out["arms"] = [{k: a[k] for k in ("arm", "pulls", "successes", "reward", "cost_seconds", "tokens")}
                   for a in stats["arms"]]
    print({k: v for k, v in out.items() if k != "arms"})
    return out


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--seconds", type=float, default=120.0)
    parser.add_argument("--mutators", nargs="+", default=["gp", "llm", "mixed"])
    parser.add_argument("--llm", default="local", help="'local' (embedded model) or an endpoint's base URL")
    parser.add_argument("--answer-tokens", type=int, default=256)
    parser.add_argument("--choice", default="bandit", choices=("bandit", "weights"), help="operator choice")
    parser.add_argument("--share", type=float, default=0.5, help="LLM share of proposals in mixed with weights")
    parser.add_argument("--workers", type=int, default=1)
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--out", default=str(RESULTS / "llm_mutation.json"))
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        runs = [run(m, args, tmp) for m in args.mutators]
    write({"benchmark": "llm_mutation", "seconds": args.seconds, "llm": args.llm, "workers": args.workers,
           "operator_choice": args.choice,
           "answer_tokens": args.answer_tokens, "runs": runs}, args.out, settings=args)


if __name__ == "__main__":
    main()

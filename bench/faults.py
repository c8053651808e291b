"""Reliability under faults caused for real, counted: a campaign SIGKILLed at random moments and during archive
writes then resumed, the hostile corpus (bench/fault_injection/hostile/) run through a campaign, evaluators
killed from outside mid-candidate, a campaign against each faulty LLM endpoint of
bench/fault_injection/llm_faults.py, and code that skips the static check trying a TCP connect, a unix-socket
connect and file writes outside its scratch folder inside a real evaluator (the OS layer).

It runs the same fault code as the tests (bench/fault_injection/) and records the counts: kills survived,
candidates lost (goal: 0), hostile programs contained out of how many, the good candidates' evaluation rate after
the corpus against a control run without it, LLM faults survived, and the longest stall of the loop (the longest
gap between two batches of results) during an LLM outage. Writes bench/results/faults.json.

    python bench/faults.py [--budget 400] [--seconds 10] [--outage 60] [--rate-budget 2000]
"""

from __future__ import annotations

import argparse
import sys
import tempfile
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from bench._common import RESULTS, commit, write  # noqa: E402

OUTAGE_SCENARIO = "outage_then_recovery"


def survived(facts: dict[str, Any]) -> bool:
    """Whether a campaign came through an LLM fault as it must: finished with a sound archive, kept evaluating,
    no call past its deadline, every failed call recorded."""
    return (facts["status"] == "finished" and facts["check_ok"] and facts["gp_evaluated"] > 0
            and facts["longest_call"] <= facts["deadline"] + 0.5
            and facts["failed_calls_recorded"] == facts["failed_calls"])


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--budget", type=int, default=400, help="proposals of the SIGKILLed campaign")
    parser.add_argument("--seconds", type=float, default=10.0, help="length of each LLM fault campaign")
    parser.add_argument("--rate-budget", type=int, default=2000,
                        help="GP proposals after the corpus, and in the control run without it, whose evaluation "
                             "rates are compared (a few seconds each)")
    parser.add_argument("--outage", type=float, default=60.0,
                        help="how long the endpoint answers 500s in the outage scenario (its campaign runs this "
                             "plus 40 s, so that the recovery falls inside it)")
    parser.add_argument("--out", default=str(RESULTS / "faults.json"))
    args = parser.parse_args()

    import ray

    from bench.fault_injection.llm_faults import SCENARIOS, run_scenario
    from bench.fault_injection.runs import breach_attempts, kill_and_resume, kill_evaluators, run_hostile_corpus

    with tempfile.TemporaryDirectory() as tmp_name:
        tmp = Path(tmp_name)
        crash = kill_and_resume(tmp / "crash.sqlite", tmp / "crash.log", budget=args.budget)
        print(f"crash and resume: {crash['kills']} kills, {crash['lost']} lost", flush=True)
        (tmp / "corpus").mkdir()
        (tmp / "control").mkdir()
        hostile = run_hostile_corpus(tmp / "corpus", budget=args.rate_budget)
        control = run_hostile_corpus(tmp / "control", budget=args.rate_budget, corpus_seeds=False)
        print(f"hostile corpus: {hostile['contained']}/{hostile['programs']} contained", flush=True)
        ray.init(address="local", include_dashboard=False, log_to_driver=False)
        try:
            evaluators = kill_evaluators(tmp / "kill.sqlite", kills=3)
            breach = breach_attempts(tmp)
            print(f"{breach['confinement']}; attacks refused: {breach['refused']}", flush=True)
            llm = [run_scenario(name, tmp / f"{name}.sqlite", seconds=args.seconds) if name != OUTAGE_SCENARIO
                   else run_scenario(name, tmp / f"{name}.sqlite", seconds=args.outage + 40, down_for=args.outage)
                   for name in SCENARIOS]
        finally:
            ray.shutdown()
    for facts in llm:
        facts["survived"] = survived(facts)
        print(f"LLM {facts['scenario']}: survived {facts['survived']}, stall {facts['longest_stall']:.2f} s",
              flush=True)
    after, before = hostile["gp_candidates_per_second"], control["gp_candidates_per_second"]
    summary = {
        "kills_survived": crash["kills"] + evaluators["kills"],
        "campaign_kills": crash["kills"], "campaign_kills_during_writes": crash["kills_during_writes"],
        "evaluator_kills": evaluators["kills"],
        "candidates_lost": crash["lost"] + evaluators["lost"],
        "archive_sound": crash["check_ok"] and evaluators["check_ok"] and hostile["check_ok"],
        "hostile_contained": hostile["contained"], "hostile_programs": hostile["programs"],
        "secret_seen": hostile["secret_seen"], "written_outside": hostile["written_outside"],
        "gp_rate_after_corpus": after, "gp_rate_without_corpus": before,
        "gp_rate_ratio": after / before if after and before else None,
        "llm_faults_survived": sum(f["survived"] for f in llm), "llm_faults": len(llm),
        "longest_stall_during_llm_faults": max(f["longest_stall"] for f in llm),
        "outage_seconds": args.outage,
        "longest_stall_during_outage": next(f["longest_stall"] for f in llm if f["scenario"] == OUTAGE_SCENARIO),
        "outage_recovered": next(bool(f["llm_ok_after_outage"]) for f in llm if f["scenario"] == OUTAGE_SCENARIO),
        "os_layer": breach["confinement"], "breach_refused": breach["refused"], "breach_written": breach["written"],
    }
    hostile.pop("stdout", None)  # a diagnostic for the tests, not a figure
    write({"benchmark": "faults", "commit": commit(), "summary": summary, "crash": crash, "hostile": hostile,
           "control": {k: v for k, v in control.items() if k != "outcomes"}, "evaluators": evaluators,
           "llm": llm, "breach": breach}, args.out, settings=args)


if __name__ == "__main__":
    main()

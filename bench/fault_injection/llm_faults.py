"""Faulty LLM endpoints, for tests/test_llm_faults.py and bench/faults.py: each scenario runs a mixed campaign
against the scripted loopback server (llm_server.py) misbehaving one way, and reports what happened.

Scenarios: an endpoint that hangs forever, one that answers slowly, 429 with Retry-After, 500s for a while
and then recovers, truncated JSON, an empty choice list, and a wrong model name.
"""

from __future__ import annotations

import time
from pathlib import Path
from typing import Any

from bench.fault_injection.llm_server import ScriptedLLMServer

GOOD = "```python\ndef f(x):\n    return 1.0 + x * (0.6565 + 0.343 * x)\n```"
DEADLINE = 2.0
RETRY_AFTER = 1.0
OUTAGE = 5.0

# The endpoints that only fail: the LLM is asked a fixed share of the proposals (operator choice by weight), so
# that calls keep failing in a row and take it for down. Under the bandit a failing LLM arm soon goes unpicked,
# and a 10 s campaign could end after two calls, before the breaker had reason to trip.
FAILING_SETTINGS = {"operator_choice": "weights"}

SCENARIOS: dict[str, dict[str, Any]] = {
    "hangs": {"script": [{"sleep": 3600.0}], "settings": FAILING_SETTINGS},
    "slow": {"script": [{"sleep": 0.8, "text": GOOD}]},
    # Three 429s each asking for RETRY_AFTER, then good answers: under a full test session's load 10 s did not
    # always leave room for a good answer after the waits, so the campaign runs long enough to see one.
    "rate_limited": {"script": [{"status": 429, "retry_after": RETRY_AFTER}] * 3 + [{"text": GOOD}],
                     "seconds": 20.0, "settings": {"llm_in_flight": 1, "llm_retries": 0}},
    # Long enough to see the outage end on a loaded machine: it starts with the first batch, and while it lasts
    # the probes back off 1, 2, 4 s.
    # A pure LLM campaign, so that calls fail in a row and take the endpoint for down (GP then fills in).
    "outage_then_recovery": {"script": [{"text": GOOD}], "down_for": OUTAGE, "seconds": 25.0,
                             "settings": {"mutator": "llm"}},
    "truncated_json": {"script": [{"raw": '{"id": "x", "choices": [{"message": {"content": "def f'}],
                       "settings": FAILING_SETTINGS},
    "empty_choices": {"script": [{"raw": '{"id": "x", "object": "chat.completion", "created": 0, '
                                         '"model": "scripted", "choices": []}'}], "settings": FAILING_SETTINGS},
    "wrong_model": {"script": [{"text": GOOD}], "strict_model": True,
                    "settings": {"llm_model": "no-such-model", **FAILING_SETTINGS}},
}
"""What each scenario's server does, and the campaign settings it changes."""


def run_scenario(name: str, db: Path, seconds: float | None = None, down_for: float | None = None) -> dict[str, Any]:
    """Run a mixed exp2 campaign for ``seconds`` (default: the scenario's own, else 10) against the endpoint of
    scenario ``name`` (``down_for``: how long an outage lasts, instead of the scenario's); return the facts:
    the summary's status, LLM calls made and failed (and how many failed calls the archive recorded), the
    longest call, GP programs evaluated, the endpoint's outages as the campaign saw them, the longest gap
    between two batches of results, and for ``rate_limited`` the shortest wait after a 429."""
    from archive import Archive
    from archive.vocabulary import NOT_PROPOSALS
    from evolve import Campaign, load_problem

    spec = dict(SCENARIOS[name])
    if down_for is not None:
        spec["down_for"] = down_for
    seconds = spec.get("seconds", 10.0) if seconds is None else seconds
    gaps: list[float] = []
    last = [time.monotonic()]

    server = ScriptedLLMServer(spec["script"])

    def on_batch(_campaign: Any) -> None:
        now = time.monotonic()
        gaps.append(now - last[0])
        last[0] = now
        if "down_for" in spec and not server.down_until:  # the outage starts once the search is under way
            server.down_until = now + spec["down_for"]

    with server:
        server.strict_model = spec.get("strict_model", False)
        settings = {"mutator": "mixed", "llm_base_url": server.url, "llm_model": "scripted", "llm_deadline": DEADLINE,
                    "llm_retries": 1, "llm_in_flight": 2, "llm_pause": 1.0, **spec.get("settings", {})}
        campaign = Campaign(load_problem("exp2", points=4096, tune_points=512), db=str(db), budget=10**6,
                            max_seconds=seconds, seed=0, workers=2, batch_size=4, progress=False,
                            compile_cache="", **settings)
        started = time.monotonic()
        summary = campaign.run(on_batch=on_batch)
        ended = time.monotonic()
        times, statuses = list(server.times), list(server.statuses)
    archive = Archive(db, readonly=True)
    calls = archive.llm_calls()
    rows = archive.programs()
    waits = [later - t for t, status, later in zip(times, statuses, times[1:], strict=False) if status == 429]
    return {
        "scenario": name, "status": summary.status, "check_ok": archive.check().ok,
        "llm_calls": len(calls), "failed_calls": sum(c.error is not None for c in calls),
        "failed_calls_recorded": sum(c.error is not None and c.program_id is not None for c in calls),
        "failed_errors": sorted({(c.error or "")[:300] for c in calls if c.error})[:3],
        "longest_call": max((c.latency for c in calls), default=0.0), "deadline": settings["llm_deadline"],
        "llm_ok": sum(r.status == "ok" and r.operator.startswith("llm") for r in rows),
        "gp_evaluated": sum(r.status in ("ok", "error", "timeout") and not r.operator.startswith("llm")
                            and r.operator not in NOT_PROPOSALS for r in rows),
        "outages": [[round(a - started, 2), None if b is None else round(b - started, 2)]
                    for a, b in campaign.llm.health.outages],
        "outage_window": ([round(server.down_until - spec["down_for"] - started, 2),
                           round(server.down_until - started, 2)] if "down_for" in spec else None),
        "llm_ok_after_outage": sum(t > server.down_until and st == 200 for t, st in zip(times, statuses,
                                                                                          strict=False))
        if "down_for" in spec else None,
        "longest_stall": max(gaps[1:], default=0.0), "seconds": round(ended - started, 2),
        "shortest_wait_after_429": min(waits, default=None), "requests": len(times),
    }


__all__ = ["DEADLINE", "GOOD", "OUTAGE", "RETRY_AFTER", "SCENARIOS", "run_scenario"]

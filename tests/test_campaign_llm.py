"""Campaigns whose proposals come from an LLM, against a scripted OpenAI-compatible server on loopback."""

from __future__ import annotations

import logging
import re

import pytest

from archive import Archive
from bench.fault_injection.llm_server import ScriptedLLMServer
from evolve import Campaign, load_problem

GOOD = "Try this:\n```python\ndef f(x):\n    return 1.0 + x * ({c} + 0.3 * x)\n```"
SCRIPT = [
    {"text": GOOD.format(c="0.7")},
    {"text": "A polynomial would be better, but I will not write it."},
    {"status": 429, "retry_after": 0.05},
    {"text": GOOD.format(c="0.65")},
    {"text": "```python\ndef g(x):\n    return x\n```"},
    # Three 500s: with two calls in flight, each may get one of the first two and then succeed on its retry;
    # the third is always some call's second failure (llm_retries=1), so one call fails whatever the order.
    {"status": 500}, {"status": 500}, {"status": 500},
    {"text": GOOD.format(c="0.69")},
]


@pytest.fixture
def key(monkeypatch):
    monkeypatch.setenv("EVOLVE_TEST_LLM_KEY", "sk-never-stored-42")
    return "sk-never-stored-42"


def test_llm_campaign_records_programs_and_calls(ray_session, tmp_path, key):
    db = tmp_path / "llm.sqlite"
    with ScriptedLLMServer(SCRIPT) as server:
        summary = Campaign(load_problem("exp2", points=4096), db=str(db), budget=10, seed=0, workers=1,
                           batch_size=2, progress=False, mutator="llm", llm_base_url=server.url,
                           llm_model="scripted", llm_api_key_env="EVOLVE_TEST_LLM_KEY", llm_retries=1,
                           llm_deadline=5.0, llm_in_flight=2).run()
    assert summary.status == "finished" and summary.proposed == 10
    archive = Archive(db, readonly=True)
    rows = [r for r in archive.programs() if r.operator != "seed"]
    assert {r.operator.split("-")[0] for r in rows if r.operator not in ("migration", "reset")} == {"llm"}
    calls = archive.llm_calls()
    assert len(calls) == 10 and all(c.program_id is not None for c in calls)
    ids = {r.id for r in rows}
    assert {c.program_id for c in calls} <= ids
    by_id = {r.id: r for r in rows}
    ok = [by_id[c.program_id] for c in calls if by_id[c.program_id].status in ("ok", "duplicate")]
    assert ok and all(r.model == "scripted" and r.tokens_out > 0 for r in ok)
    invalid = [by_id[c.program_id] for c in calls if by_id[c.program_id].status == "invalid"]
    reasons = " | ".join(r.error for r in invalid)
    assert "holds no code" in reasons and "does not define f()" in reasons and "LLM call failed" in reasons
    failed_calls = [c for c in calls if c.error]
    assert failed_calls and all(c.response is None for c in failed_calls)
    # Inspirations and parents are in the lineage; the key is nowhere in the archive.
    assert all(archive.parents(r.id) for r in rows)
    llm = archive.stats()["llm"]
    assert sum(r["calls"] for r in llm) == 10 and all(r["model"] == "scripted" for r in llm)
    assert sum(r["unusable_answers"] for r in llm) >= 2 and sum(r["failed_calls"] for r in llm) >= 1
    arms = {a.name: a for a in archive.arms()}
    assert sum(a.pulls for a in arms.values() if a.name.startswith("llm-")) == 10  # pure LLM: no GP pulls
    assert all(a.pulls == 0 for a in arms.values() if not a.name.startswith("llm-"))
    assert sum(a.tokens for a in arms.values()) > 0
    from evolve.cli import main

    assert main(["status", str(db)]) == 0
    stored = b"".join(p.read_bytes() for p in tmp_path.glob("llm.sqlite*"))  # the WAL too
    assert key.encode() not in stored and b"sk-never" not in stored
    assert key not in str(archive.campaign().config)


def test_mixed_without_endpoint_is_a_clear_error(tmp_path):
    with pytest.raises(ValueError, match="llm_base_url"):
        Campaign(load_problem("exp2", points=4096), db=str(tmp_path / "x.sqlite"), mutator="mixed")


def test_api_key_never_reaches_evaluators_or_archive(tmp_path):
    """A separate process starts Ray with the key in its environment, as a user's shell would."""
    import os
    import subprocess
    import sys

    from tests_helpers import PROBLEMS

    db = tmp_path / "env.sqlite"
    secret = "sk-driver-only-777"
    with ScriptedLLMServer([{"text": GOOD.format(c="0.7")}, {"text": GOOD.format(c="0.6")},
                            {"text": GOOD.format(c="0.5")}]) as server:
        proc = subprocess.run(
            [sys.executable, "-m", "evolve.cli", "run", str(PROBLEMS / "env_probe.py"), "--budget", "3",
             "--workers", "1", "--db", str(db), "--no-progress", "--mutator", "llm", "--llm-base-url", server.url,
             "--llm-api-key-env", "EVOLVE_TEST_LLM_KEY"],
            env={**os.environ, "EVOLVE_TEST_LLM_KEY": secret}, capture_output=True, text=True, timeout=300)
        sent = [{k.lower(): v for k, v in h.items()}.get("authorization") for h in server.headers]
    assert proc.returncode == 0, proc.stdout[-2000:] + proc.stderr[-2000:]
    assert "mutator: llm" in proc.stderr
    assert sent and all(s == f"Bearer {secret}" for s in sent)  # the driver used it...
    rows = Archive(db, readonly=True).programs(status="ok")
    assert rows and all(r.metrics["key_seen"] == "" for r in rows)  # ...the evaluators never saw it
    stored = b"".join(p.read_bytes() for p in tmp_path.glob("env.sqlite*"))
    assert secret.encode() not in stored


def test_llm_budget_counts_calls_across_resume(ray_session, tmp_path):
    db = str(tmp_path / "budget.sqlite")
    settings = dict(workers=1, batch_size=2, progress=False, llm_model="scripted", llm_retries=0)
    with ScriptedLLMServer([{"text": GOOD.format(c="0.7")}]) as server:
        Campaign(load_problem("exp2", points=4096), db=db, budget=6, seed=0, mutator="llm",
                 llm_base_url=server.url, max_llm_calls=4, **settings).run()
        assert len(Archive(db, readonly=True).llm_calls()) == 4  # then GP only
        Campaign(load_problem("exp2", points=4096), db=db, resume=True, budget=12, llm_base_url=server.url,
                 **settings).run()
    archive = Archive(db, readonly=True)
    assert len(archive.llm_calls()) == 4  # the budget was spent before the stop
    assert archive.count(exclude_operators=("seed", "migration", "reset")) == 12


def test_slow_endpoint_does_not_pile_up_calls(ray_session, tmp_path):
    """Regression: every loop turn started a batch of new calls, so a slow endpoint queued calls without
    bound and the run could not end. Calls in the queue stay within twice llm_in_flight."""
    db = tmp_path / "slow.sqlite"
    with ScriptedLLMServer([{"sleep": 0.3, "text": GOOD.format(c="0.7")}]) as server:
        campaign = Campaign(load_problem("exp2", points=4096), db=str(db), budget=10**6, max_seconds=3.0,
                            seed=0, workers=1, batch_size=8, progress=False, mutator="llm",
                            llm_base_url=server.url, llm_in_flight=2)
        seen: list[int] = []
        summary = campaign.run(on_batch=lambda c: seen.append(len(c.llm.pending)))
        requests = len(server.requests)
    assert summary.status == "finished" and max(seen, default=0) <= 4
    assert requests <= summary.proposed + 4 and summary.wall_seconds < 20


def test_mixed_campaign_lets_the_bandit_weigh_llm_against_gp(ray_session, tmp_path, capsys, caplog):
    caplog.set_level(logging.INFO, logger="evolve")
    db = tmp_path / "mixed.sqlite"
    with ScriptedLLMServer([{"text": GOOD.format(c="0.7")}, {"text": GOOD.format(c="0.6")}]) as server:
        summary = Campaign(load_problem("exp2", points=4096, tune_points=512), db=str(db), budget=60, seed=0,
                           workers=1, batch_size=4, progress=True, llm_base_url=server.url, tune_steps=50,
                           llm_model="scripted").run()
    err = capsys.readouterr().err
    assert summary.status == "finished" and "mutator: mixed (scripted at" in caplog.text
    assert re.search(r"llm_calls=\d+ \([\d.]+/s\) tokens=\d+ \(\d+/s\)", err)  # the bar shows calls, tokens, rates
    arms = {a["arm"]: a for a in Archive(db, readonly=True).stats()["arms"]}
    llm = [a for name, a in arms.items() if name.startswith("llm-")]
    gp = [a for name, a in arms.items() if not name.startswith("llm-")]
    assert {a["arm"] for a in llm} == {"llm-diff", "llm-full", "llm-crossover"}
    assert sum(a["pulls"] for a in llm) > 0 and sum(a["pulls"] for a in gp) > 0
    assert sum(a["tokens"] for a in llm) > 0 and all(a["tokens"] == 0 for a in gp)

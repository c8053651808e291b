"""A campaign survives faulty LLM endpoints (bench/fault_injection/llm_faults.py runs each
scenario): it keeps evaluating with
the GP operators while the LLM fails, honours Retry-After, comes back to the LLM when the endpoint recovers,
never waits on one call past its deadline, and records every failed call in the archive."""

from __future__ import annotations

import pytest

from bench.fault_injection.llm_faults import DEADLINE, RETRY_AFTER, SCENARIOS, run_scenario

FAILING = ("hangs", "truncated_json", "empty_choices", "wrong_model")


@pytest.mark.parametrize("name", list(SCENARIOS))
def test_campaign_survives_a_faulty_endpoint(ray_session, tmp_path, name):
    facts = run_scenario(name, tmp_path / f"{name}.sqlite")
    assert facts["status"] == "finished" and facts["check_ok"], facts
    assert facts["gp_evaluated"] > 0, facts  # the search went on
    assert facts["longest_call"] <= DEADLINE + 0.5, facts  # no call waited past its deadline
    assert facts["failed_calls_recorded"] == facts["failed_calls"], facts  # every failed call is in the archive
    if name in FAILING:
        assert facts["llm_calls"] > 0 and facts["failed_calls"] == facts["llm_calls"] and facts["llm_ok"] == 0
        assert facts["outages"], facts  # the endpoint was taken for down (no calls while it was)
        # While down it gets one probe call per pause, not one per proposal.
        assert facts["llm_calls"] < 20, facts
    if name == "hangs":
        assert all("deadline of 2 s passed" in e for e in facts["failed_errors"]), facts
    if name == "wrong_model":
        assert any("does not exist" in e for e in facts["failed_errors"]), facts
    if name in ("truncated_json", "empty_choices"):
        assert all("malformed answer" in e for e in facts["failed_errors"]), facts
    if name == "slow":
        assert facts["llm_ok"] > 0 and facts["failed_calls"] == 0, facts
    if name == "rate_limited":
        assert facts["shortest_wait_after_429"] >= RETRY_AFTER - 0.05, facts  # backed off as told
        assert facts["llm_ok"] > 0, facts
    if name == "outage_then_recovery":
        assert facts["failed_calls"] > 0 and facts["outages"] and facts["outages"][0][1] is not None, facts
        assert facts["llm_ok_after_outage"] > 0, facts  # LLM use resumed once the endpoint recovered

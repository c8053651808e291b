"""The LLM circuit breaker (evolve/llm/health.py), driven with made-up times."""

from __future__ import annotations

import pytest

from evolve.llm.health import LLMHealth


def test_three_failures_take_the_endpoint_down_then_one_probe_brings_it_back():
    h = LLMHealth(threshold=3, pause=5.0, max_pause=40.0)
    for t in (1.0, 2.0):
        h.record(False, t)
        assert h.available(t) and not h.down  # a failure or two: keep calling
    h.record(False, 3.0)
    assert h.down and not h.available(3.0) and not h.available(7.9) and h.outages == [[3.0, None]]
    assert h.available(8.0)  # the pause is over: one probe
    h.started()
    assert not h.available(8.1)  # only one
    h.record(False, 9.0)  # the probe failed: twice the pause
    assert not h.available(18.9) and h.available(19.0)
    h.started()
    h.record(False, 20.0)
    assert not h.available(39.9) and h.available(40.0)
    h.started()
    h.record(True, 41.0)  # back
    assert not h.down and h.available(41.0) and h.outages == [[3.0, 41.0]]
    assert h.current == 5.0  # the next outage starts from the short pause again


def test_retry_after_is_honoured_even_before_the_endpoint_is_down():
    h = LLMHealth()
    h.record(False, 10.0, retry_after=2.5)
    assert not h.down and not h.available(12.4) and h.available(12.5)


def test_late_failures_of_calls_sent_before_the_outage_do_not_lengthen_the_pause():
    h = LLMHealth(threshold=2, pause=5.0)
    h.record(False, 0.0)
    h.record(False, 1.0)  # down until 6
    h.record(False, 2.0)  # a call started before: no probe, no doubling
    assert h.available(6.0) and h.current == 5.0


def test_the_pause_is_capped_and_an_outage_stays_open_while_still_down():
    h = LLMHealth(threshold=1, pause=1.0, max_pause=2.0)
    h.record(False, 0.0)
    for t in (1.0, 3.0, 5.0):
        h.started()
        h.record(False, t)
    assert h.current == 2.0 and h.outages == [[0.0, None]]
    with pytest.raises(ValueError):
        LLMHealth(pause=0.0)

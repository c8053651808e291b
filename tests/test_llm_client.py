"""The LLM client against a real HTTP server on loopback that answers as scripted."""

from __future__ import annotations

import time

import pytest

from bench.fault_injection.llm_server import ScriptedLLMServer
from evolve.llm.client import LLMClient, LLMSettings

MESSAGES = [{"role": "user", "content": "improve f"}]


def client_for(server, **changes):
    settings = LLMSettings(base_url=server.url, model="scripted", deadline=changes.pop("deadline", 5.0),
                           backoff=0.05, api_key_env="EVOLVE_TEST_KEY", **changes)
    return LLMClient(settings, seed=0)


def test_answer_with_usage_and_key_sent_but_not_kept(monkeypatch):
    monkeypatch.setenv("EVOLVE_TEST_KEY", "sk-secret-123")
    with ScriptedLLMServer([{"text": "```python\ndef f(x):\n    return x\n```"}]) as server:
        call = client_for(server).complete(MESSAGES)
    assert call.ok and "def f" in call.text and call.attempts == 1
    assert call.tokens_in == 11 and call.tokens_out > 0 and call.answered_by == "scripted"
    assert {k.lower(): v for k, v in server.headers[0].items()}["authorization"] == "Bearer sk-secret-123"
    assert "sk-secret-123" not in repr(call)


def test_429_and_500_are_retried_then_succeed():
    script = [{"status": 429, "retry_after": 0.1}, {"status": 500}, {"status": 503}, {"text": "ok"}]
    with ScriptedLLMServer(script) as server:
        call = client_for(server).complete(MESSAGES)
    assert call.ok and call.text == "ok" and call.attempts == 4 and len(server.requests) == 4


def test_persistent_errors_give_up_with_the_reason():
    with ScriptedLLMServer([{"status": 500}]) as server:
        call = client_for(server, retries=2).complete(MESSAGES)
    assert not call.ok and call.attempts == 3 and "500" in call.error and "gave up" in call.error


def test_client_errors_are_not_retried():
    with ScriptedLLMServer([{"status": 404}]) as server:
        call = client_for(server).complete(MESSAGES)
    assert not call.ok and call.attempts == 1 and len(server.requests) == 1 and "NotFound" in call.error


def test_slow_answer_is_cut_at_the_deadline():
    with ScriptedLLMServer([{"sleep": 3.0, "text": "late"}]) as server:
        start = time.monotonic()
        call = client_for(server, deadline=0.8).complete(MESSAGES)
        took = time.monotonic() - start
    assert not call.ok and "deadline" in call.error
    assert took < 2.5  # cancelled at the deadline, not after the server's 3 s


@pytest.mark.parametrize("step", [{"drop": True}, {"raw": '{"id": "x", "choices": [{"mess'},
                                  {"raw": '{"id": "x", "object": "chat.completion", "choices": []}'}])
def test_broken_answers_are_retried_and_recorded(step):
    with ScriptedLLMServer([step, step, {"text": "fine"}]) as server:
        call = client_for(server).complete(MESSAGES)
    assert call.ok and call.text == "fine" and call.attempts == 3
    with ScriptedLLMServer([step]) as server:
        call = client_for(server, retries=1).complete(MESSAGES)
    assert not call.ok and call.error


def test_calls_run_concurrently_up_to_in_flight():
    with ScriptedLLMServer([{"sleep": 0.5, "text": "a"}]) as server:
        client = client_for(server, in_flight=4)
        start = time.monotonic()
        futures = [client.submit(MESSAGES, n=i) for i in range(4)]
        calls = [f.result(timeout=10) for f in futures]
        took = time.monotonic() - start
        client.close()
    assert all(c.ok for c in calls) and [c.meta["n"] for c in calls] == [0, 1, 2, 3]
    assert took < 1.5  # four 0.5 s calls at once, not one after another


def test_settings_are_validated():
    with pytest.raises(ValueError, match="in_flight"):
        LLMSettings(in_flight=0)
    with pytest.raises(ValueError, match="temperature"):
        LLMSettings(temperature=5.0)

"""The proposer contract (evolve/mutators/base.py): any mutator through Immediate, the LLM through LLMMutator."""

from __future__ import annotations

import concurrent.futures

import numpy as np
import pytest

from evolve.llm.client import LLMCall
from evolve.mutators.base import Immediate, Mutator, NotApplicable, Parent, Proposal, Proposer
from evolve.mutators.llm import LLMMutator, LLMParseError

SOURCE = "def f(x):\n    return x + 1.0\n"


class Twice:
    """A toy mutator: doubles the parent's body, or does not apply to an empty parent."""

    def propose(self, parents, problem, rng) -> Proposal:
        if not parents[0].source:
            raise NotApplicable("empty parent")
        return Proposal(parents[0].source.replace("x + 1.0", "2.0 * (x + 1.0)"), "twice")


class AnsweringClient:
    """Stands in for LLMClient: every call answers ``text`` at once and keeps what it was asked."""

    def __init__(self, text: str | None, error: str | None = None) -> None:
        self.text, self.error, self.asked = text, error, []

    def submit(self, messages):
        self.asked.append(messages)
        future: concurrent.futures.Future = concurrent.futures.Future()
        future.set_result(LLMCall(messages=messages, model="m", text=self.text, error=self.error))
        return future


def test_any_mutator_is_a_proposer_through_immediate(small_exp2):
    rng = np.random.default_rng(0)
    assert isinstance(Twice(), Mutator) and isinstance(Immediate(Twice()), Proposer)
    proposer = Immediate(Twice())
    pending = proposer.start([Parent(1, SOURCE)], small_exp2, rng)
    assert pending.done() and proposer.finish(pending) == Proposal("def f(x):\n    return 2.0 * (x + 1.0)\n",
                                                                   "twice")
    with pytest.raises(NotApplicable, match="empty parent"):
        proposer.finish(proposer.start([Parent(1, "")], small_exp2, rng))


def test_the_llm_mutator_is_a_proposer(small_exp2):
    client = AnsweringClient("```python\ndef f(x):\n    return x * 0.5 + 1.0\n```")
    mutator = LLMMutator(client, "full")
    assert isinstance(mutator, Proposer)
    parents = [Parent(1, small_exp2.seed, 2.0), Parent(2, small_exp2.seed, 3.0)]
    pending = mutator.start(parents, small_exp2, None, inspirations=[Parent(3, small_exp2.seed, 1.0)],
                            recent_errors=["NameError: y"])
    prompt = client.asked[0][1]["content"]
    assert "Inspiration 1" in prompt and "NameError: y" in prompt and "Parent B" not in prompt  # one parent asked
    assert pending.done() and pending.parents == tuple(parents)
    proposal = mutator.finish(pending)
    assert proposal.operator == "llm-full" and proposal.meta == {"parsed": "full"}
    assert "x * 0.5 + 1.0" in proposal.source
    failed = LLMMutator(AnsweringClient(None, error="503 server error"), "diff")
    with pytest.raises(LLMParseError, match="LLM call failed: 503"):
        failed.finish(failed.start(parents, small_exp2, None))
    with pytest.raises(ValueError, match="unknown LLM mode"):
        LLMMutator(client, "poem")

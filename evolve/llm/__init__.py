"""Talking to a language model: the client of any OpenAI-compatible endpoint (:mod:`evolve.llm.client`), the
circuit breaker that stops calls to an endpoint that is down (:mod:`evolve.llm.health`), the embedded local
model server (:mod:`evolve.llm.local`), and the problem extension that says a problem's evaluation calls a model
(:mod:`evolve.llm.evaluation`).

The package knows nothing of campaigns or programs, so problems whose evaluation calls a model use it too
(``problems/agents/llm_agent.py``); prompting and parsing for LLM mutation live in :mod:`evolve.mutators.llm`.
"""

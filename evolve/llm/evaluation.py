"""Problems whose evaluation itself calls an LLM (an LLM-calling agent): the extension that says so, and the
environment variables in which a campaign tells its evaluators where the LLM is."""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from evolve.problem import Problem

LLM_BASE_URL_ENV = "EVOLVE_LLM_BASE_URL"
LLM_MODEL_ENV = "EVOLVE_LLM_MODEL"
"""Environment variables in which a campaign tells its evaluators its LLM endpoint (:class:`LLMEvaluation`)."""


@dataclass(frozen=True)
class LLMEvaluation:
    """Problem extension: the evaluation itself calls an LLM. A campaign then starts or resolves its LLM endpoint
    even with the GP mutator alone, lets the evaluators' confined process reach that endpoint (and no other
    network), and tells them where it is in :data:`LLM_BASE_URL_ENV` and :data:`LLM_MODEL_ENV` (never the API
    key)."""


def calls_llm(problem: Problem) -> bool:
    """Whether the problem's evaluation calls an LLM (it carries :class:`LLMEvaluation`)."""
    return problem.extension(LLMEvaluation) is not None

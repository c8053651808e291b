"""evolve: LLM-guided discovery by evolutionary program search.

Typical use::

    from evolve import Campaign, load_problem
    summary = Campaign(load_problem("exp2"), db="runs/exp2.sqlite", budget=3000).run()

Open what a campaign found with ``from archive import Archive`` (no Ray or JAX needed).
"""

from evolve.campaign.loop import Campaign, CampaignError, Summary, run_campaign
from evolve.config import Config, load_config
from evolve.problem import (
    CandidateError,
    Objective,
    Problem,
    ProblemSpec,
    Result,
    Verdict,
    builtin_problems,
    load_problem,
)

__all__ = [
    "Campaign", "CampaignError", "CandidateError", "Config", "Objective", "Problem", "ProblemSpec", "Result", "Verdict",
    "Summary", "builtin_problems", "load_config", "load_problem", "run_campaign",
]

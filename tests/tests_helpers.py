"""Paths shared by tests."""

from pathlib import Path

TESTS = Path(__file__).parent
PROBLEMS = TESTS / "problems"
FAULTS = TESTS.parent / "bench" / "fault_injection"
"""The fault code the tests share with bench/faults.py: crash driver, hostile corpus, scripted LLM server."""


def driver(db: Path, problem: object) -> object:
    """A campaign on ``problem`` ready to take evaluators' records through ``Campaign._process`` (what its loop
    does with each batch), with its seed ``problem.seed`` stored as program 1 (score 1.0): no Ray, no evaluator,
    so a test can hand it records no honest evaluator would send."""
    from archive.records import ProgramRecord
    from evolve import Campaign

    campaign = Campaign(problem, db=str(db), progress=False)
    campaign.campaign_id = campaign.archive.create_campaign(
        name="driver", problem=campaign.problem.name, config=campaign.config.to_dict(), seed=0,
        direction=campaign.problem.direction)
    campaign.archive.add([ProgramRecord(id=1, campaign_id=campaign.campaign_id, source=campaign.problem.seed,
                                        status="ok", score=1.0, operator="seed")])
    campaign.ledger.next_id = 2
    return campaign

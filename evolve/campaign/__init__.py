"""The driver side of a campaign: the steady-state loop (:mod:`~evolve.campaign.loop`, whose ``Campaign`` is
exported as ``evolve.Campaign``) and the roles it hands work to: the evaluator pool (``pool``), the ledger of
hashes, counts and archive rows (``ledger``), the LLM proposer's queue (``llm_queue``), operator choice
(``operator_choice``, over the bandit of ``bandit``), the islands (``population``) and the retries of a full
disk (``disk_full``)."""

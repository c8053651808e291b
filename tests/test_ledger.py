"""The ledger (evolve/campaign/ledger.py): one dedupe rule and one row builder, for seeds, children and copies alike."""

from __future__ import annotations

from archive.records import ProgramRecord
from evolve.campaign.ledger import UNEVALUATED, Ledger, program_record
from evolve.evaluation.evaluator import Record, Task
from evolve.mutators.base import Parent

SOURCE = "def f(x):\n    return x + 1.0\n"


def judged(ledger: Ledger, rec: Record, task: Task, **kw) -> ProgramRecord:
    return ledger.judge(rec, task, campaign_id=7, island=0, created_at=1.0, edges=kw.pop("edges", []), **kw)


def test_a_repeated_seed_is_a_duplicate_only_when_the_campaign_dedupes():
    # Regression: the seed path had its own copy of the dedupe rule, which ignored `dedupe = false`: an extra
    # seed that repeated the seed was stored as its duplicate all the same.
    for dedupe, status in ((True, "duplicate"), (False, "ok")):
        ledger = Ledger(dedupe=dedupe)
        first = judged(ledger, Record(1, SOURCE, "seed", "ok", code_hash="c", func_hash="f", score=2.0),
                       Task(1, source=SOURCE, operator="seed"), operator="seed")
        again = judged(ledger, Record(2, SOURCE, "seed", "ok", code_hash="c", func_hash="f", score=2.0),
                       Task(2, source=SOURCE, operator="seed"), operator="seed")
        assert first.status == "ok" and again.status == status
        assert again.duplicate_of == (1 if dedupe else None) and again.duplicate_by == ("code" if dedupe else None)
        assert ledger.proposed == 0 and ledger.counts["duplicates"] == 0  # seeds are no proposals


def test_one_rule_for_every_path():
    ledger = Ledger()
    ledger.remember("c1", "f1", 1)
    assert ledger.original_of(Record(2, SOURCE, "gp", "ok", code_hash="c1")) == (1, "code")
    assert ledger.original_of(Record(2, SOURCE, "gp", "ok", code_hash="c2", func_hash="f1")) == (1, "func")
    assert ledger.original_of(Record(2, SOURCE, "gp", "invalid", code_hash="c1")) is None  # judged again
    assert ledger.original_of(Record(2, SOURCE, "gp", "error", func_hash="f1")) is None  # no code hash
    assert Ledger(dedupe=False).original_of(Record(2, SOURCE, "gp", "ok", code_hash="c1")) is None


def test_a_child_row_counts_links_and_audits():
    ledger = Ledger()
    parent = (Parent(1, SOURCE, 2.0), Parent(3, SOURCE, 3.0))
    ledger.generation.update({1: 4, 3: 6})
    edges: list = []
    row = judged(ledger, Record(5, SOURCE, "crossover", "ok", code_hash="c5", func_hash="f5", score=1.0,
                                metrics={"ops": 3}, eval_seconds=0.5), Task(5, parent), edges=edges)
    assert row == program_record(Record(5, SOURCE, "crossover", "ok", code_hash="c5", func_hash="f5", score=1.0,
                                        metrics={"ops": 3}, eval_seconds=0.5),
                                 campaign_id=7, island=0, generation=7, operator="crossover", created_at=1.0)
    assert edges == [(5, 1, "parent"), (5, 3, "crossover")] and ledger.counts["evaluated"] == 1
    # A repeat evaluated anyway (an audit) says how it compares with its original.
    dup = judged(ledger, Record(6, SOURCE, "gp", "ok", code_hash="c5", score=1.0, metrics={"ops": 4}),
                 Task(6, parent[:1], audit=True))
    assert dup.status == "duplicate" and dup.duplicate_of == 5 and dup.score is None
    assert dup.metrics == {"audit": {"status": "ok", "score": 1.0, "error": None, "original_score": 1.0,
                                     "match": True, "metrics_differ": ["ops"]}}
    # An "ok" record with no score is stored as never evaluated, and stands for no later repeat.
    odd = judged(ledger, Record(7, SOURCE, "gp", "ok", code_hash="c7"), Task(7, parent[:1]))
    assert odd.status == "error" and odd.error.startswith(UNEVALUATED) and "c7" not in ledger.code_seen
    assert ledger.counts == {"evaluated": 2, "duplicates": 1, "invalid": 0, "error": 1, "timeout": 0}


def test_a_copy_stands_for_its_original_and_replay_agrees():
    ledger = Ledger()
    ledger.next_id = 10
    seed = judged(ledger, Record(1, SOURCE, "seed", "ok", code_hash="c", func_hash="f", score=2.0),
                  Task(1, source=SOURCE, operator="seed"), operator="seed")
    copy = ledger.copy(seed, campaign_id=7, island=1, operator="migration", created_at=2.0)
    assert (copy.id, copy.island, copy.operator, copy.score, copy.code_hash) == (10, 1, "migration", 2.0, "c")
    assert ledger.roots[10] == 1 and ledger.next_id == 11
    replayed = Ledger()
    replayed.replay([seed, copy])
    assert replayed.roots == ledger.roots and replayed.code_seen == ledger.code_seen
    assert replayed.outcome == ledger.outcome and replayed.proposed == 0

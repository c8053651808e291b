"""End-to-end campaigns on a shared Ray instance: archive integrity, dedupe, faults, resume."""

from __future__ import annotations

import subprocess
import sys
import textwrap

import pytest
from tests_helpers import PROBLEMS

from archive import Archive
from evolve import Campaign, load_problem

# No verification stage: tests/test_verify*.py test it, and it costs each campaign here seconds.
FAST = dict(workers=2, batch_size=4, progress=False, tune_steps=100, verify_top=0)


def check_integrity(archive: Archive, campaign_id: int) -> list:
    """Invariants every campaign must keep (``Archive.check``: lineage without dangling parents, duplicates
    that point at an earlier original, budgets...); returns the campaign's programs."""
    report = archive.check()
    assert report.ok, report.problems
    return archive.programs(campaign_id=campaign_id)


@pytest.fixture(scope="module")
def exp2_run(ray_session, tmp_path_factory):
    db = tmp_path_factory.mktemp("exp2") / "exp2.sqlite"
    problem = load_problem("exp2", points=4096, tune_points=512)
    summary = Campaign(problem, db=str(db), budget=240, seed=3, audit_dedupe=0.2, **FAST).run()
    return db, summary


def test_campaign_improves_and_keeps_lineage(exp2_run):
    db, summary = exp2_run
    archive = Archive(db, readonly=True)
    rows = check_integrity(archive, summary.campaign_id)
    seed = next(r for r in rows if r.operator == "seed")
    assert summary.proposed == 240 == archive.count(summary.campaign_id, exclude_operators=("seed", "migration",
                                                                                             "reset"))
    assert summary.best_score < seed.score
    assert archive.best(1)[0].id == summary.best_id
    assert summary.status == "finished" and archive.campaign(summary.campaign_id).status == "finished"
    # Lineage of the best goes back to the seed.
    chain = archive.lineage(summary.best_id)
    assert chain[0].program.id == summary.best_id and chain[-1].program.operator == "seed"


def test_duplicates_are_recorded_not_evaluated(exp2_run):
    db, summary = exp2_run
    archive = Archive(db, readonly=True)
    dups = archive.programs(campaign_id=summary.campaign_id, status="duplicate")
    assert summary.duplicates == len(dups) > 0
    rows = archive.programs(campaign_id=summary.campaign_id)
    for d in dups:
        assert d.score is None  # skipped: no score of its own
        # A program recorded no later with the same hash leads to the original (itself, or as its duplicate);
        # results are recorded as they finish, so it may have a larger id (ids are given at dispatch).
        attr = "code_hash" if d.duplicate_by == "code" else "func_hash"
        assert any(getattr(r, attr) == getattr(d, attr) and r.id != d.id and r.created_at <= d.created_at
                   and d.duplicate_of in (r.id, r.duplicate_of) for r in rows)
    # No two evaluated (non-copy) programs share a code hash.
    evaluated = [r for r in archive.programs(campaign_id=summary.campaign_id)
                 if r.status in ("ok", "error", "timeout") and r.operator not in ("migration", "reset")]
    hashes = [r.code_hash for r in evaluated]
    assert len(hashes) == len(set(hashes))
    stats = archive.stats(summary.campaign_id)
    assert stats["duplicates_by"]["code"] + stats["duplicates_by"]["func"] == len(dups)
    assert sum(v["audited"] for k, v in stats["audit"].items() if k != "collision_rate") > 0


def test_bandit_chooses_operators_and_its_counts_match_the_archive(exp2_run):
    from archive.vocabulary import arm_of

    db, summary = exp2_run
    archive = Archive(db, readonly=True)
    stats = archive.stats(summary.campaign_id)
    arms = {a["arm"]: a for a in stats["arms"]}
    from evolve.mutators.registry import portfolio

    assert set(arms) <= set(portfolio(load_problem("exp2", points=4096))) and "insert_unary" not in arms
    proposed: dict[str, int] = {}
    improved: dict[str, int] = {}
    for operator, row in stats["operators"].items():
        if operator not in ("seed", "migration", "reset"):
            proposed[arm_of(operator)] = proposed.get(arm_of(operator), 0) + row["proposed"]
            improved[arm_of(operator)] = improved.get(arm_of(operator), 0) + row["improved"]
    # Every proposal was charged to the operator that made it (plus operators that did not apply to
    # their parents and were replaced); a success is a child that beat its parent, as the archive says.
    assert sum(a["pulls"] for a in arms.values()) >= summary.proposed == sum(proposed.values())
    for name, n in proposed.items():
        assert arms[name]["pulls"] >= n and arms[name]["successes"] == improved[name]
        assert arms[name]["cost_seconds"] > 0
    assert len([a for a in arms.values() if a["pulls"] > 0]) >= 4  # it explores the portfolio


def test_resume_continues_without_reevaluating(ray_session, tmp_path):
    db = str(tmp_path / "resume.sqlite")
    problem = load_problem("exp2", points=4096, tune_points=512)
    live = Campaign(problem, db=db, budget=200, seed=1, migration_interval=16, reset_interval=40, **FAST)

    def ctrl_c(campaign):  # what a user's Ctrl-C does, at a batch boundary
        if campaign.proposed_done >= 60:
            raise KeyboardInterrupt

    first = live.run(on_batch=ctrl_c)
    assert first.status == "stopped" and 60 <= first.proposed < 200
    assert Archive(db, readonly=True).campaign(first.campaign_id).status == "stopped"
    # The population rebuilt from the archive alone is the one the campaign had when it stopped.
    rebuilt = Campaign(problem, db=db, resume=True, **FAST)
    rebuilt._rebuild()
    assert [[m.id for m in isl.members] for isl in rebuilt.population.islands] == \
        [[m.id for m in isl.members] for isl in live.population.islands]
    assert rebuilt.proposed == first.proposed == live.proposed_done
    # What the bandit learned was written with each batch and is read back.
    bandit = live.choice.bandit
    assert rebuilt.choice.bandit.rows() == bandit.rows() and sum(a.pulls for a in bandit.arms.values()) >= 60
    pulls_before = {a.name: a.pulls for a in bandit.arms.values()}
    assert rebuilt.ledger.code_seen == live.ledger.code_seen and rebuilt.ledger.func_seen == live.ledger.func_seen
    archive = Archive(db, readonly=True)
    before = {r.id: (r.source, r.status, r.score) for r in archive.programs(campaign_id=first.campaign_id)}
    second = Campaign(problem, db=db, resume=True, budget=120, **FAST).run()
    assert second.campaign_id == first.campaign_id and second.status == "finished"
    assert second.proposed == 120
    rows = check_integrity(archive, first.campaign_id)
    after = {r.id: (r.source, r.status, r.score) for r in rows}
    assert all(after[i] == v for i, v in before.items())  # nothing rewritten
    assert len([r for r in rows if r.operator == "seed"]) == 1  # the seed was not evaluated again
    assert min(after) == min(before) and max(after) > max(before)
    pulls_after = {a.name: a.pulls for a in archive.arms(first.campaign_id)}
    assert all(pulls_after[k] >= n for k, n in pulls_before.items())
    assert sum(pulls_after.values()) >= 120 and sum(pulls_after.values()) > sum(pulls_before.values())
    new = [r for r in rows if r.id > max(before)]
    old_hashes = {r.code_hash for r in rows if r.id in before and r.status != "duplicate"}
    for r in new:  # a program evaluated before the stop is a duplicate after it, never re-evaluated
        if r.code_hash in old_hashes and r.operator not in ("migration", "reset"):
            assert r.status == "duplicate"


@pytest.mark.parametrize("choice", [{"bandit_cost": "proposals"}, {"operator_choice": "weights"}],
                         ids=["bandit", "weights"])
def test_same_seed_same_campaign(ray_session, tmp_path, choice):
    problem = load_problem("exp2", points=4096, tune_points=512)
    runs = []
    for name in ("a", "b"):
        # A bandit charged per proposal rather than per second follows no clock.
        s = Campaign(problem, db=str(tmp_path / f"{name}.sqlite"), budget=48, seed=7, ordered=True, **choice,
                     **FAST).run()
        runs.append([(r.source, r.status, r.operator, r.island)
                     for r in Archive(tmp_path / f"{name}.sqlite", readonly=True).programs(campaign_id=s.campaign_id)])
    assert runs[0] == runs[1]


@pytest.mark.parametrize("ordered", [False, True], ids=["as-finished", "ordered"])
def test_results_come_back_as_they_finish_unless_ordered(ray_session, tmp_path, monkeypatch, ordered):
    """One slow batch: taken back as batches finish, the other evaluator's later batches overtake it; ordered,
    none does."""
    from evolve.campaign.pool import EvaluatorPool

    collected = []
    collect = EvaluatorPool.collect

    def spy(pool, cap, stopping):
        got = collect(pool, cap, stopping)
        if got is not None:
            collected.append((got[0].dispatched, got[0].worker))
        return got

    monkeypatch.setattr(EvaluatorPool, "collect", spy)
    problem = load_problem(str(PROBLEMS / "slow_first.py"), pause=3.0)
    db = str(tmp_path / "slow.sqlite")
    summary = Campaign(problem, db=db, budget=64, seed=0, ordered=ordered, **FAST).run()
    assert summary.status == "finished" and summary.proposed == 64
    check_integrity(Archive(db, readonly=True), summary.campaign_id)
    overtaken = sum(later < earlier for (earlier, _), (later, _) in zip(collected, collected[1:], strict=False))
    assert (overtaken == 0) if ordered else (overtaken >= 1), collected


def test_hanging_and_raising_candidates_are_recorded(ray_session, tmp_path):
    problem = load_problem(str(PROBLEMS / "faulty.py"), timeout=1.5)
    db = str(tmp_path / "faulty.sqlite")
    summary = Campaign(problem, db=db, budget=60, seed=0, workers=2, batch_size=4, progress=False,
                       operator_weights={"replace_constant": 3.0, "perturb_constant": 1.0}).run()
    archive = Archive(db, readonly=True)
    rows = check_integrity(archive, summary.campaign_id)
    assert summary.proposed == 60 and summary.status == "finished"
    errors = [r for r in rows if r.status == "error"]
    timeouts = [r for r in rows if r.status == "timeout"]
    assert any("negative value" in (r.error or "") for r in errors)
    python_hangs = [r for r in timeouts if "ran past" in (r.error or "")]
    native_hangs = [r for r in timeouts if "killed with its evaluator" in (r.error or "")]
    assert python_hangs and native_hangs
    for r in timeouts:
        assert r.source and r.code_hash  # the hanging program itself is kept, and known to the dedupe
    # Regression: a program killed with its evaluator had no code hash, so each copy of it hung again.
    native_sources = {r.source for r in native_hangs}
    assert len(native_hangs) == len(native_sources)
    assert [r for r in rows if r.status == "ok" and r.operator != "seed"]  # and the search went on


def test_campaign_joins_a_ray_cluster_by_address(tmp_path):
    """A campaign in a separate process joins a cluster started on loopback by its address."""
    db = tmp_path / "cluster.sqlite"
    script = textwrap.dedent(f"""
        import subprocess, sys
        from ray.cluster_utils import Cluster
        cluster = Cluster(initialize_head=True, head_node_args={{"num_cpus": 2, "include_dashboard": False}})
        try:
            code = subprocess.call([sys.executable, "-m", "evolve.cli", "run", "exp2", "-o", "points=4096",
                                    "--budget", "24", "--workers", "2", "--db", {str(db)!r}, "--no-progress",
                                    "--ray-address", cluster.address])
        finally:
            cluster.shutdown()
        sys.exit(code)
    """)
    proc = subprocess.run([sys.executable, "-c", script], capture_output=True, text=True, timeout=300)
    assert proc.returncode == 0, proc.stdout[-3000:] + proc.stderr[-3000:]
    assert "best program" in proc.stdout
    archive = Archive(db, readonly=True)
    assert archive.count(exclude_operators=("seed", "migration", "reset")) == 24


def test_cli_runs_a_problem_file_and_resumes_it(ray_session, tmp_path, capsys):
    from evolve.cli import main

    db = str(tmp_path / "cli.sqlite")
    path = str(PROBLEMS / "faulty.py")
    args = ["--db", db, "--no-progress", "--workers", "2", "--batch-size", "4"]
    assert main(["run", path, "--budget", "12", "--seed", "5", "-o", "timeout=1.5", *args]) == 0
    out = capsys.readouterr().out
    assert "best program #" in out and "evolve lineage" in out
    assert main(["run", "--resume", "--budget", "20", *args]) == 0
    archive = Archive(db, readonly=True)
    assert len(archive.campaigns()) == 1
    assert archive.count(exclude_operators=("seed", "migration", "reset")) == 20
    assert archive.campaign().config["problem_options"] == {"timeout": 1.5}
    assert main(["run", "--resume", "--budget", "20"]) == 2  # which archive? a clear refusal
    assert "--db" in capsys.readouterr().err


def test_max_seconds_ends_a_campaign(ray_session, tmp_path):
    # The clock starts before the evaluators and the seed's compile; under a loaded CI machine these took
    # over 4 s once, leaving no time to propose anything, so the limit leaves room for a slow start.
    summary = Campaign(load_problem("exp2", points=4096), db=str(tmp_path / "t.sqlite"), budget=10**6,
                       max_seconds=15.0, **FAST).run()
    assert summary.status == "finished" and 0 < summary.proposed < 10**6
    assert summary.wall_seconds < 60


def test_a_portfolio_with_no_operator_that_applies_is_a_clear_error(tmp_path, small_exp2):
    from evolve import CampaignError

    with pytest.raises(CampaignError, match="no operator can act on problem 'exp2'"):
        Campaign(small_exp2, db=str(tmp_path / "none.sqlite"), operator_weights={"insert_unary": 1.0},
                 progress=False).run()


def test_extra_seeds_join_every_island_and_survive_a_resume(ray_session, tmp_path, small_exp2):
    import dataclasses

    block = "# EVOLVE-BLOCK-START\ndef f(x):\n    return {}\n# EVOLVE-BLOCK-END\n"
    problem = dataclasses.replace(small_exp2, extra_seeds=(
        block.format("1.0 + x * (0.66 + 0.34 * x)"),  # better than the seed
        block.format("x +"),  # does not parse: recorded, left out
        block.format("x + 1.0"),  # the seed again, in other words: a duplicate
    ))
    db = str(tmp_path / "seeds.sqlite")
    summary = Campaign(problem, db=db, budget=8, seed=0, islands=2, **FAST).run()
    archive = Archive(db, readonly=True)
    seeds = [r for r in archive.programs(campaign_id=summary.campaign_id) if r.operator == "seed"]
    assert [r.status for r in seeds] == ["ok", "ok", "invalid", "duplicate"]
    assert seeds[3].duplicate_of == seeds[0].id and "syntax" in seeds[2].error.lower()
    assert summary.best_score <= seeds[1].score < seeds[0].score
    resumed = Campaign(problem, db=db, resume=True, budget=16, seed=0, islands=2, **FAST)
    resumed._rebuild()
    for island in resumed.population.islands:
        assert {seeds[0].id, seeds[1].id} <= {m.id for m in island.members}
    check_integrity(archive, summary.campaign_id)


def test_with_dedupe_off_an_extra_seed_that_repeats_the_seed_is_no_duplicate(ray_session, tmp_path, small_exp2):
    # Regression: the seed path had a copy of the dedupe rule of its own that ignored `dedupe = false`, so an
    # extra seed repeating the seed was stored as its duplicate; now seeds and children follow one rule.
    import dataclasses

    problem = dataclasses.replace(small_exp2, extra_seeds=(small_exp2.seed,))
    db = str(tmp_path / "nodedupe.sqlite")
    summary = Campaign(problem, db=db, budget=2, seed=0, dedupe=False, **FAST).run()
    seeds = [r for r in Archive(db, readonly=True).programs(campaign_id=summary.campaign_id) if r.operator == "seed"]
    assert [r.status for r in seeds] == ["ok", "ok"] and seeds[1].duplicate_of is None
    assert seeds[0].code_hash == seeds[1].code_hash


def test_a_failing_main_seed_stops_the_campaign_even_with_good_extra_seeds(ray_session, tmp_path, small_exp2):
    import dataclasses

    from evolve import CampaignError

    problem = dataclasses.replace(small_exp2, seed="def f(x):\n    return x +\n", extra_seeds=(small_exp2.seed,))
    with pytest.raises(CampaignError, match="seed program .* fails"):
        Campaign(problem, db=str(tmp_path / "bad.sqlite"), budget=4, **FAST).run()


def test_a_repeat_of_a_program_stopped_at_its_timeout_is_its_duplicate(ray_session, tmp_path):
    # Regression: the evaluator remembered the functional hash of a program whose full evaluation then ran past
    # its timeout, with a record that did not carry the hash: a program with the same behaviour was skipped as a
    # duplicate the driver never heard of, stored `ok` with no score, and `evolve check` failed the archive.
    import dataclasses

    problem = dataclasses.replace(load_problem(str(PROBLEMS / "faulty.py"), timeout=1.5), extra_seeds=(
        "def f(x):\n    return x * 2.0\n",  # f(1) = 2: its evaluation hangs in Python, its probe does not
        "def f(x):\n    return x + x\n",  # the same function, in other words
    ))
    db = str(tmp_path / "repeat.sqlite")
    summary = Campaign(problem, db=db, budget=2, seed=0, workers=1, batch_size=2, progress=False,
                       operator_weights={"perturb_constant": 1.0}).run()
    seeds = [r for r in check_integrity(Archive(db, readonly=True), summary.campaign_id) if r.operator == "seed"]
    assert [r.status for r in seeds] == ["ok", "timeout", "duplicate"]
    assert seeds[2].duplicate_of == seeds[1].id and seeds[2].duplicate_by == "func"


def test_the_driver_never_stores_ok_without_a_score_nor_makes_such_a_program_an_original(tmp_path, small_exp2):
    from tests_helpers import driver

    from evolve.evaluation.evaluator import Record, Task
    from evolve.mutators.base import Parent

    campaign = driver(tmp_path / "driver.sqlite", small_exp2)
    parent = (Parent(1, small_exp2.seed, 1.0),)
    source = "def f(x):\n    return 1.0 + x * {}\n"
    records = [
        # Skipped by its evaluator as the repeat of a program this campaign has no record of.
        Record(2, source.format(0.5), "gp", "ok", code_hash="c2", func_hash="f-unknown", skipped="func"),
        Record(3, source.format(0.25), "gp", "ok", code_hash="c3", func_hash="f-unknown", score=0.5,
               metrics={"ops": 2}),  # the same behaviour, evaluated: an original, not a duplicate of 2
        Record(4, source.format(0.125), "gp", "ok", code_hash="c4", func_hash="f4"),  # "evaluated", no score
    ]
    campaign._process(records, [Task(r.id, parent, operator="gp") for r in records])
    rows = {r.id: r for r in campaign.archive.programs(campaign_id=campaign.campaign_id)}
    assert [rows[i].status for i in (2, 3, 4)] == ["error", "ok", "error"]
    assert rows[2].error.startswith("not evaluated: its evaluator skipped it as a repeat (by its func hash)")
    assert rows[4].error == "not evaluated: its evaluator reported it evaluated, with no score"
    assert rows[2].func_hash == "f-unknown" and rows[3].score == 0.5  # what the evaluator said is kept
    ledger = campaign.ledger
    assert ledger.func_seen == {"f-unknown": 3} and "c2" not in ledger.code_seen and "c4" not in ledger.code_seen
    assert [m.id for m in campaign.population.islands[0].members] == [3]
    report = campaign.archive.check()
    assert report.ok, report.problems
    resumed = Campaign(small_exp2, db=str(tmp_path / "driver.sqlite"), resume=True, progress=False)
    resumed._rebuild()  # a resume draws the same conclusions from the archive alone
    assert resumed.ledger.func_seen == ledger.func_seen and resumed.ledger.code_seen == ledger.code_seen


def test_death_notes_go_to_a_private_folder_of_the_campaign_removed_when_it_ends(ray_session, tmp_path, small_exp2,
                                                                                  monkeypatch):
    # Regression: evaluators wrote why they killed themselves to /tmp/evolve-evaluator-PID.reason, a path anyone
    # on the machine could guess and plant a link at.
    import dataclasses
    import stat
    import tempfile
    from pathlib import Path

    from evolve import CampaignError
    from evolve.campaign import pool as pool_module

    made: list = []
    real = pool_module.note_folder

    def noted() -> Path:
        folder = real()
        made.append((folder, stat.S_IMODE(folder.stat().st_mode)))
        return folder

    monkeypatch.setattr(pool_module, "note_folder", noted)
    # A seed that fails: the shortest campaign that starts its evaluators, and one that ends by an error.
    campaign = Campaign(dataclasses.replace(small_exp2, seed="def f(x):\n    return x +\n"),
                        db=str(tmp_path / "notes.sqlite"), budget=4, **FAST)
    with pytest.raises(CampaignError, match="seed program"):
        campaign.run()
    (folder, mode), = made
    assert folder.parent == Path(tempfile.gettempdir()) and mode == 0o700
    assert campaign.pool.actor_kwargs["note_folder"] == str(folder)  # where each evaluator's watchdog writes
    assert not folder.exists()

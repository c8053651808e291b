"""The verification stage on each program kind: a float32 program re-measured on more points than the search saw,
a policy on fresh episodes, an LLM-calling agent on its held-out tasks; a noise band that keeps a statistical
shortfall from flagging a program; and `evolve verify` on a stored archive of each kind."""

from __future__ import annotations

import numpy as np
import pytest

from archive import Archive, ProgramRecord
from bench.fault_injection.llm_server import ScriptedLLMServer
from evolve.campaign.verification import verify_archive
from evolve.cli import main
from evolve.config import Config
from evolve.programs import program
from problems.agents import arithmetic_tasks, cartpole, llm_agent
from problems.float32 import log2
from problems.float32.domain import domain_points
from problems.float32.ulp import domain_size, ordered
from problems.float32.verification import verification_inputs

# log2 on [1, 2) measured on a sample (not its 2**23 numbers) and checked on every number of the domain.
LOG2 = {"points": 1024, "exhaustive_limit": 0, "verify_points": 2**23, "minimax": False}
PLAIN = "def f(x):\n    return (x - 1.0) * 1.4426950\n"


def pole_at_an_unmeasured_point() -> tuple[str, float]:
    """A log2 program finite wherever the search measures it and infinite at one float32 number it does not."""
    seen = set(ordered(domain_points(log2.TARGET, 1024, exhaustive_limit=0, seed=0)[0]).tolist())
    c = next(k for k in range(int(ordered(np.float32(1.5))), 2**31) if k not in seen)
    x = float(np.array([c], np.int64).astype(np.int32).view(np.float32)[0])
    return f"def f(x):\n    return (x - 1.0) * 1.4426950 + 1e-30 / (x - {x!r})\n", x


def evaluated(problem, source: str):
    tree = program.parse(source)
    return tree, problem.evaluate(program.compile_program(tree, "f"))


def test_float32_check_finds_a_failure_between_the_search_points_and_confirms_a_sound_program():
    problem = log2.make_problem(**LOG2)
    source, x = pole_at_an_unmeasured_point()
    tree, result = evaluated(problem, source)
    assert result.metrics["coverage"] == "sampled"  # the search saw a finite program
    verdict = problem.verify(tree, result.metrics)
    assert not verdict.passed and verdict.metrics["nonfinite_x"] == x and "every float32" not in verdict.detail
    tree, result = evaluated(problem, PLAIN)
    verdict = problem.verify(tree, result.metrics)
    assert verdict.metrics["coverage"] == "exhaustive" and verdict.metrics["points"] == domain_size(1.0, 2.0, False)
    # Every number of the domain holds the search's points: the check finds the search's worst or worse.
    assert verdict.metrics["max_ulp"] >= result.metrics["max_ulp"]
    assert verdict.passed == (verdict.metrics["max_ulp"] <= result.metrics["max_ulp"])
    assert verdict.score == verdict.metrics["max_ulp"] + result.metrics["ops"] / 1000
    exhaustive = log2.make_problem(minimax=False, verify_points=2**23)  # the search measured every number
    tree, result = evaluated(exhaustive, PLAIN)
    again = exhaustive.verify(tree, result.metrics)
    assert again.passed and again.score == result.score


def test_float32_check_draws_its_inputs_afresh_and_denser():
    chunks, how = verification_inputs(log2.TARGET, 4 * 4096, seed=0, chunk=4096)
    fresh = np.concatenate(list(chunks))
    searched = domain_points(log2.TARGET, 4096, exhaustive_limit=0, seed=0)[0]
    assert how == "sampled" and fresh.size >= 4 * 4096 - 64
    assert ((fresh >= 1.0) & (fresh < 2.0)).all()
    new = np.setdiff1d(fresh, searched)
    assert new.size > fresh.size / 2  # mostly numbers the search never measured
    chunks, how = verification_inputs(log2.TARGET, 2**23, chunk=2**21)
    every = np.concatenate(list(chunks))
    assert how == "exhaustive" and every.size == 2**23 and np.unique(every).size == 2**23


POLICY = "def act(obs):\n    return jnp.where(obs[2] + obs[3] > 0.0, 1, 0)\n"


def test_a_policy_is_checked_on_fresh_episodes_within_a_noise_band():
    problem = cartpole.make_problem(episodes=16, heldout_episodes=4)
    tree = program.parse(POLICY)
    result = problem.evaluate_tree(tree)
    verdict = problem.verify(tree, result.metrics)
    assert verdict.metrics["episodes"] == 64 and verdict.tolerance >= 0
    assert verdict.passed == (verdict.score >= result.score - verdict.tolerance)
    weak = program.parse("def act(obs):\n    return jnp.where(obs[2] > 0.0, 1, 0)\n")
    forged = {**problem.evaluate_tree(weak).metrics, "mean_return": 500.0}  # a search score it cannot repeat
    verdict = problem.verify(weak, forged)
    assert not verdict.passed and verdict.score < 500.0 - verdict.tolerance and "below" in verdict.detail
    invalid = program.parse("def act(obs):\n    return 7\n")
    assert not problem.verify(invalid, result.metrics).passed


def oracle(prompt: str, temperature: float) -> tuple[str, int]:
    answer = next((t.answer for tasks in SETS.values() for t in tasks if t.question in prompt), None)
    return f"so the answer is\n{answer}", 3


def wrong(prompt: str, temperature: float) -> tuple[str, int]:
    text, tokens = oracle(prompt, temperature)
    return text + "1", tokens  # one digit too many


SETS = arithmetic_tasks.splits(0, 4, 4, 6)


def test_an_agent_is_checked_on_its_held_out_tasks():
    tree = program.parse(llm_agent.seed_source("chain_of_thought"))
    claimed = {"accuracy": 1.0, "tasks": 4}
    right = llm_agent.verify_agent(SETS["heldout"], oracle, 8, 20.0, tree, claimed)
    assert right.passed and right.score == 1.0 and right.metrics["tasks"] == 6
    off = llm_agent.verify_agent(SETS["heldout"], wrong, 8, 20.0, tree, claimed)
    assert not off.passed and off.score == 0.0 and "below" in off.detail
    assert llm_agent.make_problem(train=4, validation=4, heldout=0).verify is None  # nothing held out to check on
    assert llm_agent.make_problem(train=4, validation=4, heldout=6).verify is not None


def test_a_shortfall_inside_the_noise_band_is_not_flagged(tmp_path):
    archive = Archive(tmp_path / "a.sqlite")
    cid = archive.create_campaign("c", "p", {}, 0, "max")
    archive.add([ProgramRecord(id=1, campaign_id=cid, source=POLICY, status="ok", score=100.0, operator="seed")])
    assert not archive.add_verdict(1, True, 95.0, "within", tolerance=10.0).worse
    row = archive.add_verdict(1, True, 85.0, "beyond", tolerance=10.0)
    assert row.worse and row.metrics == {"tolerance": 10.0}
    assert archive.add_verdict(1, True, 99.0, "no band").worse
    with pytest.raises(ValueError, match="tolerance"):
        archive.add_verdict(1, True, 99.0, "", tolerance=-1.0)


def stored(path, problem: str, options: dict, direction: str, programs: list[tuple[str, float, dict]]) -> str:
    """An archive holding one campaign of ``problem`` with ``programs`` (source, score, metrics), as if searched."""
    archive = Archive(path)
    config = Config().replace(problem=problem, problem_options=options).to_dict()
    cid = archive.create_campaign("c", problem, config, 0, direction)
    archive.add([ProgramRecord(id=i, campaign_id=cid, source=s, status="ok", score=score, metrics=m, operator="seed")
                 for i, (s, score, m) in enumerate(programs, 1)])
    archive.close()
    return str(path)


def verdicts_of(db: str) -> dict[int, object]:
    archive = Archive(db, readonly=True)
    try:
        return archive.verdicts()
    finally:
        archive.close()


def test_evolve_verify_checks_archives_of_every_program_kind(tmp_path, capsys):
    problem = log2.make_problem(**LOG2)
    source, _ = pole_at_an_unmeasured_point()
    rows = [(s, r.score, r.metrics) for s, (_, r) in ((s, evaluated(problem, s)) for s in (PLAIN, source))]
    db = stored(tmp_path / "f32.sqlite", "log2", LOG2, "min", rows)
    assert main(["verify", db]) == 1  # the program with the pole is overrated
    assert "2 checked" in capsys.readouterr().out
    found = verdicts_of(db)
    assert not found[2].passed and found[2].worse and "returns inf" in found[2].detail
    # The sound program's worst point lies between the 1024 the search measured: it is overrated too, by a little.
    assert found[1].worse == (found[1].score > rows[0][1])

    options = {"episodes": 16, "heldout_episodes": 4}
    policy = cartpole.make_problem(**options)
    metrics = policy.evaluate_tree(program.parse(POLICY)).metrics
    db = stored(tmp_path / "policy.sqlite", "cartpole", options, "max",
                [(POLICY, metrics["mean_return"], metrics), (POLICY + "\n", 500.0, {**metrics, "mean_return": 500.0})])
    verify_archive(db)
    found = verdicts_of(db)
    assert found[2].worse and not found[2].passed and found[2].score < 500.0

    options = {"train": 4, "validation": 4, "heldout": 6, "probes": 2, "task_seconds": 20.0}
    agent = llm_agent.seed_source("chain_of_thought")
    db = stored(tmp_path / "agent.sqlite", "llm_agent", options, "max", [(agent, 1.0, {"accuracy": 1.0, "tasks": 4})])

    def respond(messages: list[dict[str, str]]) -> str:
        return oracle("\n".join(m.get("content", "") for m in messages), 0.0)[0]

    with ScriptedLLMServer([], responder=respond) as server:
        assert main(["verify", db, "--llm", server.url]) == 0
    [verdict] = verdicts_of(db).values()
    assert verdict.passed and verdict.score == 1.0 and verdict.metrics["tasks"] == 6
    assert len(server.requests) >= 6  # the held-out tasks went to the endpoint given

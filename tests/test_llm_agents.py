"""LLM-calling agents searched as code: the task generator, the call budget and timeout, the hash, the seeds, and
a short campaign against a loopback model that improves on its seed agent."""

from __future__ import annotations

import re

import numpy as np
import pytest
from tests_helpers import FAULTS

from archive import Archive
from bench.fault_injection.llm_server import ScriptedLLMServer
from evolve import Campaign, load_problem
from evolve.problem import CandidateError
from evolve.programs import program, static_check
from problems.agents import arithmetic_tasks as at
from problems.agents import llm_agent

SETS = at.splits(0)
ANSWERS = {t.question: t.answer for tasks in SETS.values() for t in tasks}


def _answer_in(prompt: str) -> int | None:
    return next((a for q, a in ANSWERS.items() if q in prompt), None)


def oracle(prompt: str, temperature: float) -> tuple[str, int]:
    """A model that knows every task's answer."""
    answer = _answer_in(prompt)
    return (f"Step one... so the answer is\n{answer}" if answer is not None else "I do not know."), 7


def agent(body: str) -> str:
    """An agent program with ``body`` as forward's body."""
    return "def forward(task, llm):\n" + "".join(f"    {line}\n" for line in body.strip().splitlines())


def compiled(source: str):
    tree = program.parse(source)
    static_check.check(tree)
    return program.compile_program(tree, llm_agent.ENTRYPOINT)


def test_task_generator_is_deterministic_and_splits_are_disjoint():
    assert at.splits(3) == at.splits(3)
    assert at.generate(20, 5) == at.generate(20, 5)
    assert at.generate(20, 5) != at.generate(20, 6)
    sets = at.splits(1, train=30, validation=30, heldout=50)
    questions = [t.question for tasks in sets.values() for t in tasks]
    assert len(questions) == len(set(questions)) == 110
    assert {t.template for t in sets["heldout"]} == set(at.TEMPLATES)
    for task in sets["train"]:
        assert isinstance(task.answer, int) and task.answer >= 0
        numbers = [int(n) for n in re.findall(r"\d+", task.question)]
        assert numbers, task.question
    with pytest.raises(ValueError, match="split sizes"):
        at.splits(0, train=-1)


EXPECTED = {"sum": lambda n: n[0] + n[1], "difference": lambda n: n[0] - n[1], "product": lambda n: n[0] * n[1],
            "quotient": lambda n: n[0] // n[1], "change": lambda n: n[2] - n[0] * n[1],
            "chain": lambda n: n[0] + n[1] - n[2], "twice-plus": lambda n: 2 * n[0] + n[1]}
"""Each template's answer from the numbers in its question, in order."""


@pytest.mark.parametrize("template", sorted(at.TEMPLATES))
def test_every_template_states_an_answer_its_numbers_give(template):
    rng = np.random.default_rng(0)
    for _ in range(50):
        task = at.TEMPLATES[template](rng)
        numbers = [int(x) for x in re.findall(r"\d+", task.question)]
        assert task.answer == EXPECTED[template](numbers) and task.answer >= 0, task


def test_answers_are_checked_exactly():
    task = at.Task("q", 12, "sum")
    for good in (12, 12.0, "12", " 12. ", "12.0", np.int64(12)):
        assert at.is_correct(good, task), good
    for bad in (13, "12 apples", "12.5", None, True, float("nan"), "", [12]):
        assert not at.is_correct(bad, task), bad
    assert at.is_correct("1,200", at.Task("q", 1200, "sum"))


def test_bootstrap_interval_holds_the_mean_and_is_seeded():
    correct = np.array([1, 0, 1, 1, 0, 1, 1, 1, 0, 1], dtype=float)
    low, high = at.bootstrap_ci(correct)
    assert low < correct.mean() < high and 0.0 <= low and high <= 1.0
    assert at.bootstrap_ci(correct) == (low, high)
    assert at.bootstrap_ci(np.ones(8)) == (1.0, 1.0)


@pytest.mark.parametrize("name", sorted(llm_agent.SEED_AGENTS))
def test_seed_agents_pass_the_check_and_score_with_a_model_that_knows(name):
    result = llm_agent.accuracy_on(llm_agent.seed_source(name), SETS["validation"], oracle)
    assert result["accuracy"] == 1.0
    assert result["calls_per_task"] == {"chain_of_thought": 1, "self_consistency": 5, "self_refine": 3}[name]


def test_agent_over_its_call_budget_is_stopped_even_when_it_catches_the_refusal():
    greedy = compiled(agent("for _ in range(20):\n    llm(task)\nreturn 1"))
    with pytest.raises(CandidateError, match=r"more than 8 llm calls on validation task 0"):
        llm_agent.run_tasks(greedy, SETS["validation"], oracle, budget=8, seconds=30.0)
    sly = compiled(agent("n = 0\nfor _ in range(20):\n    try:\n        llm(task)\n        n += 1\n"
                         "    except Exception:\n        pass\nreturn n"))
    with pytest.raises(CandidateError, match="more than 3 llm calls"):
        llm_agent.run_tasks(sly, SETS["validation"], oracle, budget=3, seconds=30.0)


def test_agent_past_its_time_is_stopped():
    slow = compiled(agent("total = 0\nfor i in range(3000000):\n    total += i\nreturn total"))
    with pytest.raises(CandidateError, match=r"past the 0.01 s a task may take on validation task 0"):
        llm_agent.run_tasks(slow, SETS["validation"][:2], oracle, budget=8, seconds=0.01)


def test_agent_errors_count_as_wrong_and_an_agent_that_always_fails_is_a_failure():
    problem = llm_agent.make_problem(validation=6, train=4, heldout=0, probes=2)
    flaky = compiled(agent('reply = llm(task)\nif "Ava" in task:\n    return int("x")\nreturn reply.split()[-1]'))
    runs = llm_agent.run_tasks(flaky, SETS["validation"][:6], oracle, budget=8, seconds=30.0)
    assert runs["errors"] == sum("Ava" in t.question for t in SETS["validation"][:6])
    broken = compiled(agent("return undefined_name"))
    with pytest.raises(CandidateError, match="raised on every validation task.*NameError"):
        problem.evaluate(broken)


def test_endpoint_failure_fails_the_evaluation_even_if_the_agent_swallows_it():
    def down(prompt: str, temperature: float) -> tuple[str, int]:
        raise RuntimeError("the LLM endpoint failed: connection refused")

    swallow = compiled(agent("try:\n    return llm(task)\nexcept Exception:\n    return 0"))
    with pytest.raises(RuntimeError, match="connection refused"):
        llm_agent.run_tasks(swallow, SETS["validation"], down, budget=8, seconds=30.0)


def test_agents_cannot_import():
    for body in ("import os\nreturn 1", "return __import__('os').getcwd()", "return llm.__class__",
                 "return eval('1')"):
        with pytest.raises(program.ProgramError):
            static_check.check(program.parse(agent(body)))


def test_functional_hash_sees_prompts_and_post_processing_not_names():
    problem = llm_agent.make_problem(validation=2, train=4, heldout=0)

    def probe(source: str) -> np.ndarray:
        return problem.probe(program.parse(source))

    base = probe(agent('r = llm("Q: " + task)\nreturn r'))
    assert np.array_equal(base, probe(agent('reply = llm("Q: " + task)\nreturn reply')))
    assert not np.array_equal(base, probe(agent('r = llm("Question: " + task)\nreturn r')))
    assert not np.array_equal(base, probe(agent('r = llm("Q: " + task, temperature=0.8)\nreturn r')))
    assert not np.array_equal(base, probe(agent('r = llm("Q: " + task)\nreturn r.strip()')))
    assert base.dtype == np.float32 and base.size == 4 * 4


def _responder(improved: str):
    """The loopback model: mutation prompts get ``improved``; an agent's prompt gets the right answer only when
    it asks to be careful (the seeds do not)."""

    def respond(messages: list[dict[str, str]]) -> str:
        text = "\n".join(m.get("content", "") for m in messages)
        if "def forward" in text:
            return f"```python\n{improved}```"
        answer = _answer_in(text)
        if answer is None:
            return "no idea"
        return f"The answer is {answer if 'CAREFUL' in text else answer + 1}."

    return respond


def test_short_campaign_improves_on_its_seed_agents(tmp_path, ray_session):
    improved = llm_agent.SEED_AGENTS["chain_of_thought"].replace('"Solve this', '"CAREFUL. Solve this')
    db = str(tmp_path / "agents.sqlite")
    with ScriptedLLMServer([], responder=_responder(improved)) as server:
        problem = load_problem("llm_agent", validation=8, train=4, heldout=0, probes=2, task_seconds=20.0)
        summary = Campaign(problem, db=db, budget=3, seed=0, workers=1, batch_size=1, progress=False,
                           mutator="llm", llm_base_url=server.url, llm_model="scripted", llm_deadline=10.0,
                           llm_retries=1).run()
    assert summary.status == "finished"
    archive = Archive(db, readonly=True)
    rows = archive.programs(campaign_id=summary.campaign_id)
    seeds = [r for r in rows if r.operator == "seed"]
    assert len(seeds) == 3 and all(r.status == "ok" and r.score == 0.0 for r in seeds)
    assert {r.metrics["calls_per_task"] for r in seeds} == {1.0, 3.0, 5.0}
    best = archive.get(summary.best_id)
    assert best.score == 1.0 and "CAREFUL" in best.source
    assert best.metrics["ci_low"] <= 1.0 and best.metrics["tasks"] == 8


def test_without_an_endpoint_a_campaign_gives_the_agents_its_embedded_model(tmp_path, ray_session):
    """GP mutator, no LLM named: the campaign still starts its local model server (here a stand-in process) for
    a problem that calls an LLM, and the evaluators reach it; the seeds would fail without it."""
    import sys

    stand_in = [sys.executable, str(FAULTS / "llm_server.py"), "{port}"]
    problem = load_problem("llm_agent", validation=3, train=4, heldout=0, probes=2, task_seconds=20.0)
    db = str(tmp_path / "gp.sqlite")
    summary = Campaign(problem, db=db, budget=2, seed=0, workers=1, batch_size=1, progress=False,
                       llm_local_command=stand_in).run()
    assert summary.status == "finished"
    seeds = [r for r in Archive(db, readonly=True).programs(campaign_id=summary.campaign_id) if r.operator == "seed"]
    assert [r.status for r in seeds] == ["ok", "ok", "ok"]
    assert sorted(r.metrics["calls_per_task"] for r in seeds) == [1.0, 3.0, 5.0]
    assert all(r.metrics["tokens_per_task"] > 0 for r in seeds)  # answered by the server, not refused


def test_an_agent_problem_outside_a_campaign_says_where_to_get_an_endpoint(monkeypatch):
    monkeypatch.delenv("EVOLVE_LLM_BASE_URL", raising=False)
    problem = llm_agent.make_problem(validation=2, train=4, heldout=0, probes=2)
    with pytest.raises(RuntimeError, match="no LLM endpoint for the agents.*base_url="):
        problem.evaluate(compiled(llm_agent.SEED_AGENTS["chain_of_thought"]))


def test_agents_may_use_text_builtins():
    words = compiled(agent("return str(len(set(task.split())))"))
    assert words("a b a", llm=None) == "2"


def unchecked(source: str):
    """``source`` compiled without the static check: the call budget must hold whatever the check lets by."""
    return program.compile_program(program.parse(source), llm_agent.ENTRYPOINT)


def counted(made: list[str]):
    """The oracle, noting each real call in ``made``."""

    def complete(prompt: str, temperature: float) -> tuple[str, int]:
        made.append(prompt)
        return oracle(prompt, temperature)

    return complete


def test_an_agent_cannot_lift_its_call_budget_or_hide_its_calls():
    # Regression: llm was an object with writable budget, calls, tokens and seconds: an agent that set
    # llm.budget = 10**6 and llm.calls = 0 made 120 real calls with a budget of 8, and 0 were recorded.
    made: list[str] = []
    lifter = unchecked(agent("llm.budget = 10**6\nllm.seconds = 10**6\nfor _ in range(20):\n    llm(task)\n"
                             "    llm.calls = 0\n    llm.tokens = 0\nreturn 1"))
    with pytest.raises(CandidateError, match="more than 8 llm calls on validation task 0"):
        llm_agent.run_tasks(lifter, SETS["validation"], counted(made), budget=8, seconds=30.0)
    assert len(made) == 8
    made.clear()
    hider = unchecked(agent("for _ in range(3):\n    llm(task)\nllm.calls = 0\nllm.tokens = 0\nreturn 1"))
    runs = llm_agent.run_tasks(hider, SETS["validation"][:4], counted(made), budget=8, seconds=30.0)
    assert len(made) == 12 and list(runs["calls"]) == [3] * 4 and list(runs["tokens"]) == [21] * 4
    handles: list = []
    llm_agent.run_tasks(lambda task, llm: handles.append(llm), SETS["validation"][:1], oracle, 8, 30.0)
    assert [name for name in dir(handles[0]) if not name.startswith("_")] == []  # nothing but a call


def test_an_agent_cannot_spend_the_calls_of_an_earlier_task():
    # A handle kept from an earlier task (in a mutable default) was a second budget no one counted.
    # compile_program now runs a candidate's module afresh on every call, so a mutable default no longer keeps
    # anything; the agent here is plain Python, as code past the static check (or a leak elsewhere) could be.
    made: list[str] = []
    kept: list = []

    def keeper(task, llm):
        kept.append(llm)
        if len(kept) == 1:
            return 0
        for _ in range(8):
            llm(task)
            kept[0](task)
        return 1

    with pytest.raises(CandidateError, match="back to the llm of an earlier task on validation task 1"):
        llm_agent.run_tasks(keeper, SETS["validation"], counted(made), budget=8, seconds=30.0)
    assert len(made) == 1  # the first call of task 1 through its own llm; the earlier one refused at once

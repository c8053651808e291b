"""bench/agents.py's goal check and curve thinning."""

from __future__ import annotations

from bench.agents import GOALS, _curve, met


def test_goals_are_met_as_the_issue_states_them():
    assert met("CartPole-v1", 500.0) and not met("CartPole-v1", 499.9)  # the maximum, reached
    assert met("Acrobot-v1", -79.9) and not met("Acrobot-v1", -80.0)  # above
    assert met("MountainCar-v0", -109.0) and not met("Pendulum-v1", -200.0) and not met("Pendulum-v1", None)
    assert set(GOALS) == {"CartPole-v1", "Acrobot-v1", "MountainCar-v0", "Pendulum-v1"}


def test_the_curve_is_thinned_and_keeps_its_last_point():
    points = [(0.5 * i, i, float(i // 10)) for i in range(1, 201)]
    curve = _curve(points, samples=20)
    assert len(curve) == 21 and curve[0]["evaluations"] == 1 and curve[-1] == {
        "seconds": 100.0, "evaluations": 200, "best_return": 20.0}
    assert _curve(points[:5]) == [{"seconds": round(t, 2), "evaluations": n, "best_return": b}
                                  for t, n, b in points[:5]]


def test_runs_of_other_environments_are_kept_only_with_the_same_settings(tmp_path):
    import argparse
    import json

    from bench._common import earlier_runs as kept_runs

    def earlier_runs(out, args, skip):
        return kept_runs(out, args, skip, key="env", known=GOALS)

    out = tmp_path / "agents.json"
    runs = [{"env": env, "method": m} for env in ("CartPole-v1", "Acrobot-v1") for m in ("evolve-gp", "random-search")]
    out.write_text(json.dumps({"seconds": 900.0, "workers": 2, "seed": 0, "runs": runs}))
    same = argparse.Namespace(seconds=900.0, workers=2, seed=0)
    assert earlier_runs(str(out), same, skip={"Acrobot-v1"}) == runs[:2]
    assert earlier_runs(str(out), argparse.Namespace(seconds=120.0, workers=2, seed=0), skip=set()) == []
    assert earlier_runs(str(tmp_path / "missing.json"), same, skip=set()) == []
    out.write_text("{not json")
    assert earlier_runs(str(out), same, skip=set()) == []


def test_the_llm_agents_report_compares_the_best_evolved_agent_with_the_best_seed():
    from bench.figures.agents import llm_agents_section
    from bench.llm_agents import best_evolved

    def agent(name, kind, accuracy, calls):
        return {"agent": name, "kind": kind, "accuracy": accuracy, "ci_low": 0.0, "ci_high": 1.0,
                "calls_per_task": calls, "tokens_per_task": 10.0 * calls, "tasks": 40}

    report = {"command": "python bench/llm_agents.py", "model": "m", "mutator": "llm", "max_tokens": 64, "seed": 0,
              "validation": 20, "heldout": 40, "seconds": 60.0, "workers": 2,
              "campaign": {"seconds": 61.0, "proposals": 3, "by_status": {"ok": 2, "invalid": 1},
                           "top_errors": {"no code": 1}, "mutator_calls": 3, "mutator_calls_failed": 0,
                           "seed_validation": {"cot": 0.1}},
              "agents": [agent("cot", "seed", 0.1, 1.0), agent("sc", "seed", 0.25, 5.0),
                         {**agent("evolved #9", "evolved", 0.3, 2.0), "validation_accuracy": 0.35,
                          "operator": "llm-diff", "source": "def forward(task, llm):\n    return 1"}]}
    text = "\n".join(llm_agents_section(report))
    assert "| cot (seed) | 10.0% | 10.0% (4 of 40) |" in text and "| sc (seed) | — | 25.0% (10 of 40) |" in text
    assert "best evolved agent (30.0%) is above the best seed, sc (25.0%)" in text
    assert "def forward(task, llm):" in text and "(2 ok, 1 invalid)" in text

    class Row:
        def __init__(self, id, operator, status, score, calls):
            self.id, self.operator, self.status, self.score = id, operator, status, score
            self.metrics = {"calls_per_task": calls}

    rows = [Row(1, "seed", "ok", 0.9, 1.0), Row(2, "llm-diff", "ok", 0.5, 4.0), Row(3, "llm-full", "ok", 0.5, 2.0),
            Row(4, "llm-full", "error", None, 0.0)]
    assert best_evolved(rows).id == 3  # a seed never counts; fewer calls break the tie
    assert best_evolved(rows[:1]) is None


def test_the_policy_report_names_environments_not_yet_measured():
    from bench.figures.agents import agents_section

    run = {"env": "Acrobot-v1", "goal": -80.0, "method": "evolve-gp", "evaluations": 9, "best_return": -79.0,
           "heldout_return": -82.0, "met": False, "best_program": "def act(obs):\n    return 1"}
    report = {"command": "python bench/agents.py", "seconds": 900.0, "workers": 2, "goals": GOALS, "runs": [run]}
    text = "\n".join(agents_section(report))
    assert "| Acrobot-v1 | -80 | evolve-gp | 9 | -79.0 | — | -82.0 | no |" in text
    run["curve"] = [{"seconds": 3.2, "evaluations": 1, "best_return": -90.0},
                    {"seconds": 41.7, "evaluations": 5, "best_return": -79.0}]
    assert "| -79.0 | 42 | -82.0 |" in "\n".join(agents_section(report))
    assert ("Not measured with these settings yet: CartPole-v1, MountainCar-v0, Pendulum-v1 "
            "(`python bench/agents.py --envs CartPole-v1 MountainCar-v0 Pendulum-v1 --seconds 900` adds them)") in text


def test_the_policy_report_says_which_commit_measured_each_environment():
    from bench._common import commit
    from bench.figures.agents import agents_section

    def run(env, code):
        return {"env": env, "goal": GOALS[env], "method": "evolve-gp", "evaluations": 9, "best_return": -79.0,
                "heldout_return": -82.0, "met": False, "best_program": None, "commit": code}

    report = {"command": "python bench/agents.py", "seconds": 900.0, "workers": 2, "goals": GOALS,
              "runs": [run("Acrobot-v1", "abc1234"), run("Pendulum-v1", "abc1234")]}
    assert "Measured one environment at a time" not in "\n".join(agents_section(report))
    report["runs"].append({**run("CartPole-v1", None), "goal": 500.0})
    assert ("Measured one environment at a time: Acrobot-v1 on abc1234; Pendulum-v1 on abc1234; CartPole-v1 on an "
            "unrecorded commit.") in "\n".join(agents_section(report))
    assert commit() is None or len(commit()) >= 7  # this checkout's commit, when git is there

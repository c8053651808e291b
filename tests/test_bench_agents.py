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

    from bench.agents import earlier_runs

    out = tmp_path / "agents.json"
    runs = [{"env": env, "method": m} for env in ("CartPole-v1", "Acrobot-v1") for m in ("evolve-gp", "random-search")]
    out.write_text(json.dumps({"seconds": 900.0, "workers": 2, "seed": 0, "runs": runs}))
    same = argparse.Namespace(seconds=900.0, workers=2, seed=0)
    assert earlier_runs(str(out), same, skip={"Acrobot-v1"}) == runs[:2]
    assert earlier_runs(str(out), argparse.Namespace(seconds=120.0, workers=2, seed=0), skip=set()) == []
    assert earlier_runs(str(tmp_path / "missing.json"), same, skip=set()) == []
    out.write_text("{not json")
    assert earlier_runs(str(out), same, skip=set()) == []

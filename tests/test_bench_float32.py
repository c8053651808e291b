"""bench/float32.py's goal checks and its section of docs/figures.md, on hand-made results."""

from __future__ import annotations

import argparse
import json

from bench.figures.float32 import float32_headline, float32_section
from bench.float32 import at_accuracy, fewer_ops, front_against_minimax, holds_in_float, kept_runs


def point(i, ulp, ops, speed=1.0):
    return {"id": i, "metrics": {"max_ulp": ulp, "ops": ops, "speed": speed, "points": 4096, "coverage": "sampled"},
            "source": "# EVOLVE-BLOCK-START\ndef f(x):\n    return x\n# EVOLVE-BLOCK-END"}


def test_fewer_ops_compares_with_the_cheapest_minimax_at_least_as_accurate():
    minimax = [{"metrics": {"max_ulp": u, "ops": o}, "real_error": 1e-4} for u, o in ((1200, 6), (20, 10), (2, 12),
                                                                                 (1, 14))]
    front = [point(1, 900, 4), point(2, 3, 11), point(3, 1, 14)]
    best = fewer_ops(front, minimax, "max_ulp")
    assert best == {"id": 1, "max_ulp": 900, "ops": 4, "minimax_ops": 10, "saving": 6}  # 1200 ULP is no rival
    assert fewer_ops([point(3, 1, 14), point(4, 0, 40)], minimax, "max_ulp") is None  # equal is not fewer
    assert fewer_ops([point(5, 4_000_000, 0)], minimax, "max_ulp") is None  # a constant, worse than every minimax
    # A polynomial 2**23 ULPs off (flushed to zero) though its real error is 4e-4 widens no range.
    broken = [{"metrics": {"max_ulp": 8_391_866, "ops": 4}, "real_error": 4e-4}, *minimax]
    assert not holds_in_float(broken[0], "max_ulp") and all(holds_in_float(m, "max_ulp") for m in minimax)
    assert fewer_ops([point(6, 100_000, 2)], broken, "max_ulp") is None
    assert holds_in_float({"metrics": {"max_rel_error": 7.6e-8}, "real_error": 7.5e-8}, "max_rel_error")


def test_at_goal_sets_the_cheapest_evolved_program_against_the_cheapest_baseline_reaching_it():
    base = [{"kind": "minimax", "degree": 7, "real_error": 1e-9, "metrics": {"max_ulp": 1, "ops": 14}},
            {"kind": "rational", "degree": 3, "denominator": 2, "real_error": 1e-9,
             "metrics": {"max_ulp": 1, "ops": 12}},
            {"kind": "taylor", "degree": 3, "real_error": 1e-9, "metrics": {"max_ulp": 1, "ops": 4}},  # not a rival
            {"kind": "rational", "degree": 2, "denominator": 1, "real_error": 1e-3, "metrics": None}]  # a pole
    goal = at_accuracy([point(1, 1, 13), point(2, 0, 20), point(3, 5, 3)], base, "max_ulp", 1)
    assert goal["evolved"] == {"id": 1, "ops": 13, "max_ulp": 1}
    assert goal["baseline"] == {"name": "rational 3/2", "ops": 12, "max_ulp": 1} and not goal["met"]
    assert at_accuracy([point(1, 1, 12)], base, "max_ulp", 1)["met"]  # no more ops is enough
    assert at_accuracy([point(1, 1, 30)], base[2:], "max_ulp", 1)["met"]  # no baseline reaches it
    assert not at_accuracy([point(1, 2, 3)], base, "max_ulp", 1)["met"]  # none within the level


def test_the_real_front_is_compared_with_minimax_at_every_op_count():
    base = [{"kind": "minimax", "degree": d, "metrics": {"max_rel_error": e, "ops": 2 * d}}
            for d, e in ((3, 7e-5), (5, 7.5e-8), (8, 7.7e-13))]
    front = [{"id": 1, "metrics": {"max_rel_error": 1e-6, "ops": 6}},
             {"id": 2, "metrics": {"max_rel_error": 1e-11, "ops": 10}}]
    out = front_against_minimax(front, base, "max_rel_error", ops=(6, 10, 16))
    assert [r["below"] for r in out["rows"]] == [True, True, False] and not out["below_everywhere"]
    tie = [{"id": 3, "metrics": {"max_rel_error": 7.45e-8, "ops": 10}}]  # a refit of the same polynomial
    assert not front_against_minimax(tie, base, "max_rel_error", ops=(10,))["rows"][0]["below"]
    assert out["rows"][2] == {"ops": 16, "evolved": 1e-11, "minimax": 7.7e-13, "below": False}


def test_the_float32_section_reports_each_target_and_its_goals():
    base = [{"kind": "minimax", "degree": 7, "metrics": {"max_ulp": 1, "ops": 14, "speed": 1.2}},
            {"kind": "rational", "degree": 3, "denominator": 2, "metrics": {"max_ulp": 1, "ops": 13, "speed": 1.0}},
            {"kind": "taylor", "degree": 7, "metrics": {"max_ulp": 3, "ops": 15, "speed": 1.1}}]
    at_goal = {"level": 1, "evolved": {"id": 5, "ops": 12, "max_ulp": 1},
               "baseline": {"name": "rational 3/2", "ops": 13, "max_ulp": 1}, "met": True}
    run = {"target": "exp2", "coverage": "sampled", "points": 4096, "best": point(5, 1, 12, 1.3),
           "baselines": base, "plot": "float32-exp2.png", "fronts": {},
           "fitter": {"structures": 40, "median_ms": 81.2, "p90_ms": 240.9, "failed": 0},
           "goals": {"fewer_ops_than_baselines": None, "within_1_ulp": True, "at_goal": at_goal,
                     "within_1_ulp_and_faster_than_library": True}}
    user = {**run, "target": "float32_exp", "user_target": True, "plot": "float32-float32_exp.png",
            "best": point(6, 2, 9), "goals": {"within_1_ulp": False, "at_goal": {**at_goal, "level": 2}}}
    real = {"target": "exp2_real", "coverage": None, "points": 16386, "plot": "float32-exp2_real.png",
            "best": {"id": 9, "metrics": {"max_rel_error": 3e-9, "ops": 11, "points": 16386}, "source": "x"},
            "baselines": [{"kind": "minimax", "degree": 5, "metrics": {"max_rel_error": 7.49e-8, "ops": 10}}],
            "broken_in_float": ["minimax 3"],
            "fronts": {}, "goals": {"fewer_ops_than_baselines": None, "least_error_within_10_ops": 2e-8,
                                    "minimax_degree5": 7.49e-8, "met": False,
                                    "front_against_minimax": {"below_everywhere": False, "rows": [
                                        {"ops": 6, "evolved": 1e-4, "minimax": None, "below": True},
                                        {"ops": 10, "evolved": 2e-8, "minimax": 7.49e-8, "below": True},
                                        {"ops": 18, "evolved": 2e-8, "minimax": 4e-11, "below": False}]}}}
    text = "\n".join(float32_section({"command": "python bench/float32.py", "seconds": 60.0, "workers": 2,
                                      "runs": [run, user, real]}))
    assert ("| exp2 | 4096 points, sampled | 1 ULP | 12 | 1.30 | 1 ULP (13, rational 3/2) | yes | "
            "12 / 13 (rational 3/2) | yes |") in text
    assert "| exp2_real | 16386 points, float64 | 3.00e-09 | 11 | — | 7.49e-08 (10, minimax 5) | — | — | — |" in text
    assert "Every one of the six targets within 1 ULP (the goal): 1 of 1 measured (exp2); missed." in text
    assert "on at least 4 of the 6 (the goal): 1 (exp2); missed." in text
    assert "faster than `jnp.exp2`: yes" in text and "at most 10 operations: 2.00e-08 (goal 1e-10: missed" in text
    assert "`float32_exp` (written as a file through the public `Target` API) within 2 ULPs (the goal): met" in text
    assert "| 18 | 2.00e-08 | 4.00e-11 | no |" in text
    assert "below, by more than 1%, at every count from 6 to 18; missed" in text
    assert "exp2 median 81 ms, 90th percentile 241 ms over 40" in text
    assert "[exp2](../bench/results/float32-exp2.png)" in text  # relative to docs/figures.md
    assert "left out of the ops comparison: exp2_real (minimax 3)." in text
    assert "Measured on commit unrecorded (exp2, float32_exp, exp2_real)." in text


def test_the_ops_goal_says_where_no_baseline_reaches_1_ulp():
    # tanh: no polynomial or rational baseline is within 1 ULP, so any evolved program there meets the ops goal.
    def run(target, baseline):
        goal = {"level": 1, "evolved": {"id": 1, "ops": 108, "max_ulp": 1}, "baseline": baseline, "met": True}
        base = [{"kind": "minimax", "degree": 9, "metrics": {"max_ulp": 3, "ops": 18, "speed": 1.0}}]
        return {"target": target, "coverage": "sampled", "points": 4096, "best": point(1, 1, 108), "baselines": base,
                "plot": f"float32-{target}.png", "fronts": {}, "goals": {"within_1_ulp": True, "at_goal": goal}}
    r = {"seconds": 600.0, "workers": 2,
         "runs": [run("tanh", None), run("exp2", {"name": "minimax 6", "ops": 12, "max_ulp": 1})]}
    text = "\n".join(float32_section(r))
    assert "on at least 4 of the 6 (the goal): 2 (tanh, where no baseline reaches 1 ULP, exp2); missed. " \
           "Without the targets no baseline reaches, 1." in text
    assert "| tanh | 4096 points, sampled | 1 ULP | 108 | 1.00 | 3 ULP (18, minimax 9) | yes | " \
           "108 / none reaches it | yes |" in text
    assert float32_headline(r).endswith("(the goal, at least 4: missed; 1 of them with no baseline within 1 ULP).")
    r["runs"] = r["runs"][1:]
    assert "Without the targets" not in "\n".join(float32_section(r)) and float32_headline(r).endswith("missed).")


def test_a_run_without_extra_targets_keeps_the_user_targets_earlier_figures(tmp_path):
    # `--extra` with no paths measured no user target, and the earlier float32_exp entry was dropped from the file.
    out = tmp_path / "float32.json"
    old = [{"target": t, "fitter": {}} for t in ("exp2", "tanh", "float32_exp")]
    out.write_text(json.dumps({"seconds": 600.0, "workers": 2, "seed": 0, "runs": old}))
    args = argparse.Namespace(targets=["exp2"], extra=[], seconds=600.0, workers=2, seed=0)
    kept, order = kept_runs(out, args)
    assert [r["target"] for r in kept] == ["tanh", "float32_exp"] and "float32_exp" in order
    args.extra = ["somewhere/float32_exp.py"]  # measured again: the old entry makes way
    assert [r["target"] for r in kept_runs(out, args)[0]] == ["tanh"]

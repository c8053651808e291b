"""bench/float32.py's goal checks and its README section, on hand-made results."""

from __future__ import annotations

from bench.float32 import fewer_ops, holds_in_float
from bench.report import float32_section


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


def test_the_float32_section_reports_each_target_and_its_goals():
    base = [{"kind": "minimax", "degree": 7, "metrics": {"max_ulp": 1, "ops": 14, "speed": 1.2}},
            {"kind": "taylor", "degree": 7, "metrics": {"max_ulp": 3, "ops": 15, "speed": 1.1}}]
    run = {"target": "exp2", "coverage": "sampled", "points": 4096, "best": point(5, 1, 12, 1.3),
           "baselines": base, "plot": "float32-exp2.png", "fronts": {},
           "goals": {"fewer_ops_than_minimax": {"id": 5, "max_ulp": 1, "ops": 12, "minimax_ops": 14, "saving": 2},
                     "within_1_ulp": True, "within_1_ulp_and_faster_than_library": True}}
    real = {"target": "exp2_real", "coverage": None, "points": 16386, "plot": "float32-exp2_real.png",
            "best": {"id": 9, "metrics": {"max_rel_error": 3e-9, "ops": 11, "points": 16386}, "source": "x"},
            "baselines": [{"kind": "minimax", "degree": 5, "metrics": {"max_rel_error": 7.49e-8, "ops": 10}}],
             "broken_in_float": ["minimax 3"],
            "fronts": {}, "goals": {"fewer_ops_than_minimax": None, "least_error_within_10_ops": 2e-8,
                                    "minimax_degree5": 7.49e-8, "met": False}}
    text = "\n".join(float32_section({"command": "python bench/float32.py", "seconds": 60.0, "workers": 2,
                                      "runs": [run, real]}))
    assert ("| exp2 | 4096 points, sampled | 1 ULP | 12 | 1.30 | 1 ULP (14) | yes | yes: 1 ULP in 12 ops "
            "(minimax 14) |") in text
    assert "| exp2_real | 16386 points, float64 | 3.00e-09 | 11 | — | 7.49e-08 (10) | — | no |" in text
    assert "faster than `jnp.exp2`: yes" in text and "at most 10 operations: 2.00e-08 (goal 1e-10" in text
    assert "[exp2](bench/results/float32-exp2.png)" in text
    assert "left out of the ops comparison: exp2_real (minimax 3)." in text
    assert "Measured on commit unrecorded (exp2, exp2_real)." in text

"""bench/report.py: docs/figures.md and the README's summary are what the command writes from bench/results/, and
each headline says met or missed as the figures do."""

from __future__ import annotations

from bench import report
from bench.figures.engine import demo_headline, throughput_headline


def test_the_figures_and_the_summary_are_written_from_the_results():
    assert report.FIGURES.read_text() == report.figures_text(), "run `python bench/report.py`"
    readme = report.README.read_text()
    summary = readme.split(report.START, 1)[1].split(report.END, 1)[0]
    assert summary == "\n" + report.headline_text(), "run `python bench/report.py`"


def test_the_demo_headline_counts_the_seeds_that_met_the_goal_in_time():
    def run(seed, seconds):
        first = None if seconds is None else {"max_ulp": 4, "seconds": seconds, "proposals": 900}
        return {"seed": seed, "best_max_ulp": 3, "first_within_goal": first}

    r = {"budget": 3000, "workers": 2, "goal_ulp": 4, "runs": [run(0, 312.0), run(1, 145.0), run(2, None)]}
    line = demo_headline(r)
    assert "after 312 s, 145 s, never" in line and "met on 1 of 3 seeds" in line


def test_the_throughput_headline_misses_a_fall_over_a_fifth():
    rows = [{"archive_size": n, "candidates_per_second": c} for n, c in ((1000, 3000.0), (100000, 2000.0))]
    assert throughput_headline({"results": rows, "change_first_to_last": -1 / 3}).endswith(": missed).")
    assert throughput_headline({"results": rows, "change_first_to_last": -0.1}).endswith(": met).")

"""bench/faults.py's verdict on an LLM fault and its section of docs/figures.md, on hand-made results; the commit that
benchmarks record."""

from __future__ import annotations

from bench.faults import survived
from bench.figures.faults import faults_section


def scenario(**changes):
    facts = {"scenario": "hangs", "status": "finished", "check_ok": True, "gp_evaluated": 40, "longest_call": 2.01,
             "deadline": 2.0, "failed_calls": 5, "failed_calls_recorded": 5, "llm_calls": 5, "longest_stall": 0.4}
    return {**facts, **changes}


def test_an_llm_fault_is_survived_only_if_every_rule_held():
    assert survived(scenario())
    assert not survived(scenario(longest_call=3.0))  # waited past the deadline
    assert not survived(scenario(failed_calls_recorded=4))  # a failed call missing from the archive
    assert not survived(scenario(gp_evaluated=0))  # the search stopped
    assert not survived(scenario(check_ok=False))


def test_the_faults_section_reports_the_counts():
    summary = {"campaign_kills": 7, "campaign_kills_during_writes": 3, "evaluator_kills": 3, "kills_survived": 10,
               "candidates_lost": 0, "archive_sound": True, "hostile_contained": 55, "hostile_programs": 55,
               "secret_seen": False, "written_outside": [], "gp_rate_ratio": 0.97, "llm_faults_survived": 7,
               "llm_faults": 7, "longest_stall_during_llm_faults": 2.31, "outage_seconds": 60.0,
               "longest_stall_during_outage": 1.25, "outage_recovered": True}
    text = "\n".join(faults_section({"command": "python bench/faults.py", "commit": "abc1234", "summary": summary,
                                     "llm": [{**scenario(), "survived": True}]}))
    assert "| candidates lost (goal 0) | 0 |" in text
    assert "| hostile programs contained | 55 of 55 |" in text
    assert "| longest stall of the loop during an LLM fault | 2.31 s |" in text
    assert "| endpoint down (500s) for 60 s: longest stall, LLM use resumed after | 1.25 s, yes |" in text
    assert "| hangs | 5 | 5 (5) | 2.01 s (deadline 2 s) | 40 | 0.40 s | yes |" in text
    assert "commit abc1234" in text


def test_a_benchmark_records_its_commit_dirty_only_for_changed_code(tmp_path):
    import subprocess

    from bench._common import commit

    def git(*args: str) -> None:
        subprocess.run(["git", *args], cwd=tmp_path, check=True, capture_output=True)

    git("init", "-q")
    (tmp_path / "bench" / "results").mkdir(parents=True)
    (tmp_path / "bench" / "results" / "a.json").write_text("{}")
    (tmp_path / "code.py").write_text("x = 1\n")
    git("add", ".")
    git("-c", "user.name=t", "-c", "user.email=t@t", "commit", "-q", "-m", "c")
    head = commit(tmp_path / "bench")
    assert head and not head.endswith("-dirty")
    (tmp_path / "bench" / "results" / "a.json").write_text('{"new": 1}')  # an earlier benchmark's results
    assert commit(tmp_path / "bench") == head
    (tmp_path / "code.py").write_text("x = 2\n")
    assert commit(tmp_path / "bench") == head + "-dirty"

"""What one candidate may put in the archive (evolve/evaluation/row_limits.py): error messages, metrics, source, meta,
operator names and LLM answers are bounded, by the evaluator and again by the driver, so that a hostile or broken
candidate, problem or endpoint cannot grow the archive by megabytes a row."""

from __future__ import annotations

import concurrent.futures
import json

import jax.numpy as jnp
import numpy as np
import pytest
from tests_helpers import driver

from evolve.evaluation import row_limits
from evolve.evaluation.evaluator import Evaluator, Record, Task
from evolve.llm.client import LLMCall
from evolve.mutators.base import Parent
from evolve.mutators.llm import LLMMutator, LLMPending
from evolve.problem import Problem, Result

SEED = "def f(x):\n    return 1.0 + x\n"
MB = 2**20


def returning(metrics: object) -> Problem:
    """A problem whose evaluate returns ``metrics`` whatever the candidate."""
    x = jnp.linspace(0.0, 1.0, 8)
    return Problem(name="metrics", description="", seed=SEED, entrypoint="f", probe_inputs=(x,),
                   evaluate=lambda fn: Result(float(jnp.mean(fn(x))), metrics))  # type: ignore[arg-type]


def run_one(evaluator: Evaluator, source: str, **kw: object) -> Record:
    return evaluator.evaluate_task(Task(id=1, source=source, **kw))  # type: ignore[arg-type]


def test_error_messages_are_cut_on_every_path_of_the_evaluator():
    evaluator = Evaluator(returning({}), timeout=5.0)
    # Regression: an exception raised by the module body reached the record whole, through ProgramError.
    body = run_one(evaluator, "def f(x):\n    return x\nraise ValueError('a' * 10**7)\n")
    inside = run_one(evaluator, "def f(x):\n    raise ValueError('a' * 10**7)\n")  # raised by the candidate
    assert body.status == "invalid" and inside.status == "error"
    # The static check quotes an error of the module body short itself (evolve.programs.program.MAX_QUOTE_CHARS).
    assert len(body.error) <= row_limits.ERROR_CHARS and "ValueError: aaa" in body.error
    assert len(inside.error) == row_limits.ERROR_CHARS
    assert inside.error.endswith(f"at most {row_limits.ERROR_CHARS:,} kept]")
    assert "[cut: 10,000,0" in inside.error  # says how long it was


@pytest.mark.parametrize(("metrics", "named"), [
    ({"trace": "x" * MB}, "at ['trace']: a str of 1,048,576 characters"),
    ({"outputs": np.zeros(10**7)}, "at ['outputs']: an array of 10,000,000 numbers"),
    ({f"m{i}": i for i in range(100_000)}, "100,000 entries"),
    ({"fn": print}, "not JSON (at ['fn']: a builtin_function_or_method"),
], ids=["string", "array", "many", "not-json"])
def test_metrics_over_their_bound_are_refused_with_the_reason(metrics, named):
    # Regression: a problem's metrics were stored whole, however large (or failed the archive's write).
    rec = run_one(Evaluator(returning(metrics), timeout=10.0), SEED)
    assert rec.status == "error" and rec.metrics is None and rec.score is None
    assert named in rec.error and rec.error.endswith("not stored, nor the score")
    fits = {"values": np.arange(1000, dtype=np.float32), "name": "n" * 1000}
    rec = run_one(Evaluator(returning(fits), timeout=10.0), SEED)
    assert rec.status == "ok" and rec.metrics["values"][-1] == 999
    assert len(json.dumps(rec.metrics)) < row_limits.METRICS_BYTES


def test_a_source_over_its_bound_is_refused_and_stored_cut():
    huge = SEED + "# padding\n" * (MB // 10)
    rec = run_one(Evaluator(returning({}), timeout=5.0), huge)
    assert rec.status == "invalid" and len(rec.source) == row_limits.SOURCE_CHARS and huge.startswith(rec.source)
    assert rec.error == f"the source is {len(huge):,} characters, over the 65,536 a program may have in the " \
                        "archive (refused, and stored cut)"
    assert rec.code_hash is None and rec.func_hash is None


def test_meta_and_operator_names_are_bounded():
    rec = run_one(Evaluator(returning({}), timeout=5.0), SEED, operator="o" * MB, meta={"note": "m" * MB})
    assert rec.status == "ok" and rec.operator == "o" * row_limits.OPERATOR_CHARS
    assert list(rec.meta) == ["dropped"] and "a str of 1,048,576 characters" in rec.meta["dropped"]


def test_the_driver_bounds_what_an_evaluator_sends_whatever_it_says(tmp_path, small_exp2):
    # An evaluator is not trusted to have bounded its records: a forged one is bounded again before it is stored.
    campaign = driver(tmp_path / "forged.sqlite", small_exp2)
    parent = (Parent(1, small_exp2.seed, 1.0),)
    forged = [
        Record(2, SEED, "x" * MB, "error", code_hash="c2", error="e" * (10 * MB)),
        Record(3, SEED.replace("1.0", "2.0"), "gp", "ok", code_hash="c3", func_hash="f3", score=1.0,
               metrics={"blob": "b" * MB}, meta={"not_applicable": {f"arm{i}": "x" * 100 for i in range(10**4)}}),
        Record(4, "s" * (4 * MB), "gp", "ok", code_hash="c4", func_hash="f4", score=0.5, metrics={"ops": 1}),
    ]
    campaign._process(forged, [Task(r.id, parent, operator="gp") for r in forged])
    rows = {r.id: r for r in campaign.archive.programs(campaign_id=campaign.campaign_id)}
    assert len(rows[2].error) == row_limits.ERROR_CHARS and len(rows[2].operator) == row_limits.OPERATOR_CHARS
    assert rows[3].status == "error" and rows[3].metrics is None and "at ['blob']" in rows[3].error
    assert rows[4].status == "invalid" and len(rows[4].source) == row_limits.SOURCE_CHARS and rows[4].score is None
    assert not any(name.startswith("arm") for name in campaign.choice.bandit.arms)  # the oversized meta was dropped
    assert "c4" not in campaign.ledger.code_seen and "f4" not in campaign.ledger.func_seen


def test_an_llm_answer_over_its_bound_is_not_parsed_and_is_stored_cut(tmp_path, small_exp2):
    campaign = driver(tmp_path / "answer.sqlite", small_exp2)
    answer = "```python\n" + SEED + "# more\n" * MB + "```\n"
    done: concurrent.futures.Future = concurrent.futures.Future()
    done.set_result(LLMCall(messages=[{"role": "user", "content": "improve"}], model="m", text=answer,
                            tokens_out=10))
    campaign.llm.mutators["full"] = LLMMutator(None, "full")  # no client: the call is made already
    campaign.llm.pending.append((LLMPending(done, "full", (Parent(1, small_exp2.seed, 1.0),), small_exp2), 2))
    assert campaign.llm.ready(1) == []  # nothing to evaluate
    (record, task), = campaign.llm.take_failed()
    assert record.status == "invalid" and record.error == (
        f"the LLM's answer is {len(answer):,} characters, over the 65,536 an answer may have (stored cut)")
    campaign._process([record], [task])
    call, = campaign.archive.llm_calls(campaign.campaign_id)
    assert len(call.response) == row_limits.RESPONSE_CHARS and call.response.startswith("```python\n")

"""Formula problems: constant fitting, the formula contract, hashing by structure, and short campaigns."""

from __future__ import annotations

import numpy as np
import pytest

from archive import Archive
from evolve import Campaign, load_problem
from evolve.problem import CandidateError
from evolve.programs import program
from evolve.programs.fhash import functional_hash
from problems.symbolic import llmsr
from problems.symbolic._core import MAX_PARAMS, formula_problem
from problems.symbolic.data import DataError, Dataset


def _decay(n: int, rng: np.random.Generator, lo: float = 0.0, hi: float = 3.0):
    x = rng.uniform(lo, hi, (n, 1))
    return x, 2.5 * np.exp(-0.7 * x[:, 0]) + 1.2


@pytest.fixture(scope="module")
def decay():
    rng = np.random.default_rng(0)
    data = Dataset("decay", ("x",), "y", _decay(400, rng), _decay(200, rng), _decay(200, rng, 3.0, 6.0),
                   "y decays exponentially with time x (seconds) towards a constant.")
    return formula_problem(data, starts=4, steps=150)


def formula(body: str, args: str = "x, params") -> str:
    return f"def equation({args}):\n    return {body}\n"


def evaluate(problem, source: str):
    tree = program.parse(source)
    reason = problem.check(tree)
    assert reason is None, reason
    return problem.evaluate_tree(tree)


def test_fitting_recovers_the_constants_of_a_known_formula(decay):
    result = evaluate(decay, formula("params[0] * jnp.exp(-params[1] * x) + params[2]"))
    m = result.metrics
    assert m["nmse_train"] < 1e-20 and m["nmse_id"] < 1e-20 and m["nmse_ood"] < 1e-20
    assert np.allclose(m["params"], [2.5, 0.7, 1.2], rtol=1e-6) and m["n_params"] == 3
    assert result.score == pytest.approx(m["nmse_train"] + 1e-12 * m["size"])
    # Float literals are free constants too: the same model written with numbers fits the same.
    literal = evaluate(decay, formula("2.0 * jnp.exp(-1.0 * x) + params[0]")).metrics
    assert literal["nmse_train"] < 1e-20 and literal["size"] < m["size"]
    # A wrong structure fits only so well, and every split is reported.
    line = evaluate(decay, formula("params[0] * x + params[1]")).metrics
    assert 1e-3 < line["nmse_train"] < 1 and line["nmse_ood"] > line["nmse_id"]


@pytest.mark.parametrize(("source", "reason"), [
    (formula("params[10] * x"), "out of range"),
    (formula("params[int(x[0])] * x"), "int literal"),
    (formula("jnp.sum(params) * x"), "only as params"),
    (formula("params[0] * x", "x"), "takes the 1 inputs"),
    (formula(" + ".join(f"{i + 0.5} * x ** {i}" for i in range(MAX_PARAMS + 1))), "free constants"),
    ("def other(x, params):\n    return x\n", "must define"),
])
def test_the_formula_contract_is_checked(decay, source, reason):
    assert reason in decay.check(program.parse(source))


def test_non_finite_predictions_fail_with_a_reason(decay):
    with pytest.raises(CandidateError, match="finite"):
        evaluate(decay, formula("jnp.log(x - params[0] - 100.0)"))
    with pytest.raises(CandidateError, match=r"non-finite prediction .* on the ood data at x="):
        evaluate(decay, formula("params[0] + jnp.sqrt(3 - x) * 0"))


def test_formulas_differing_only_in_constants_share_a_functional_hash(decay):
    def h(source: str) -> str:
        return functional_hash(decay.probe(program.parse(source)), decay.hash_bits)

    same = [formula("params[0] * x + params[1]"), formula("params[3] * x + params[7]"),
            formula("1.5 * x + 0.25"), formula("params[1] + params[0] * x", "t, params").replace("x", "t")]
    assert len({h(s) for s in same[:3]}) == 1
    assert h(formula("params[0] * x * x + params[1]")) != h(same[0])
    assert h(formula("params[0] * jnp.exp(x)")) != h(formula("params[0] * jnp.exp(-x)"))


def test_the_evaluator_skips_a_formula_that_only_rewrites_constants(decay):
    from evolve.evaluation.evaluator import Evaluator, Task

    evaluator = Evaluator(decay)
    first = evaluator.evaluate_task(Task(1, source=formula("params[0] * jnp.exp(-params[1] * x) + params[2]"),
                                         operator="llm-full"))
    again = evaluator.evaluate_task(Task(2, source=formula("2.5 * jnp.exp(-params[4] * x) + params[0]"),
                                         operator="llm-diff"))
    other = evaluator.evaluate_task(Task(3, source=formula("params[0] * jnp.exp(-params[1] * x)"),
                                         operator="llm-diff"))
    assert first.status == "ok" and first.skipped is None
    assert again.skipped == "func" and again.func_hash == first.func_hash and again.code_hash != first.code_hash
    assert other.skipped is None and other.status == "ok"


def test_feynman_campaign_improves_on_its_seed(ray_session, tmp_path):
    problem = load_problem("feynman", equation="I.12.1", n_train=300, n_test=100, starts=2, steps=60)
    db = tmp_path / "feynman.sqlite"
    summary = Campaign(problem, db=str(db), budget=30, workers=2, batch_size=2, seed=0, progress=False).run()
    archive = Archive(db, readonly=True)
    rows = archive.programs(campaign_id=summary.campaign_id)
    seed = next(r for r in rows if r.operator == "seed")
    assert summary.best_score < seed.score
    assert {"nmse_train", "nmse_id", "nmse_ood", "n_params", "size"} <= set(archive.best(1)[0].metrics)


@pytest.mark.skipif(not llmsr.DEFAULT_DATA_DIR.is_dir(), reason="LLM-SR data not in ../shared/data/llmsr")
def test_llmsr_problem_loads_describes_and_evaluates_its_seed():
    problem = load_problem("oscillator1", fit_rows=500, starts=2, steps=50)
    assert "velocity" in problem.description and "params" in problem.description
    result = problem.evaluate_tree(program.parse(problem.seed))
    assert 0 < result.metrics["nmse_id"] < 1 and result.metrics["nmse_ood"] is not None
    with pytest.raises(ValueError, match="fitting options"):
        load_problem("oscillator1", step=3)


def test_missing_llmsr_data_names_the_option():
    with pytest.raises(DataError, match="data_dir"):
        load_problem("oscillator1", data_dir="/nonexistent/llmsr")


def test_a_csv_becomes_a_problem_in_one_line(tmp_path):
    rng = np.random.default_rng(1)
    t = rng.uniform(0, 2, 200)
    path = tmp_path / "fall.csv"
    path.write_text("t,h\n" + "".join(f"{float(a)!r},{float(100 - 4.9 * a * a)!r}\n" for a in t))
    problem = load_problem("formula", path=str(path), target="h", starts=2, steps=80)
    result = problem.evaluate_tree(program.parse(formula("params[0] + params[1] * t ** 2", "t, params")))
    assert result.metrics["nmse_train"] < 1e-20 and result.metrics["nmse_ood"] is None
    assert np.allclose(result.metrics["params"], [100.0, -4.9])
    with pytest.raises(DataError, match="path="):
        load_problem("formula")

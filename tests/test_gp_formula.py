"""GP operators for formulas: unary functions, parameterised terms, variables and simplification."""

from __future__ import annotations

import re

import numpy as np
import pytest

from evolve import load_problem
from evolve.mutators.base import NotApplicable, Parent
from evolve.mutators.gp import GPMutator
from evolve.mutators.operators import remove_term, replace_variable
from evolve.mutators.operators import simplify_constants as simplify
from evolve.mutators.registry import portfolio
from evolve.programs import program
from problems.symbolic.operators import add_param_term, formula, insert_unary, multiply_factor, multiply_shape

SOURCE = "def equation(x, v, params):\n    return params[0] * x + params[1] * v\n"


@pytest.fixture(scope="module")
def osc():
    """A formula problem of two variables (generated data: no files needed)."""
    return load_problem("feynman", equation="I.6.20", n_train=200, n_test=50, starts=2, steps=40)


def body(source: str) -> str:
    return source.strip().splitlines()[-1].strip()


def test_portfolio_follows_what_a_problem_allows(osc, small_exp2):
    formula_ops, exp2_ops = portfolio(osc), portfolio(small_exp2)
    assert {"insert_unary", "add_param_term", "replace_variable"} <= set(formula_ops)
    assert "tune_constants" not in formula_ops  # fitting sets every constant already
    assert "insert_unary" not in exp2_ops and "add_param_term" not in exp2_ops and "tune_constants" in exp2_ops
    assert "replace_variable" not in exp2_ops  # exp2's f(x) has one variable
    assert "multiply_factor" in formula_ops and "multiply_factor" not in exp2_ops


def test_insert_unary_wraps_a_subexpression(osc, small_exp2):
    seen = set()
    for seed in range(30):
        child = insert_unary(SOURCE, osc, np.random.default_rng(seed))
        assert osc.check(program.parse(child)) is None, child
        seen |= {f for f in formula(osc).unary_functions if f"jnp.{f}(" in child}
        assert not re.search(r"jnp\.\w+\(params\[\d\]\)", child)  # a bare fitted constant is not wrapped
    assert len(seen) >= 4
    with pytest.raises(NotApplicable, match="no unary functions"):
        insert_unary("def f(x):\n    return x\n", small_exp2, np.random.default_rng(0))


def test_add_param_term_uses_a_free_parameter_and_never_params_as_a_variable(osc):
    for seed in range(30):
        child = add_param_term(SOURCE, osc, np.random.default_rng(seed))
        assert "params[2] *" in child and osc.check(program.parse(child)) is None, child
    full = "def equation(x, v, params):\n    return " + " + ".join(f"params[{i}] * x" for i in range(10)) + "\n"
    with pytest.raises(NotApplicable, match="all 10 parameters"):
        add_param_term(full, osc, np.random.default_rng(0))


def test_multiply_factor_makes_products_ratios_and_fitted_powers(osc):
    forms = set()
    for seed in range(40):
        child = multiply_factor(SOURCE, osc, np.random.default_rng(seed))
        assert osc.check(program.parse(child)) is None, child
        forms |= {f for f, pattern in (("power", r"\*\* params\[2\]"), ("ratio", r"/ [xv]\b"),
                                       ("product", r"\* [xv]\b(?! \*\*)")) if re.search(pattern, body(child))}
    assert forms == {"power", "ratio", "product"}
    full = "def equation(x, v, params):\n    return " + " + ".join(f"params[{i}] * x" for i in range(10)) + "\n"
    assert all("**" not in body(multiply_factor(full, osc, np.random.default_rng(s))) for s in range(10))


def test_a_fitted_power_recovers_an_inverse_square_law():
    problem = load_problem("feynman", equation="II.3.24", n_train=300, n_test=100)  # Pwr / (4 pi r**2)
    law = "def equation(Pwr, r, params):\n    return params[0] * Pwr * r ** params[1]\n"
    metrics = problem.evaluate_tree(program.parse(law)).metrics
    assert metrics["nmse_id"] < 1e-20 and metrics["params"][1] == pytest.approx(-2.0, abs=1e-9)


@pytest.fixture(scope="module")
def growth(tmp_path_factory):
    """Measurements of a saturating response in s with an optimum in temp (inputs never negative) and a
    variable x that changes sign."""
    rng = np.random.default_rng(0)
    s, temp, x = rng.uniform(0.5, 5.0, 400), rng.uniform(5.0, 45.0, 400), rng.uniform(-2.0, 1.0, 400)
    y = 2.0 * s / (0.7 + s) * np.exp(-0.01 * (temp - 30.0) ** 2)
    path = tmp_path_factory.mktemp("growth") / "growth.csv"
    np.savetxt(path, np.column_stack([s, temp, x, y]), delimiter=",", header="s,temp,x,y", comments="")
    return load_problem("formula", path=str(path), target="y", steps=200)


def test_multiply_shape_writes_shapes_scaled_to_the_data(growth, small_exp2):
    source = "def equation(s, temp, x, params):\n    return params[0] * s\n"
    seen: dict[tuple[str, str], str] = {}
    for seed in range(60):
        child = body(multiply_shape(source, growth, np.random.default_rng(seed)))
        assert growth.check(program.parse("def equation(s, temp, x, params):\n    " + child)) is None, child
        for form, pattern in (("saturating", r"(\w+) / \(jnp\.abs\(([\d.]+)\) \+ \1\)"),
                              ("optimum", r"jnp\.exp\(-\(\((\w+) - ([\d.]+)\) / [\d.]+\) \*\* 2\)")):
            match = re.search(pattern, child)
            if match:
                seen[(form, match.group(1))] = child
    assert set(seen) == {(form, v) for form in ("saturating", "optimum") for v in ("s", "temp")}  # x < 0 at times
    low, high = formula(growth).input_ranges["temp"]
    assert 5.0 <= low < high <= 45.0
    centre, width = map(float, re.search(r"\(temp - ([\d.]+)\) / ([\d.]+)", seen[("optimum", "temp")]).groups())
    assert low < centre < high and width == pytest.approx((high - low) / 4, rel=0.01)  # bending inside the data
    full = "def equation(s, temp, x, params):\n    return " + " + ".join(f"params[{i}] * s" for i in range(9)) + "\n"
    with pytest.raises(NotApplicable, match="no room for 2 more"):
        for seed in range(40):
            multiply_shape(full, growth, np.random.default_rng(seed))
    with pytest.raises(NotApplicable, match="no input ranges"):
        multiply_shape("def f(x):\n    return x\n", small_exp2, np.random.default_rng(0))
    assert "multiply_shape" in portfolio(growth) and "multiply_shape" not in portfolio(small_exp2)


def test_saturation_and_optimum_from_their_written_starts_fit_a_growth_law(growth):
    """The shapes' data-scaled constants are starting points the fit gets from to the exact law."""
    # the constants as multiply_shape writes them for these ranges
    law = ("def equation(s, temp, x, params):\n"
           "    return params[0] * (s / (jnp.abs(2.75) + s)) * jnp.exp(-((temp - 25.0) / 10.0) ** 2)\n")
    metrics = growth.evaluate_tree(program.parse(law)).metrics
    assert metrics["nmse_id"] < 1e-16
    assert np.abs(metrics["params"]) == pytest.approx([2.0, 0.7, 30.0, 10.0], rel=1e-6)


def test_multiply_shape_guided_by_the_fit_chooses_the_missing_optimum(growth):
    """Given the parent's fit, the shape is the one that would explain the residual: here the optimum in
    temp that the saturation in s lacks."""
    parent = "def equation(s, temp, x, params):\n    return params[0] * s / (jnp.abs(1.0) + s)\n"
    metrics = growth.evaluate_tree(program.parse(parent)).metrics
    children = [multiply_shape(parent, growth, np.random.default_rng(seed), metrics) for seed in range(20)]
    assert not any(re.search(r"\(x [-/+]|x / \(", c) for c in children)  # x changes sign: never a shape of it
    exact = [c for c in children if growth.evaluate_tree(program.parse(c)).metrics["nmse_train"] < 1e-20]
    assert len(exact) >= 3 and all("jnp.exp(-((temp - " in c for c in exact)
    proposal = GPMutator().apply("multiply_shape", [Parent(1, parent, metrics["nmse_train"], metrics)], growth,
                                 np.random.default_rng(0))
    assert proposal.source in children  # the mutator passes the parent's metrics


def test_remove_term_and_replace_variable(osc):
    children = {body(remove_term(SOURCE, osc, np.random.default_rng(s))) for s in range(20)}
    assert children == {"return params[0] * x", "return params[1] * v"}
    swapped = {body(replace_variable(SOURCE, osc, np.random.default_rng(s))) for s in range(20)}
    assert swapped == {"return params[0] * v + params[1] * v", "return params[0] * x + params[1] * x"}
    one_var = "def equation(x, params):\n    return params[0] * x\n"
    with pytest.raises(NotApplicable, match="another one"):
        replace_variable(one_var, osc, np.random.default_rng(0))


def test_simplify_folds_constants_identities_and_merged_parameters(osc):
    rng = np.random.default_rng(0)
    src = "def equation(x, v, params):\n    return 2.0 * 3.0 * x * 1 + params[0] * params[1] * v + 0.0 + 2 ** 3 * x\n"
    assert body(simplify(src, osc, rng)) == "return 6.0 * x + params[0] * v + 8 * x"
    with pytest.raises(NotApplicable, match="nothing to simplify"):
        simplify(SOURCE, osc, rng)


def test_formula_children_stay_valid_and_evaluate(osc):
    mutator = GPMutator()
    parents = (Parent(1, osc.seed), Parent(2, SOURCE))
    valid = 0
    for seed in range(40):
        try:
            child = mutator.propose(parents, osc, np.random.default_rng(seed))
        except NotApplicable:
            continue
        tree = program.parse(child.source)
        if osc.check(tree) is None:
            valid += 1
            assert "params *" not in child.source and "* params\n" not in child.source
    assert valid >= 30

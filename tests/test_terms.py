"""The term library and residual-guided term choice (``problems.symbolic.terms``, ``add_residual_term``)."""

from __future__ import annotations

import ast
from collections import Counter

import numpy as np
import pytest

from evolve import load_problem
from evolve.mutators.base import NotApplicable, Parent
from evolve.mutators.gp import GPMutator
from evolve.mutators.registry import portfolio
from evolve.programs import program
from problems.symbolic import terms
from problems.symbolic.operators import add_residual_term

UNARY = ("sin", "cos", "exp", "log", "sqrt")


def test_library_keeps_functions_to_where_they_are_defined():
    lib = terms.library(["x", "c"], {"x": (-2.0, 2.0), "c": (0.5, 3.0)}, UNARY)
    sources = [t.source for t in lib]
    assert len(sources) == len(set(sources))
    assert "jnp.log(c)" in sources and "jnp.sqrt(c)" in sources and "1 / c" in sources
    assert not any(f"{f}(x)" in s for s in sources for f in ("log", "sqrt")) and "1 / x" not in sources
    assert {"x * c", "x * jnp.cos(x)", "x * x * c", "c * c * c"} <= set(sources)
    assert "x * x * x * x" not in sources and "x * x * (x * x)" not in sources
    three = [t.source for t in terms.library(["r", "F", "theta"], {k: (0.5, 2.0) for k in ("r", "F", "theta")},
                                              ("sin",))]
    assert {"r * F * jnp.sin(theta)", "r * F * theta", "F * theta * jnp.sin(r)"} <= set(three)
    assert "r * theta * F" not in three and len(three) == len(set(three))
    assert all(t.degree <= terms.MAX_DEGREE for t in lib)
    # each float literal a term writes is counted: it takes a fitted parameter
    for t in lib:
        assert t.constants == sum(isinstance(n, ast.Constant) and isinstance(n.value, float)
                                  for n in ast.walk(ast.parse(t.source)))
    # exponential rates are scaled to the variable's range, so exp stays finite over the data
    wide = terms.library(["t"], {"t": (0.0, 500.0)}, ("exp",))
    assert "jnp.exp(0.002 * t)" in [t.source for t in wide]
    assert terms.library(["x"], {"x": (0.0, 1.0)}, UNARY, binops=("+", "-")) == []


def test_values_mark_non_finite_terms_and_explained_ignores_them():
    inputs = {"x": np.linspace(-1.0, 1.0, 50), "c": np.linspace(0.0, 2.0, 50)}
    lib = [terms.Term("x * c"), terms.Term("jnp.log(c)"), terms.Term("c * 0 + 1")]
    table = terms.values(lib, inputs)
    assert np.isfinite(table[:, 0]).all() and np.isnan(table[:, 1]).all()
    share = terms.explained(table, 3.0 * inputs["x"] * inputs["c"] + 1.0)
    assert share == pytest.approx([1.0, 0.0, 0.0])  # NaN and constant columns explain nothing
    assert terms.slope(table[:, 0], 3.0 * table[:, 0] + 1.0) == pytest.approx(3.0)


def test_choose_prefers_the_simpler_of_near_identical_terms():
    rng = np.random.default_rng(0)
    x, v = rng.uniform(-0.3, 0.3, 400), rng.uniform(-0.3, 0.3, 400)
    lib = [terms.Term("jnp.sin(0.5 * x) * v", 1), terms.Term("x * v")]
    table = terms.values(lib, {"x": x, "v": v})
    residual = 0.5 * np.sin(0.5 * x) * v  # the complex one explains it exactly, the simple one to 0.9999
    picks = Counter(terms.choose(lib, table, residual, np.random.default_rng(s), room=1)[0].source
                    for s in range(200))
    assert picks["x * v"] > picks["jnp.sin(0.5 * x) * v"] > 0
    assert terms.choose(lib, table, residual, rng, room=0)[0].source == "x * v"  # no room for a literal
    assert terms.choose(lib, table, np.zeros(400), rng, room=1) is None


@pytest.fixture(scope="module")
def law(tmp_path_factory):
    """Data of a sum of three terms, one of them a product (``c`` is positive, ``x`` changes sign)."""
    rng = np.random.default_rng(1)
    x, c = rng.uniform(-2.0, 2.0, 500), rng.uniform(0.5, 3.0, 500)
    y = 0.8 * np.sin(x) - 0.5 * x * c + 0.3 * c**3
    path = tmp_path_factory.mktemp("law") / "law.csv"
    np.savetxt(path, np.column_stack([x, c, y]), delimiter=",", header="x,c,y", comments="")
    return load_problem("formula", path=str(path), target="y")


def test_add_residual_term_finds_the_missing_term_of_a_law(law, small_exp2):
    parent = "def equation(x, c, params):\n    return params[0] * jnp.sin(x) + params[1] * c * c * c + params[2]\n"
    metrics = law.evaluate_tree(program.parse(parent)).metrics
    assert metrics["nmse_train"] > 1e-3
    children = Counter(add_residual_term(parent, law, np.random.default_rng(s), metrics) for s in range(20))
    exact = {child: law.evaluate_tree(program.parse(child)).metrics for child in children
             if law.evaluate_tree(program.parse(child)).metrics["nmse_train"] < 1e-20}
    # added to the sum or inside a term (``params[1] * (c - 1.655 * (x * 1 / c)) * c * c`` is the law too)
    assert sum(children[child] for child in exact) >= 15, children
    law_itself = "return params[0] * jnp.sin(x) + params[1] * c * c * c + params[2] - 0.5 * (x * c)"
    best = next(child for child in exact if child.strip().endswith(law_itself))  # with the law's coefficient
    assert law.check(program.parse(best)) is None
    fitted = exact[best]
    with pytest.raises(NotApplicable, match="exact"):  # no term is fitted to rounding noise
        add_residual_term(best, law, np.random.default_rng(0), fitted)
    # a program that names its variables otherwise gets the term in its own names
    renamed = parent.replace("x", "angle").replace("c, params", "conc, params").replace("c * c * c", "conc ** 3")
    child = add_residual_term(renamed, law, np.random.default_rng(0), metrics)
    assert "angle * conc" in child and " c " not in child
    # through the mutator, the parent's own metrics are used
    proposal = GPMutator().apply("add_residual_term", [Parent(1, parent, metrics["nmse_train"], metrics)], law,
                                 np.random.default_rng(0))
    assert proposal.operator == "add_residual_term" and proposal.source in children


def test_add_residual_term_refuses_what_it_cannot_do(law, small_exp2):
    parent = "def equation(x, c, params):\n    return params[0] * x\n"
    with pytest.raises(NotApplicable, match="no fit"):
        add_residual_term(parent, law, np.random.default_rng(0), {})
    # nothing returned, summed or multiplied to add to (this drew from an empty list before)
    hidden = "def equation(x, c, params):\n    y = jnp.sin(x)\n    return params[0]\n"
    with pytest.raises(NotApplicable, match="no returned value, term or factor"):
        add_residual_term(hidden, law, np.random.default_rng(0), {"params": [1.0]})
    full = "def equation(x, c, params):\n    return " + " + ".join(f"params[{i}] * x" for i in range(10)) + "\n"
    metrics = law.evaluate_tree(program.parse(full)).metrics
    with pytest.raises(NotApplicable, match="no room"):
        add_residual_term(full, law, np.random.default_rng(0), metrics)
    assert "add_residual_term" in portfolio(law) and "add_residual_term" not in portfolio(small_exp2)
    with pytest.raises(NotApplicable, match="gives no residuals"):
        add_residual_term("def f(x):\n    return x\n", small_exp2, np.random.default_rng(0), {})


def test_add_residual_term_corrects_a_factor_inside_a_product(tmp_path):
    """A term the law holds inside a product is found through the formula's sensitivity there: the library
    has ``b * s`` but not ``b * s * exp(-((T - 30) / 10) ** 2)``."""
    rng = np.random.default_rng(2)
    b, s, temp = rng.uniform(0.5, 2.0, 400), rng.uniform(0.0, 3.0, 400), rng.uniform(10.0, 50.0, 400)
    y = (b + 0.5 * b * s) * np.exp(-(((temp - 30.0) / 10.0) ** 2))
    path = tmp_path / "growth.csv"
    np.savetxt(path, np.column_stack([b, s, temp, y]), delimiter=",", header="b,s,T,y", comments="")
    problem = load_problem("formula", path=str(path), target="y")
    parent = "def equation(b, s, T, params):\n    return params[0] * b * jnp.exp(-((T - 30.0) / 10.0) ** 2)\n"
    metrics = problem.evaluate_tree(program.parse(parent)).metrics
    children = {add_residual_term(parent, problem, np.random.default_rng(seed), metrics) for seed in range(30)}
    exact = [c for c in children if problem.evaluate_tree(program.parse(c)).metrics["nmse_train"] < 1e-20]
    assert any("* (b * s)) * jnp.exp" in c or "(b + " in c for c in exact), children

"""The hold-out set of the AI Feynman collection (problems/symbolic/feynman_holdout.py): apart from the development
set, each law readable by sympy and equal to its numpy ground truth, every target finite on both sampling boxes."""

from __future__ import annotations

import itertools
import re

import numpy as np
import pytest

sp = pytest.importorskip("sympy")

from problems.symbolic import feynman  # noqa: E402
from problems.symbolic.feynman_holdout import BONUS, HOLDOUT  # noqa: E402
from problems.symbolic.recovery import law_expression  # noqa: E402

# 100 Feynman and 20 bonus equations, less the 24 of the development set; none left out.
EXPECTED = 120 - 24


def _law(eq):
    return law_expression(eq.formula, eq.inputs)


def _values(eq, x: np.ndarray) -> np.ndarray:
    with np.errstate(all="ignore"):
        y = eq.fn(*x.T)
    assert isinstance(y, np.ndarray) and y.shape == (len(x),), eq.name
    assert y.dtype == np.float64, f"{eq.name}: {y.dtype}"
    return y


def test_the_holdout_set_is_apart_from_the_development_set():
    assert not set(HOLDOUT) & set(feynman.EQUATIONS)
    assert len(HOLDOUT) == EXPECTED
    assert all(name == eq.name for name, eq in HOLDOUT.items())
    dev_laws = {sp.srepr(_law(eq)): name for name, eq in feynman.EQUATIONS.items()}
    seen: dict[str, str] = {}
    for name, eq in HOLDOUT.items():
        law = sp.srepr(_law(eq))
        assert law not in dev_laws, f"{name} repeats the development law {dev_laws.get(law)}"
        assert law not in seen, f"{name} repeats {seen.get(law)}"
        seen[law] = name


def test_ids_are_those_of_the_ai_feynman_files():
    feynman_ids = [name for name in HOLDOUT if name not in BONUS]
    assert all(re.fullmatch(r"(I|II|III)\.\d+\.\d+[a-z]?", name) for name in feynman_ids), feynman_ids
    # The CSV's misspellings (I.6.2b for I.6.20b) are corrected.
    assert "I.6.20b" in HOLDOUT and not {"I.6.2a", "I.6.2", "I.6.2b", "I.39.1"} & set(HOLDOUT)
    assert len(feynman_ids) == 100 - len(feynman.EQUATIONS)


def test_the_bonus_equations_are_named_as_in_the_ai_feynman_files():
    assert BONUS == {f"test_{i}" for i in range(1, 21)}
    assert BONUS <= set(HOLDOUT)


@pytest.mark.parametrize("name", sorted(HOLDOUT))
def test_every_law_parses_to_its_own_ground_truth(name):
    eq = HOLDOUT[name]
    law = _law(eq)
    assert {str(s) for s in law.free_symbols} == set(eq.inputs)
    assert eq.target not in eq.inputs and eq.formula.split("=", 1)[0].strip() == eq.target
    f = sp.lambdify([sp.Symbol(k, real=True) for k in eq.inputs], law, "numpy")
    x = feynman._uniform(np.random.default_rng(1), eq.id_range, 50)
    np.testing.assert_allclose(_values(eq, x), f(*x.T), rtol=1e-9, atol=0)


@pytest.mark.parametrize("name", sorted(HOLDOUT))
def test_targets_are_real_and_finite_in_and_out_of_domain(name):
    eq = HOLDOUT[name]
    rng = np.random.default_rng(2)
    inside = feynman._uniform(rng, eq.id_range, 2000)
    outside = feynman._outside(rng, eq.id_range, eq.ood_range, 2000)
    assert np.isfinite(_values(eq, inside)).all()
    assert np.isfinite(_values(eq, outside)).all()
    # The corners of both boxes, where a constraint such as v < c or |arcsin's argument| <= 1 is tightest.
    corners = np.array(list(itertools.product(*eq.ood_range)) + list(itertools.product(*eq.id_range)), float)
    assert np.isfinite(_values(eq, corners)).all()


# III.9.52 divides by ((omega - omega_0)*t/2)**2, which vanishes on omega = omega_0 inside the CSV's own in-domain
# box: a removable singularity (sin(u)**2/u**2 tends to 1), which its ground truth removes.
REMOVABLE = {"III.9.52": {"omega", "omega_0"}}


@pytest.mark.parametrize("name", sorted(HOLDOUT))
def test_no_denominator_vanishes_on_the_ood_box(name):
    """A pole is missed by finite samples; a denominator that keeps one strict sign over the box has none."""
    eq = HOLDOUT[name]
    symbols = [sp.Symbol(k, real=True) for k in eq.inputs]
    x = feynman._uniform(np.random.default_rng(3), eq.ood_range, 20000)
    x = np.concatenate([x, np.array(list(itertools.product(*eq.ood_range)), float)])
    bases = {p.base for p in sp.preorder_traversal(_law(eq)) if p.is_Pow and p.exp.is_negative}
    for base in bases:
        if REMOVABLE.get(name, {None}) <= {str(s) for s in base.free_symbols}:
            continue
        with np.errstate(all="ignore"):
            value = np.broadcast_to(sp.lambdify(symbols, base, "numpy")(*x.T), (len(x),))
        assert (value > 0).all() or (value < 0).all(), f"{base} reaches zero"


@pytest.mark.parametrize("name", sorted(HOLDOUT))
def test_descriptions_name_every_variable_and_never_the_formula(name):
    eq = HOLDOUT[name]
    for variable in (eq.target, *eq.inputs):
        assert re.search(rf"(^|[\s,]){re.escape(variable)}[:,]", eq.description), variable
    rhs = eq.formula.split("=", 1)[1].strip()
    assert rhs not in eq.description
    assert not re.search(r"\*\*|\bexp\(|\bsqrt\(|\bsin\(|\bcos\(", eq.description)


def test_a_held_out_equation_is_a_problem_like_any_other():
    from evolve import load_problem
    from problems.symbolic.data import DataError

    data = feynman.generate("test_5", n_train=100, n_test=50)
    assert data.inputs == HOLDOUT["test_5"].inputs and data.train[0].shape == (100, 4)
    assert load_problem("feynman", equation="II.6.15a", n_train=100, n_test=50).name == "feynman-II.6.15a"
    with pytest.raises(DataError, match="held out"):
        feynman.generate("I.99.99")

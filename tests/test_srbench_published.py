"""SRBench's published solution rates (bench/srbench_published.py): every AI Feynman id of ours maps to an SRBench
data set or is a listed gap, the rates are fractions, and the per-equation figures reproduce the published means."""

from __future__ import annotations

import re

import pytest

from bench import srbench_published as sp
from problems.symbolic.feynman import EQUATIONS
from problems.symbolic.feynman_holdout import HOLDOUT

OURS = list(EQUATIONS) + list(HOLDOUT)


def test_every_id_maps_or_is_a_known_gap():
    assert len(OURS) == 120 and len(set(OURS)) == 120
    assert set(sp.MISSING) == {"I.26.2", "I.30.5", "II.11.17", "test_10"}
    names = {eq: sp.srbench_name(eq) for eq in OURS}
    assert {eq for eq, name in names.items() if name is None} == set(sp.MISSING)
    mapped = [name for name in names.values() if name is not None]
    assert len(mapped) == len(set(mapped)) == 116
    assert all(re.fullmatch(r"feynman_(I{1,3}_\d+_\d+[a-z]?|test_\d+)", name) for name in mapped)
    assert names["I.6.20a"] == "feynman_I_6_2a" and names["I.39.10"] == "feynman_I_39_1"
    assert names["I.15.1"] == "feynman_I_15_10" and names["II.11.27"] == "feynman_II_11_27"
    assert names["test_1"] == "feynman_test_1"
    # the table holds exactly our ids, less the gaps
    assert set(sp.SOLUTION_FRACTION["Operon"]) == set(OURS) - set(sp.MISSING)
    with pytest.raises(KeyError):
        sp.srbench_name("I.99.99")


def test_rates_are_fractions():
    assert set(sp.SOLUTION_FRACTION) == set(sp.PUBLISHED) == set(sp.ALGORITHMS)
    for alg, per_eq in sp.SOLUTION_FRACTION.items():
        assert all(0.0 <= rate <= 1.0 for rate in per_eq.values()), alg
        assert 0.0 <= sp.PUBLISHED[alg]["rate"] <= 1.0
        assert sp.PUBLISHED[alg]["noise"] == 0.0 and sp.PUBLISHED[alg]["trials"] == 10
    # AIFeynman has no SRBench row for two equations
    assert set(OURS) - set(sp.MISSING) - set(sp.SOLUTION_FRACTION["AIFeynman"]) == {"III.8.54", "test_13"}


def test_rates_on_holdout():
    rates = sp.rates_on(list(HOLDOUT))
    assert set(rates) == set(sp.ALGORITHMS)
    for alg, info in rates.items():
        assert info["granularity"] == "per-equation"
        assert info["rate"] is not None and 0.0 <= info["rate"] <= 1.0, alg
        assert info["noise"] == 0.0
        assert info["problems"] + len(info["missing"]) == len(HOLDOUT) == 96
        assert {"I.26.2", "I.30.5", "II.11.17", "test_10"} <= set(info["missing"])
    assert rates["Operon"]["problems"] == 92 and rates["AIFeynman"]["problems"] == 90
    with pytest.raises(KeyError):
        sp.rates_on(["no-such-equation"])


def test_all_equations_reproduce_the_published_aggregate():
    rates = sp.rates_on(OURS)
    for alg in sp.ALGORITHMS:
        assert rates[alg]["problems"] == sp.PUBLISHED[alg]["problems"], alg
        assert rates[alg]["rate"] == pytest.approx(sp.PUBLISHED[alg]["rate"], abs=1e-4), alg


def test_aggregate_fallback(monkeypatch):
    monkeypatch.setitem(sp.SOLUTION_FRACTION, "gplearn", {})
    info = sp.rates_on(list(HOLDOUT))["gplearn"]
    assert info["granularity"] == "aggregate" and info["rate"] == sp.PUBLISHED["gplearn"]["rate"]

"""Problem extensions: the typed accessor, one extension of a kind, the defaults a problem without them gets, and
the operators an extension excludes."""

from __future__ import annotations

import ast
import dataclasses

import jax.numpy as jnp
import pytest

from evolve.fitting.tuning import ConstantFit, constant_fit
from evolve.llm.evaluation import LLMEvaluation, calls_llm
from evolve.mutators import registry
from evolve.mutators.ast_edit import allowed_ops, is_params, params_arg
from evolve.mutators.extensions import PLAIN_FUNCTION_FORMS, FittedParameters, Vocabulary, vocabulary
from evolve.problem import Problem, Result
from problems.agents.operators import Policy, policy
from problems.symbolic.operators import Formula, formula

X = jnp.linspace(0.0, 1.0, 16, dtype=jnp.float32)


def plain(*extensions: object) -> Problem:
    """A problem of one variable carrying ``extensions``."""
    return Problem(name="plain", description="", seed="def f(x):\n    return 1.0 + x\n", entrypoint="f",
                   probe_inputs=(X,), evaluate=lambda fn: Result(0.0), extensions=extensions)


def test_the_accessor_returns_the_one_extension_of_a_kind_or_none():
    fit, words = ConstantFit(loss=lambda fn: jnp.mean(fn(X))), Vocabulary(binops=("+", "*"))
    problem = plain(fit, words)
    assert problem.extension(ConstantFit) is fit and problem.extension(Vocabulary) is words
    assert problem.extension(Formula) is None and problem.extension(LLMEvaluation) is None

    class Narrower(Vocabulary):
        pass

    narrow = Narrower(binops=("+",))
    assert plain(narrow).extension(Vocabulary) is narrow  # a subclass is of its base's kind


def test_two_extensions_of_one_kind_are_refused():
    with pytest.raises(ValueError, match="two extensions of one kind"):
        plain(ConstantFit(), ConstantFit(tune_dtype="float64"))

    class Narrower(Vocabulary):
        pass

    with pytest.raises(ValueError, match=r"Vocabulary and Narrower"):
        plain(Vocabulary(), Narrower())
    with pytest.raises(ValueError, match=r"give an instance, e.g. Formula\(...\)"):
        plain(Formula)


def test_with_extension_replaces_the_one_of_its_kind_and_keeps_the_rest():
    problem = plain(ConstantFit(), Vocabulary(binops=("+",)))
    tuned = problem.with_extension(ConstantFit(tune_dtype="float64"))
    assert constant_fit(tuned).tune_dtype == "float64" and vocabulary(tuned).binops == ("+",)
    assert constant_fit(problem).tune_dtype == "float32"  # the original is untouched
    assert calls_llm(tuned.with_extension(LLMEvaluation())) and not calls_llm(tuned)


def test_a_problem_without_extensions_gets_the_defaults():
    problem = plain()
    assert problem.extensions == ()
    assert vocabulary(problem) == Vocabulary() and allowed_ops(problem) == ["+", "-", "*", "/"]
    assert vocabulary(problem).structures == ()
    fit = constant_fit(problem)
    assert fit.loss is None and fit.batch_loss is None and fit.fit_constants is None
    assert (fit.tune_dtype, fit.constant_dtype) == ("float32", "float32")
    assert params_arg(problem) is None and not calls_llm(problem)
    assert formula(problem) == Formula() and policy(problem) == Policy()
    offered = registry.portfolio(problem)
    assert {"insert_rational", "name_square", "square_half", "swap_operator"} <= set(offered)
    assert not {"tune_constants", "write_structure", "insert_unary", "insert_where"} & set(offered)


def test_constant_fit_validates_its_dtypes():
    with pytest.raises(ValueError, match="constant_dtype"):
        ConstantFit(constant_dtype="float16")
    with pytest.raises(ValueError, match="tune_dtype"):
        ConstantFit(tune_dtype="bfloat16")


def test_fitted_parameters_are_not_variables_and_exclude_the_plain_function_forms():
    problem = dataclasses.replace(plain(FittedParameters(arg="params", max_params=4)),
                                  seed="def f(x, params):\n    return params[0] * x\n")
    assert params_arg(problem) == "params"
    node = ast.parse("params[0]", mode="eval").body
    assert is_params(node, problem) and not is_params(node, plain())
    assert registry.excluded(problem) == frozenset(PLAIN_FUNCTION_FORMS)
    assert not set(PLAIN_FUNCTION_FORMS) & set(registry.portfolio(problem))
    assert "add_param_term" in registry.portfolio(problem)


def test_an_extension_may_exclude_any_operator_by_name():
    @dataclasses.dataclass(frozen=True)
    class NoSwaps:
        excludes_operators = ("swap_operator",)

    problem = plain(NoSwaps())
    assert registry.applies_to("swap_operator", plain()) and not registry.applies_to("swap_operator", problem)
    assert "swap_operator" not in registry.portfolio(problem)
    assert registry.applies_to("insert_term", problem)

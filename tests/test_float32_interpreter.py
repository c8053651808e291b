"""float32 programs through the interpreter: the same bits as the operation-by-operation path on every measured
point, the same result from the problem, and constants tuned through it as through a compiled tuner."""

from __future__ import annotations

import jax
import jax.numpy as jnp
import numpy as np
import pytest

from evolve.fitting import tuning
from evolve.programs import interpreter, program
from problems.float32 import exp2

HORNER6 = ("1.0 + x * (0.693147 + x * (0.2402299 + x * (0.055482443 + x * (0.009681269 + x * (0.0012413863 + x * "
           "0.00021798778)))))")

PROGRAMS = [
    f"return {HORNER6}",
    # a divisor of numbers alone: Python folds it, and XLA multiplies by its reciprocal instead of dividing
    "return (1.0000001 + x) / (1 + 0.025131308)",
    "h0 = (0.8358623 + x * 0.34622547) / (1 + -0.31778783 * 0.50000024)\n    return h0 * h0",
    # a name bound to a Python number stays a Python number: h0 * h0 is folded in float64
    "h0 = 1.0204645\n    return h0 * h0 / (1 + -0.64652956 * (x * 0.75822467))",
    # jnp.float32 numbers compute in float32 from there on
    "c = jnp.float32(0.1) * 3.0\n    return x * c + jnp.float32(x * 0.5)",
    "t = x * x\n    t += x\n    t *= 0.25\n    t = t - x / 3\n    return 1.0 + t",
    "s = x * x\n    e = ((s + 1.0) * s + 2.0)\n    o = x * (0.5 * s + 3.0)\n    return (e + o) / (e - o)",
    "return x / (x + 1.5) - -0.0 * x",
    "return 2 * x - x / 7 + 1",
    "return 1.5",
    "y = x * 3.0\n    return x",  # the result is not the last instruction
    "return -(x - 0.5) * (x + 0.25) / (0.5 - x * x)",
]


def _source(body: str) -> str:
    return f"def f(x):\n    {body}\n"


@pytest.fixture(scope="module")
def exp2_problem():
    return exp2.make_problem(interpret=True)


def _interpreted(code: interpreter.Code, x: jax.Array) -> np.ndarray:
    run = jax.jit(lambda c, xs: interpreter.run(c, jnp.zeros((0,), jnp.float32), xs[None, :],
                                                ops=interpreter.ARITHMETIC, chunk=2**10, select=True))
    return np.asarray(run(tuple(jnp.asarray(a) for a in code), x))


@pytest.mark.parametrize("body", PROGRAMS)
def test_the_interpreter_rounds_every_operation_as_the_operation_by_operation_path_on_every_point(body):
    x_np = np.sort(np.random.default_rng(0).uniform(0.0, 1.0, 2**20).astype(np.float32))
    x_np = np.concatenate([x_np, np.float32([0.0, 1.0, 1e-30, 2.0**-126, 0.5])])
    tree = program.parse(_source(body))
    code = interpreter.translate(tree, "f", ("x",), ops=interpreter.ARITHMETIC)
    assert code is not None, body
    x = jnp.asarray(x_np)
    by_op = np.broadcast_to(np.asarray(program.compile_program(tree, "f")(x), dtype=np.float32), x_np.shape)
    ran = _interpreted(code, x)
    assert ran.dtype == np.float32
    np.testing.assert_array_equal(ran.view(np.uint32), by_op.view(np.uint32))


def test_xla_divides_an_array_by_a_scalar_as_a_product_and_the_interpreter_does_the_same():
    x_np = np.linspace(0.0, 1.0, 2**16, dtype=np.float32)
    tree = program.parse(_source("return x / 1.025131308"))
    ran = _interpreted(interpreter.translate(tree, "f", ("x",)), jnp.asarray(x_np))
    divided = x_np / np.float32(1.025131308)
    times_reciprocal = x_np * (np.float32(1.0) / np.float32(1.025131308))
    assert np.count_nonzero(divided != times_reciprocal) > 1000  # the two differ in the last bit often
    np.testing.assert_array_equal(ran, times_reciprocal)
    np.testing.assert_array_equal(np.asarray(jnp.asarray(x_np) / 1.025131308), times_reciprocal)
    # a scalar over an array is divided as written
    over = _interpreted(interpreter.translate(program.parse(_source("return 1.7 / (x + 1.0)")), "f", ("x",)),
                        jnp.asarray(x_np))
    np.testing.assert_array_equal(over, np.float32(1.7) / (x_np + np.float32(1.0)))


@pytest.mark.parametrize("body", PROGRAMS[:6])
def test_the_problem_returns_the_same_result_through_the_interpreter(exp2_problem, body):
    tree = program.parse(_source(body))
    compiled = exp2_problem.evaluate(program.compile_program(tree, "f"))
    interpreted = exp2_problem.evaluate_tree(tree)
    a, b = dict(compiled.metrics), dict(interpreted.metrics)
    a.pop("speed"), b.pop("speed")  # timed: the one figure that differs from run to run
    assert a == b and compiled.score == interpreted.score


def test_what_the_interpreter_cannot_run_is_evaluated_as_before(exp2_problem):
    body = "return x * (1.0 + x * x) if True else x"
    tree = program.parse(_source(body))
    assert interpreter.translate(tree, "f", ("x",), ops=interpreter.ARITHMETIC) is None
    a = dict(exp2_problem.evaluate_tree(tree).metrics)
    b = dict(exp2_problem.evaluate(program.compile_program(tree, "f")).metrics)
    a.pop("speed"), b.pop("speed")
    assert a == b


def test_constants_tuned_through_the_interpreter_are_as_good_as_through_a_compiled_tuner():
    source = ("# EVOLVE-BLOCK-START\ndef f(x):\n    return 1.0 + x * (0.69 + x * (0.24 + x * (0.05 + x * 0.01)))\n"
              "# EVOLVE-BLOCK-END\n")
    results = {}
    for interpret in (False, True):
        problem = exp2.make_problem(points=2**14, minimax=False, interpret=interpret)
        tuned = tuning.tune_constants(source, problem, steps=200)
        results[interpret] = problem.evaluate(program.compile_program(tuned, "f")).metrics["max_ulp"]
    assert results[True] <= results[False] * 1.05 + 2, results


def test_the_tuner_loss_is_the_same_through_the_interpreter():
    from evolve.programs.constants import lift_constants

    problem = exp2.make_problem(points=2**14, minimax=False, interpret=True)
    lifted, values = lift_constants(program.parse(_source(PROGRAMS[2])))
    code = interpreter.translate(lifted, "f", ("x",))
    loss = tuning.constant_fit(problem).loss
    make = program.compile_lifted(lifted, "f")
    with jax.enable_x64(True):
        p = jnp.asarray(values)
        data = tuple(jnp.asarray(a) for a in code)

        def through(q):
            return loss(lambda x: interpreter.run(data, q, jnp.asarray(x)[None, :], ops=interpreter.ARITHMETIC,
                                                  select=True, reverse=True))

        np.testing.assert_allclose(float(through(p)), float(loss(make(p))), rtol=1e-12)
        np.testing.assert_allclose(np.asarray(jax.grad(through)(p)), np.asarray(jax.grad(lambda q: loss(make(q)))(p)),
                                   rtol=1e-9)

"""The formula interpreter and Levenberg-Marquardt: the interpreter computes what the compiled formula does,
declines what it cannot run, and the fitter finds the constants of a known formula."""

from __future__ import annotations

import numpy as np
import pytest

from evolve.fitting.optimize import levenberg_marquardt
from evolve.programs import interpreter, program
from evolve.programs.constants import lift_constants
from problems.symbolic._core import ENTRYPOINT, formula_problem
from problems.symbolic.data import Dataset

INPUTS = ("x", "v")


def lifted(body: str) -> tuple:
    source = f"def {ENTRYPOINT}(x, v, params):\n" + "".join(f"    {line}\n" for line in body.splitlines())
    return lift_constants(program.parse(source), "params")


def both(body: str, X: np.ndarray, theta: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """The interpreter's and the compiled formula's values on the columns of X."""
    import jax
    import jax.numpy as jnp

    tree, _ = lifted(body)
    code = interpreter.translate(tree, ENTRYPOINT, INPUTS)
    assert code is not None, body
    with jax.enable_x64(True):
        ran = np.asarray(jax.jit(interpreter.run)(tuple(jnp.asarray(a) for a in code), jnp.asarray(theta),
                                               jnp.asarray(X.T)))
        make = program.compile_lifted(tree, ENTRYPOINT)
        compiled = np.broadcast_to(np.asarray(make(jnp.asarray(theta))(*(jnp.asarray(c) for c in X.T),
                                                                       jnp.asarray(theta))), ran.shape)
    return ran, compiled


FORMULAS = [
    "return params[0] * x + params[1] * v + params[2]",
    "return 2.5 * jnp.exp(-params[0] * x) / (1 + v ** 2)",
    "return (x - v) ** 3 - jnp.square(x) + jnp.power(v, params[0])",
    "return jnp.sin(x) * jnp.cos(v) + jnp.tanh(x * v) - jnp.abs(x) + jnp.sqrt(jnp.abs(v)) + jnp.log(1 + x * x)",
    "return jnp.arctan(x) + jnp.sinh(v / 4) - jnp.cosh(x / 4) + jnp.log1p(v * v) + jnp.expm1(x / 8) + jnp.tan(v / 9)",
    "a = params[0] * x\nb = a * a - v\nreturn -b / (a + 3) + jnp.pi * +v - jnp.e",
    "return params[0]",
    "return 4",
    "y = x\ny = y + 1\nreturn y",  # a name assigned again
    "x = v\nreturn x",  # an input reassigned
    "t = x * v\nt += params[0]\nt **= 2\nt /= v + 3\nreturn t",
    "k = 3\nk = k * 2 ** 0.5\nreturn x * k + v / params[0]",  # numbers folded in Python; a scalar divisor
    "return jnp.float32(x) * jnp.float32(1.5) + jnp.square(v)",
    "return jnp.where(x > 1, x, v) + jnp.maximum(x, v) * jnp.minimum(x, 1.5) - (v <= x) + (x == v) * 2",
    "return jnp.clip(x * params[0] - v, -1.0, 1.2) + jnp.abs(v - 1.5) + jnp.where(x - v, 1, 0) * (x != 1.5)",
]


@pytest.mark.parametrize("body", FORMULAS)
def test_the_interpreter_computes_what_the_compiled_formula_does(body):
    rng = np.random.default_rng(0)
    X = rng.uniform(-2.0, 2.0, (64, 2))
    theta = rng.uniform(0.5, 2.0, 10)
    ran, compiled = both(body, X, theta)
    np.testing.assert_allclose(ran, compiled, rtol=1e-12, atol=1e-12)


@pytest.mark.parametrize("body", [
    "return jnp.where(x > 0)",  # a function it does not run in this form
    "return math.sin(x)",  # only jnp functions run element-wise
    "return jnp.sign(x)",
    "return 0 < x < v",  # a chained comparison
    "return (x > 0) & (v > 0)",
    "return x * 2 ** 30",  # an int a float32 does not hold exactly
    "for i in range(2):\n    x = x + 1\nreturn x",
    "return x % 2",
    "return unknown * x",
    "return " + " + ".join(f"jnp.sin(x * {i})" for i in range(40)),  # more nodes than MAX_NODES
])
def test_what_the_interpreter_cannot_run_is_left_to_the_compiler(body):
    tree, _ = lifted(body)
    assert interpreter.translate(tree, ENTRYPOINT, INPUTS) is None


@pytest.mark.parametrize("body", FORMULAS)
def test_chunks_selection_fixed_trip_count_and_batches_compute_the_same_values(body):
    import jax
    import jax.numpy as jnp

    rng = np.random.default_rng(2)
    X = jnp.asarray(rng.uniform(0.5, 2.0, (2, 1000)).astype(np.float32))
    theta = jnp.asarray(rng.uniform(0.5, 2.0, 10).astype(np.float32))
    code = interpreter.translate(lifted(body)[0], ENTRYPOINT, INPUTS)
    data = tuple(jnp.asarray(a) for a in code)
    plain = np.asarray(jax.jit(interpreter.run)(data, theta, X))
    # + - * / round as IEEE says however XLA vectorises them: the same bits; a transcendental function's last bit
    # may depend on the vector length XLA compiles it for (the compiled path's too)
    arithmetic = int(code.op.max()) < interpreter.ARITHMETIC
    for options in ({"chunk": 64}, {"select": True}, {"reverse": True}, {"chunk": 100, "select": True}):
        ran = np.asarray(jax.jit(lambda d, t, x, o=options: interpreter.run(d, t, x, **o))(data, theta, X))
        if arithmetic:
            np.testing.assert_array_equal(ran, plain, err_msg=str(options))
        else:
            np.testing.assert_allclose(ran, plain, rtol=1e-6, err_msg=str(options))
    other = interpreter.translate(lifted("return x * params[1] - v")[0], ENTRYPOINT, INPUTS)
    if other.op.shape == code.op.shape:
        batch = tuple(jnp.asarray(a) for a in interpreter.stack([code, other]))
        both = np.asarray(jax.jit(jax.vmap(interpreter.run, in_axes=(0, None, None)))(batch, theta, X))
        np.testing.assert_array_equal(both[0], plain)


def test_a_program_needing_an_operation_past_the_table_is_not_translated_for_it():
    tree = lifted("return jnp.sin(x) + v")[0]
    assert interpreter.translate(tree, ENTRYPOINT, INPUTS) is not None
    assert interpreter.translate(tree, ENTRYPOINT, INPUTS, ops=interpreter.ARITHMETIC) is None
    with pytest.raises(ValueError, match="one size"):
        interpreter.stack([interpreter.translate(lifted("return x")[0], ENTRYPOINT, INPUTS),
                           interpreter.translate(lifted("return " + " + ".join(["x * v"] * 20) + " + x")[0],
                                                 ENTRYPOINT, INPUTS)])


def test_code_is_padded_to_a_few_sizes_and_repeated_subexpressions_are_computed_once():
    small = interpreter.translate(lifted("return x * x + x * x")[0], ENTRYPOINT, INPUTS)
    assert small.op.shape == (interpreter.MIN_BUFFER,) and small.length == 3  # x, x*x, +
    big = interpreter.translate(lifted("return " + " + ".join(f"x * {i}" for i in range(7)))[0], ENTRYPOINT, INPUTS)
    assert big.op.shape == (32,) and 16 < big.length <= 32


def test_a_written_integer_power_of_a_negative_base_has_a_finite_derivative():
    import jax
    import jax.numpy as jnp

    tree, _ = lifted("return params[0] * x ** 2")
    with jax.enable_x64(True):
        code = tuple(jnp.asarray(a) for a in interpreter.translate(tree, ENTRYPOINT, INPUTS))
        X = jnp.asarray([[-3.0, -1.0, 2.0], [0.0, 0.0, 0.0]])
        grad = jax.jacfwd(lambda t: interpreter.run(code, t, X))(jnp.ones(1))
    np.testing.assert_allclose(np.asarray(grad)[:, 0], [9.0, 1.0, 4.0])


def test_levenberg_marquardt_finds_the_minimum_of_rosenbrock_as_least_squares():
    import jax
    import jax.numpy as jnp

    with jax.enable_x64(True):
        u, cost = jax.jit(lambda u0: levenberg_marquardt(
            lambda u: jnp.stack([10.0 * (u[1] - u[0] ** 2), 1.0 - u[0]]), u0, 100))(jnp.asarray([-1.2, 1.0]))
    np.testing.assert_allclose(np.asarray(u), [1.0, 1.0], atol=1e-8)
    assert float(cost) < 1e-20


def test_interpreted_and_compiled_fits_agree():
    rng = np.random.default_rng(1)
    X = rng.uniform(0.5, 3.0, (400, 2))
    y = 1.7 * np.exp(-0.6 * X[:, 0]) * X[:, 1] ** 1.5 + 0.3
    data = Dataset("decay", INPUTS, "y", (X[:300], y[:300]), (X[300:], y[300:]), None, "synthetic")
    source = f"def {ENTRYPOINT}(x, v, params):\n    return params[0] * jnp.exp(params[1] * x) * v ** params[2] + 0.1\n"
    metrics = [formula_problem(data, interpret=flag).evaluate_tree(program.parse(source)).metrics
               for flag in (True, False)]
    for m in metrics:
        assert m["nmse_id"] < 1e-20
        np.testing.assert_allclose(m["params"], [1.7, -0.6, 1.5, 0.3], rtol=1e-7)

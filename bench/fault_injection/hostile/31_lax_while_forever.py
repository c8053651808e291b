# expect: timeout
# reason: killed with its evaluator
def f(x):
    n = lax.while_loop(lambda c: c > -1.0, lambda c: jnp.abs(c) + 1.0, x[0])
    return x + n

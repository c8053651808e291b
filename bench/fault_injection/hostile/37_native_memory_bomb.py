# expect: error
# reason: memory
def f(x):
    y = jnp.ones((2**32,), dtype=jnp.float32) * x[0]
    return x + y[1]

# expect: error
# reason: RESOURCE_EXHAUSTED
def f(x):
    big = jnp.zeros((2**40,), dtype=jnp.float32)
    return x + big[: x.shape[0]]

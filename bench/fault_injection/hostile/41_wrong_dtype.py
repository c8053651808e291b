# expect: error
# reason: dtype
def f(x):
    return (x * 100).astype(jnp.int32)

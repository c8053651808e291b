# expect: error
# reason: non-finite
def f(x):
    return x * jnp.nan

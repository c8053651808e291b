# expect: invalid
# reason: `globals` is not allowed
def f(x):
    globals()['jnp'] = None
    return x

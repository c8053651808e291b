# expect: invalid
# reason: `globals` is not allowed
def f(x):
    names = globals()
    names['jnp'] = None
    return x

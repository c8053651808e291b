# expect: invalid
# reason: `getattr` is not allowed
def f(x):
    g = getattr(jnp.sin, '__glo' + 'bals__')
    return x + len(g)

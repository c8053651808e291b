# expect: invalid
# reason: `vars` is not allowed
def f(x):
    fmt = vars(str)['format']
    return x + len(fmt('{0.__globals__}', jnp.sin))

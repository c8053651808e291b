# expect: invalid
# reason: attribute `.format` is not allowed
def f(x):
    out = list(map(str.format, ['{0.__globals__}'], [jnp.sin]))
    return x + len(out[0])

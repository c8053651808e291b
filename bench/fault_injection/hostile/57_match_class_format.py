# expect: invalid
# reason: attribute `.format` is not allowed
def f(x):
    match '{0.__globals__[os].environ}':
        case str(format=fmt):
            return x + len(fmt(jnp.apply_along_axis))
    return x

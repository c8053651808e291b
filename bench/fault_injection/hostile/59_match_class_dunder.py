# expect: invalid
# reason: attributes starting with '_'
def f(x):
    match jnp.exp2:
        case jnp.ufunc(__globals__=env):
            return x + len(env)
    return x

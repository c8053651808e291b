# expect: invalid
# reason: naming the caught exception is not allowed
def f(x):
    try:
        jnp.zeros((-1,))
    except Exception as err:
        return x + len(err.args)
    return x

# expect: invalid
# reason: attribute `.delete` is not allowed
def f(x):
    x.delete()
    return 1.0 + jnp.zeros(1024)

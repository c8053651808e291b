# expect: invalid
# reason: assigning or deleting an attribute is not allowed (.sin)
def f(x):
    del jnp.sin
    return x

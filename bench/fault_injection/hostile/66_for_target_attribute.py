# expect: invalid
# reason: assigning or deleting an attribute is not allowed (.last)
def f(x):
    for jnp.linalg.norm.last in range(3):
        pass
    return x

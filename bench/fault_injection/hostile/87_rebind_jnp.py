# expect: invalid
# reason: `jnp` cannot be rebound
def f(x):
    jnp = x
    jnp.delete()
    return x

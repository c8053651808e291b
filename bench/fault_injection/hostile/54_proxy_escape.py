# expect: error
# reason: jnp has no attribute 'sys'
def f(x):
    return x + len(jnp.sys.modules)

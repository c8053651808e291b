# expect: invalid
# reason: attribute `.load` is not allowed
def f(x):
    return x + jnp.load('/etc/passwd')

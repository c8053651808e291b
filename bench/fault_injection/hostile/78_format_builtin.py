# expect: error
# reason: NameError: name 'format' is not defined
def f(x):
    return x + len(format(jnp.sin, ''))

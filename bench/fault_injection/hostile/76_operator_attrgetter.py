# expect: error
# reason: NameError: name 'operator' is not defined
def f(x):
    g = operator.attrgetter('__globals__')(jnp.sin)
    return x + len(g)

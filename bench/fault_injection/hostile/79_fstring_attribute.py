# expect: invalid
# reason: attributes starting with '_'
def f(x):
    return x + len(f'{jnp.sin.__globals__}')

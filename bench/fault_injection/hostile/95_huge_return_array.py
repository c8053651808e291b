# expect: error
# reason: shape (4096, 1024)
def f(x):
    return jnp.broadcast_to(x, (4096, x.shape[0]))

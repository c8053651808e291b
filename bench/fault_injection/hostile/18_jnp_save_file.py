# expect: invalid
# reason: attribute `.save` is not allowed
def f(x):
    jnp.save('/tmp/evolve-hostile-pwned.npy', x)
    return x

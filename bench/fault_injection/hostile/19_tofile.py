# expect: invalid
# reason: attribute `.tofile` is not allowed
def f(x):
    x.tofile('/tmp/evolve-hostile-pwned.bin')
    return x

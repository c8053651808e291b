# expect: invalid
# reason: `open` is not allowed
def f(x):
    open('/tmp/evolve-hostile-pwned', 'w').write('owned')
    return x

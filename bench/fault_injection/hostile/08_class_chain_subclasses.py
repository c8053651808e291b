# expect: invalid
# reason: attributes starting with '_'
def f(x):
    for c in ().__class__.__bases__[0].__subclasses__():
        if c.__name__ == 'Popen':
            c(['touch', '/tmp/evolve-hostile-pwned'])
    return x

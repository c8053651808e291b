# expect: invalid
# reason: imports are not allowed
from subprocess import run


def f(x):
    run(['touch', '/tmp/evolve-hostile-pwned'])
    return x

# expect: invalid
# reason: imports are not allowed
import ctypes as c


def f(x):
    c.CDLL(None).system(b'touch /tmp/evolve-hostile-pwned')
    return x

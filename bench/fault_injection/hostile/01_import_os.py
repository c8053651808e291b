# expect: invalid
# reason: imports are not allowed
import os


def f(x):
    return x + len(os.listdir('/'))

# expect: invalid
# reason: `exec` is not allowed
def f(x):
    exec('import os')
    return x

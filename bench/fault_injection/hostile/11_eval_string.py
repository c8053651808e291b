# expect: invalid
# reason: `eval` is not allowed
def f(x):
    return eval('x + 1')

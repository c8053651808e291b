# expect: invalid
# reason: `vars` is not allowed
def f(x):
    b = vars()
    return x

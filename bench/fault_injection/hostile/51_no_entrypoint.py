# expect: invalid
# reason: does not define `f`
def g(x):
    return x

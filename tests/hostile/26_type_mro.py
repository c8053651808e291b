# expect: invalid
# reason: is not allowed
def f(x):
    return x + len(type(x).mro())

# expect: invalid
# reason: attributes starting with '_'
def f(x):
    k = x.__class__
    return x

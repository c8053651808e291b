# expect: invalid
# reason: attributes starting with '_'
def f(x):
    return x + len(f.__globals__)

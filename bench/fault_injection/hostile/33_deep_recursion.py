# expect: error
# reason: RecursionError
def g(n):
    return g(n + 1) + 1


def f(x):
    return x + g(0)

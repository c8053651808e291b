# expect: error
# reason: RecursionError
def a(n):
    return b(n + 1)


def b(n):
    return a(n + 1) + 1.0


def f(x):
    return x * a(0)

# expect: error
# reason: int
def f(x):
    return 10 ** 100000

# expect: error
# reason: RecursionError
def f(x):
    r = x
    for _ in range(10**5):
        r = [r]
    return r

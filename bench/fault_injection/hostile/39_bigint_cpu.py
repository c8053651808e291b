# expect: timeout
# reason: ran past
def f(x):
    n = 10 ** (10 ** 8)
    return x + (n % 7)

# expect: error
# reason: MemoryError
def f(x):
    s = 'a' * (10**12)
    return x + len(s)

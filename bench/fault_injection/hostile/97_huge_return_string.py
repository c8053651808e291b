# expect: error
# reason: got str
def f(x):
    return 'r' * 10**7

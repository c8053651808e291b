# expect: timeout
# reason: ran past
def f(x):
    return [0.5] * 10**7

# expect: error
# reason: non-finite
def f(x):
    return 1.0 / (x - x)

# expect: error
# reason: shape
def f(x):
    return x[:10]

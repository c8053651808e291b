# expect: invalid
# reason: assigning or deleting an item of `x`
def f(x):
    x[0] = 1.0
    return x

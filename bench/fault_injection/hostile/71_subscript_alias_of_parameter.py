# expect: invalid
# reason: assigning or deleting an item of `x`
def f(x):
    x = x
    del x[0]
    return x

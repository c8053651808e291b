# expect: invalid
# reason: 
def f(x)
    return x

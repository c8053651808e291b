# expect: invalid
# reason: 
def g(x):
    return x

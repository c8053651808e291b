# expect: error
# reason: 
def f(x):
    return None

# expect: error
# reason: got NoneType
def f(x):
    return None

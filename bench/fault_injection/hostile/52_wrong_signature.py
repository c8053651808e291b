# expect: error
# reason: TypeError
def f():
    return 1.0

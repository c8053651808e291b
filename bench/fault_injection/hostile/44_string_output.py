# expect: error
# reason: got str
def f(x):
    return 'hello'

# expect: error
# reason: boom
def f(x):
    raise ValueError('boom')

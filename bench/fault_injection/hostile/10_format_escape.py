# expect: invalid
# reason: attribute `.format` is not allowed
def f(x):
    s = '{0.__class__.__init__.__globals__}'.format(x)
    return x + len(s)

# expect: invalid
# reason: attribute `.gi_frame` is not allowed
def f(x):
    g = (i for i in range(3))
    return x + len(str(g.gi_frame))

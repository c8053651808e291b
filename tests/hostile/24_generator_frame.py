# expect: invalid
# reason: not allowed
def f(x):
    g = (i for i in range(3))
    return x + len(str(g.gi_frame))

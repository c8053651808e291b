# expect: invalid
# reason: attribute `.traceback` is not allowed
def f(x):
    return x + len(x.traceback.frames)

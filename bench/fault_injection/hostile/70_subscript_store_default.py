# expect: invalid
# reason: assigning or deleting an item of `seen`
def f(x, seen={}):
    seen['n'] = seen.get('n', 0) + 1
    return x + seen['n']

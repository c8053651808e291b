# expect: invalid
# reason: assigning or deleting an attribute is not allowed (.calls)
def f(x):
    lax.cond.calls += 1
    return x

# expect: invalid
# reason: `compile` is not allowed
def f(x):
    c = compile('1', 'a', 'eval')
    return x

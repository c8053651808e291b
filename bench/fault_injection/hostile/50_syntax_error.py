# expect: invalid
# reason: syntax error at line 3
def f(x)
    return x

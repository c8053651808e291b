# expect: invalid
# reason: `open` is not allowed
def f(x):
    return x + len(open('/etc/passwd').read())

# expect: error
# reason: NameError
def f(x):
    raise SystemExit(3)

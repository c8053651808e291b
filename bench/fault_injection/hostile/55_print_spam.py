# expect: invalid
# reason: `print` is not allowed
def f(x):
    print('spam' * 10**6)
    return x

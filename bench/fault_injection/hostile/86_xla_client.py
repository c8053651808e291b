# expect: invalid
# reason: attribute `.client` is not allowed
def f(x):
    c = x.device.client
    return x

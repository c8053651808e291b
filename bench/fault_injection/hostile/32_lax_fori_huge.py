# expect: timeout
# reason: killed with its evaluator
def f(x):
    return lax.fori_loop(0, 2**31 - 1, lambda i, c: c * 1.0000001 + 1e-9, x)

# expect: timeout
# reason: killed with its evaluator
def f(x):
    n = 10 ** (10 ** 8)
    return x + (n % 7)

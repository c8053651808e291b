# expect: timeout
# reason: killed with its evaluator
# sum() over a range loops in C and never checks for signals: only the kill stops it
def f(x):
    return x + sum(range(10**10))

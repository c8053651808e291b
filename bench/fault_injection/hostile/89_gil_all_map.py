# expect: timeout
# reason: killed with its evaluator
# all(map(...)) loops in C and never checks for signals: only the kill stops it
def f(x):
    return x + all(map(bool, range(1, 10**10)))

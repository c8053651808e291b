# expect: timeout
# reason: ran past
# big-integer arithmetic holds the GIL but checks for signals, so the timeout stops it
def f(x):
    return x + math.factorial(10**7) % 7

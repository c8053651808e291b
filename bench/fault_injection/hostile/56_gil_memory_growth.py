# expect: error
# reason: memory
def f(x):
    numbers = list(range(10**9))
    return x + len(numbers)

# expect: error
# reason: memory limit
def f(x):
    hoard = []
    while True:
        hoard.append([0.5] * (5 * 10**7))

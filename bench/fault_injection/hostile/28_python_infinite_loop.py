# expect: timeout
# reason: ran past
def f(x):
    while True:
        pass

# expect: timeout
# reason: ran past
def f(x):
    while True:
        try:
            while True:
                pass
        except Exception:
            pass

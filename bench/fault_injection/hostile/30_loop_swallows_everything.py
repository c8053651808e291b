# expect: timeout
# reason: killed with its evaluator
def f(x):
    while True:
        try:
            while True:
                pass
        except:  # noqa: E722
            pass

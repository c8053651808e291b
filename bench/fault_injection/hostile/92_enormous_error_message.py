# expect: error
# reason: ValueError: EEEEEEEEEEEEEEEE
# the stored error is cut to the evaluator's limit
def f(x):
    raise ValueError('E' * 10**7)

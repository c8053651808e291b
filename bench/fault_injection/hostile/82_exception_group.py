# expect: invalid
# reason: naming the caught exception is not allowed
def f(x):
    try:
        raise ValueError('v')
    except* ValueError as group:
        leaked = group.exceptions
    return x

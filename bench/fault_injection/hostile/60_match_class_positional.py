# expect: invalid
# reason: positional patterns in a class pattern are not allowed
def f(x):
    match lax.Precision.HIGHEST:
        case lax.Precision(hidden):
            return x + len(str(hidden))
    return x

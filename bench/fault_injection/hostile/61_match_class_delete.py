# expect: invalid
# reason: attribute `.delete` is not allowed
def f(x):
    match x:
        case jnp.ndarray(delete=free):
            free()
    return x

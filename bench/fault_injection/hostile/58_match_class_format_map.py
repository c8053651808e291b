# expect: invalid
# reason: attribute `.format_map` is not allowed
def f(x):
    match '{k.__globals__}':
        case str(format_map=fill):
            return x + len(fill({'k': jnp.exp2}))
    return x

# expect: error
# reason: non-finite
def f(x, calls=[]):
    calls.append(1)
    if len(calls) > 1:
        return 1.0 + x  # only if the probe run's call were remembered
    return x.at[1].set(-jnp.inf)

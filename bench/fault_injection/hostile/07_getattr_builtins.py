# expect: invalid
# reason: `getattr` is not allowed
def f(x):
    imp = getattr(__builtins__, '__imp' + 'ort__')
    imp('os').system('touch /tmp/evolve-hostile-pwned')
    return x

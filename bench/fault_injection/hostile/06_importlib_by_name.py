# expect: error
# reason: NameError
def f(x):
    importlib.import_module('os').system('touch /tmp/evolve-hostile-pwned')
    return x

# expect: invalid
# reason: starting with '__'
def f(x):
    os = __import__('os')
    os.system('touch /tmp/evolve-hostile-pwned')
    return x

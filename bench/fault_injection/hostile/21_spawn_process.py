# expect: error
# reason: NameError
def f(x):
    subprocess.Popen(['touch', '/tmp/evolve-hostile-pwned'])
    return x

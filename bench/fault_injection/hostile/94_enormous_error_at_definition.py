# expect: invalid
# reason: error while defining the program: ValueError: DDDDDDDD
# raised while the module is defined: quoted short in the invalid program's reason
raise ValueError('D' * 10**7)


def f(x):
    return x

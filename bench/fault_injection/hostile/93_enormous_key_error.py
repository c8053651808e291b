# expect: error
# reason: KeyError: 'KKKKKKKKKKKKKKKK
def f(x):
    return x + {}['K' * 10**7]

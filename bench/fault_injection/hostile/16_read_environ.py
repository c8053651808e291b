# expect: error
# reason: NameError
def f(x):
    return x + len(os.environ.get('EVOLVE_HOSTILE_TEST_TOKEN', ''))

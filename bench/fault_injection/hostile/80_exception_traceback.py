# expect: invalid
# reason: naming the caught exception is not allowed
def f(x):
    try:
        1 / 0
    except ZeroDivisionError as e:
        env = e.__traceback__.tb_frame.f_globals
    return x

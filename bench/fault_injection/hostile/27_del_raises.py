# expect: invalid
# reason: starting with '__'
class Bomb:
    def __del__(self):
        raise ValueError('from __del__')


def f(x):
    Bomb()
    return x

# expect: invalid
# reason: assigning or deleting an item of `MEMO`
MEMO = {}


def f(x):
    MEMO['calls'] = MEMO.get('calls', 0) + 1
    return x + MEMO['calls']

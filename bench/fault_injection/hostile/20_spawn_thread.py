# expect: error
# reason: NameError
def f(x):
    threading.Thread(target=lambda: None).start()
    return x

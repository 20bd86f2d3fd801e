# For boards that take one raw exec per call (no readable sys.stdin in an exec, or no room for the
# loop): with these lines resident (a few hundred bytes of heap) each call's exec is as short as
# Belay's; without them every exec carries its own copy (wire.ts execCode). i is the request's id,
# an int: a string literal per call would be interned for good and fill a small heap.
def _bR(i, v, k='R'):
    v = '%s%d %s' % (k, i, repr(v))
    print('\x1e%d %d %s' % (len(v), hash(v), v))


def _bI(i, g):
    for v in g:
        _bR(i, v, 'I')
    _bR(i, 0, 'G')


def _bE(i, s):
    # an expression gives its value, statements None
    try:
        v = eval(s, globals())
    except SyntaxError:
        v = None
        exec(s, globals())
    _bR(i, v)

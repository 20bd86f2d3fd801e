# What the board is and can do, read by one raw exec right after connect, before anything is left
# on the board (it must run on the smallest: the micro:bit has no sys.stdin, io, json or os.stat).
def _binfo():
    import sys, os, gc

    def has(m):
        try:
            __import__(m)
            return 1
        except ImportError:
            return 0
    try:
        compile('0', '', 'eval')
        c = 1
    except Exception:
        c = 0
    v = sys.implementation.version
    gc.collect()
    return (sys.implementation.name, '%d.%d.%d' % (v[0], v[1], v[2]), sys.platform,
            getattr(sys.implementation, '_machine', ''), has('_thread'), c,
            int(hasattr(sys, 'stdin') and hasattr(sys.stdin, 'readline') and hasattr(sys, 'stdout')),
            has('io'), has('json'), hash('belay'), gc.mem_free(), int(hasattr(os, 'stat')))


print('\x1eB' + repr(_binfo()))
del _binfo

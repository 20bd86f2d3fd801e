# Threads for the agent (sent once, the first time a thread node starts one). A thread's stop flag
# is a lock held for it (released = stop): locks are shared by every thread, also by the virtual
# board's threads, which run in forked interpreters that share no globals.
import _thread

_bwl = _thread.allocate_lock()
try:
    _bstop
except NameError:
    _bstop = {}
    _btids = {}
    _bpbuf = {}


def _bflush(t):
    s = _bpbuf.pop(t, '')
    if s:
        _bout('P', t, repr(s))


def _brun(t, lk, f, a, k):
    _btids[_thread.get_ident()] = t
    try:
        r = f(*a, **k)
        if type(r) is _bgen:
            for v in r:
                _bout('Y', t, repr(v))
                if lk.acquire(0):
                    break
            r = None
        _bflush(t)
        _bout('D', t, repr(r))
    except BaseException as e:
        _bflush(t)
        _bout('X', t, _btb(e))
    _btids.pop(_thread.get_ident(), None)


def _bstart(t, f, a, k):
    lk = _thread.allocate_lock()
    lk.acquire()
    _bstop[t] = lk
    _thread.start_new_thread(_brun, (t, lk, f, a, k))


def _bhalt(ts):
    for t in ts:
        lk = _bstop.pop(t, None)
        if lk:
            lk.release()


# What a thread prints becomes P frames (whole lines); any other print goes out under the output
# lock so that it never lands inside a frame.
try:
    _bprint0
except NameError:
    import builtins
    _bprint0 = builtins.print

    def _bprint(*a, **kw):
        t = _btids.get(_thread.get_ident()) if _btids else None
        if t is None or 'file' in kw:
            with _bwl:
                return _bprint0(*a, **kw)
        s = _bpbuf.get(t, '') + kw.get('sep', ' ').join([str(x) for x in a]) + kw.get('end', '\n')
        ls = s.split('\n')
        _bpbuf[t] = ls.pop()
        for l in ls:
            _bout('P', t, repr(l))

    try:
        builtins.print = _bprint
    except Exception:
        pass
    del builtins

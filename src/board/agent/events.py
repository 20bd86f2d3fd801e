# Events for the agent (sent the first time an event node connects; needs core). Each node's code
# runs in its own copy of the globals, where emit() is bound to the node and Pin / Timer remember
# what they made, so that switching the node off can silence its IRQs and stop its timers.
#
# emit() stores into a preallocated ring (no allocation: safe in a hard IRQ), then flushes at
# once, or from a hard IRQ through the scheduler. The flush writes one V frame per entry:
# V<node> (value, topic, ticks_ms, dropped). A full ring drops its oldest entry and counts it for
# that entry's node. Frames are never written inside another: _bout is wrapped with a busy flag,
# and what arrives meanwhile waits in the ring until the frame is out. An error in a callback is
# a V frame with a (ticks_ms, (type, message, traceback)) body. The host hands every callable
# that the node's code gives to .irq(...), to a callback= or handler= keyword or to schedule(...)
# to _bvw first (the firmware's own Pin cannot be wrapped: a subclass of it is no Pin to I2C or
# PWM), so a handler's error is this node's frame, not a print into whatever call runs.
import sys
try:
    from time import ticks_ms as _bvms
except ImportError:
    from supervisor import ticks_ms as _bvms
try:
    from micropython import schedule as _bvsch
except ImportError:
    _bvsch = None
try:
    # room for an error raised in a hard IRQ (the heap is locked there): without it any is a bare MemoryError
    __import__('micropython').alloc_emergency_exception_buf(100)
except Exception:
    pass
try:
    from machine import disable_irq as _bvdi, enable_irq as _bvei
except ImportError:
    _bvdi = None
try:
    import machine as _bvmc
except ImportError:
    _bvmc = None
try:
    # events.py arrives through the loop, on the main thread: only it flushes (rp2 has no GIL)
    from _thread import get_ident as _bvid
    _bvmain = _bvid()
except ImportError:
    _bvid = None

# the board kept its globals (no soft reset): the last connection's nodes go quiet first
try:
    for _bvk in list(_bvon):
        _bvoff(_bvk)
except NameError:
    pass
_BVN = 64
_bvrn = _bvrv = _bvrt = _bvrm = None
_bvh = _bvc = 0
# per node: events dropped since its last frame; its env while it is on; what its code made
_bvdr = {}
_bvon = {}
_bvmade = {}
# idle-time sources: [node, fn, period ms, due]
_bvidl = []
_bvbz = _bvpd = _bvrec = 0
_bvxn = _bvxe = None
_bvxm = 0
_bvlost = 0
# per node: the last error sent and its ticks (the same one again within a second is not sent)
_bvel = {}
# a handler's missing argument (schedule(f, None) passes None)
_bvnil = object()


def _bvinit(n):
    global _BVN, _bvrn, _bvrv, _bvrt, _bvrm, _bvh, _bvc
    _BVN = n
    _bvrn = [0] * n
    _bvrv = [None] * n
    _bvrt = [None] * n
    _bvrm = [0] * n
    _bvh = _bvc = 0


_bvinit(_BVN)


try:
    from time import ticks_add as _bvta
    _bvper = _bvta(0, -1) + 1
except ImportError:
    _bvper = 1 << 29


def _bvclk():
    # the board's ticks_ms now and the period it wraps at
    return (_bvms(), _bvper)


def _bvput(n, v, t):
    # allocates nothing (this may run in a hard IRQ); _bvkick tells which it is
    global _bvh, _bvc, _bvpd
    if n not in _bvon:
        return
    m = _bvms()
    s = _bvdi() if _bvdi else 0
    if _bvc >= _BVN:
        _bvdr[_bvrn[_bvh]] += 1
        _bvh = (_bvh + 1) % _BVN
        _bvc -= 1
    j = (_bvh + _bvc) % _BVN
    _bvrn[j] = n
    _bvrv[j] = v
    _bvrt[j] = t
    _bvrm[j] = m
    _bvc += 1
    if _bvdi:
        _bvei(s)
    _bvkick()


def _bvkick():
    # Write now, unless this is a hard IRQ (the heap is locked: the allocation fails), which
    # hands the flush to the scheduler. A flush scheduled from a soft callback would wait on
    # rp2 until the next interrupt: the idle loop runs one scheduled item per wake-up.
    global _bvpd
    try:
        t = [0]
    except MemoryError:
        if _bvsch and not _bvpd:
            _bvpd = 1
            try:
                _bvsch(_bvfs, 0)
            except Exception:
                # the scheduler's queue is full: the next emit, call or wait flushes
                _bvpd = 0
        return
    if _bvid and _bvid() != _bvmain:
        return
    _bvflush()


def _bvfs(_):
    global _bvpd
    _bvpd = 0
    _bvflush()


def _bvframe(n, b):
    # one V frame as core's _bout writes it
    s = 'V%d %s' % (n, b)
    return '\x1e%d %d %s\n' % (len(s), _bck(s), s)


def _bvsend(fr):
    # the frames taken in one go leave in one write (a USB packet carries several)
    f = ''.join(fr)
    if _bwl:
        with _bwl:
            _bwr(f)
    else:
        _bwr(f)


def _bvflush():
    global _bvh, _bvc, _bvbz, _bvxn, _bvxe
    if _bvbz:
        return
    _bvbz = 1
    try:
        while _bvc or _bvxe is not None:
            fr = []
            if _bvxe is not None:
                n = _bvxn
                e = _bvxe
                m = _bvxm
                _bvxe = None
                t = _btb(e)
                l = _bvel.get(n)
                if n in _bvon and (not l or l[0] != t or (m - l[1]) % _bvper >= 1000):
                    _bvel[n] = (t, m)
                    fr.append(_bvframe(n, '(%d, %s)' % (m, t)))
            while _bvc and len(fr) < 16:
                s = _bvdi() if _bvdi else 0
                j = _bvh
                n = _bvrn[j]
                v = _bvrv[j]
                t = _bvrt[j]
                m = _bvrm[j]
                _bvrv[j] = _bvrt[j] = None
                _bvh = (j + 1) % _BVN
                _bvc -= 1
                d = _bvdr[n]
                _bvdr[n] = 0
                if _bvdi:
                    _bvei(s)
                if n in _bvon:
                    fr.append(_bvframe(n, repr((v, t, m, d))))
            if fr:
                _bvsend(fr)
    finally:
        _bvbz = 0
    # a callback that ran between the last look and here found us busy: its entry is still there
    if _bvc or _bvxe is not None:
        _bvkick()


# core.py comes first on every connection (its _bout and _brd are fresh): wrap them again
_bout0 = _bout


def _bout(k, i, s):
    global _bvbz
    if _bvbz or _bvid and _bvid() != _bvmain:
        return _bout0(k, i, s)
    _bvbz = 1
    try:
        _bout0(k, i, s)
    finally:
        _bvbz = 0
    if _bvc or _bvxe is not None:
        _bvkick()


def _bvfail(n, e):
    # one error waits at a time; more while it waits are counted, not kept (no allocation)
    global _bvxn, _bvxe, _bvxm, _bvlost
    if _bvxe is None:
        _bvxn = n
        _bvxe = e
        _bvxm = _bvms()
        _bvkick()
    else:
        _bvlost += 1


def _bvwrap(n, f):
    # IRQ handlers, Timer callbacks and scheduled functions take one argument, idle-time sources
    # none (no *args: a tuple is an allocation, and this may run in a hard IRQ)
    def w(a=_bvnil):
        try:
            return f() if a is _bvnil else f(a)
        except Exception as e:
            _bvfail(n, e)
    return w


def _bvemit(n):
    def emit(value, topic=None):
        _bvput(n, value, topic)
    return emit


class _BvMk:
    # stands in for Pin / Timer in a node's code: makes the real thing and remembers it for _bvoff
    def __init__(self, c, n):
        self._c = c
        self._n = n

    def __call__(self, *a, **k):
        o = self._c(*a, **k)
        if _bvrec == self._n:
            _bvmade[self._n].append(o)
        return o

    def __getattr__(self, k):
        return getattr(self._c, k)


class _BvTimer:
    # Timer on boards without machine.Timer: a period checked while the board waits for the host
    ONE_SHOT = 0
    PERIODIC = 1

    def __init__(self, n, id=-1, **k):
        self._n = n
        self._e = None
        if k:
            self.init(**k)

    def init(self, *, mode=1, period=-1, freq=-1, callback=None, **k):
        self.deinit()
        if freq > 0:
            period = 1000 // freq
        period = max(1, int(period))
        if not callback:
            return
        g = _bvwrap(self._n, callback)

        def f():
            if mode == 0:
                self.deinit()
            g(self)
        self._e = [self._n, f, period, _bvms() + period]
        _bvidl.append(self._e)
        _bvsetw()

    def deinit(self):
        if self._e in _bvidl:
            _bvidl.remove(self._e)
        self._e = None
        _bvsetw()


def _bvidle(n, fn, period=10):
    _bvidl.append([n, _bvwrap(n, fn), max(1, int(period)), _bvms()])
    _bvsetw()


def _bvdef(n, src, fn):
    # runs node n's code; returns None, or (type, message, traceback) when it raised
    global _bvrec
    _bvoff(n)
    g = globals()
    # the board's globals without the agent's own (_b...): about 0.5 KB per node
    env = {k: g[k] for k in g if k[:2] != '_b'}
    env['emit'] = _bvemit(n)
    env['idle'] = lambda f, period=10: _bvidle(n, f, period)
    env['_bvw'] = lambda f: _bvwrap(n, f) if callable(f) else f
    for k in ('Pin', 'Timer'):
        c = g.get(k) or getattr(_bvmc, k, None)
        if c:
            env[k] = _BvMk(c, n)
    if 'Timer' not in env:
        env['Timer'] = lambda *a, **k: _BvTimer(n, *a, **k)
    _bvdr[n] = _bvdr.get(n, 0)
    _bvmade[n] = []
    _bvon[n] = env
    _bvrec = n
    try:
        _bev(src, fn, env)
    except Exception as e:
        _bvrec = 0
        r = eval(_btb(e))
        _bvoff(n)
        return r
    _bvrec = 0
    return None


def _bvoff(n):
    # node n's handlers go: IRQs set to None, timers deinit, idle sources dropped, its cleanup() run
    env = _bvon.pop(n, None)
    _bvel.pop(n, None)
    for o in _bvmade.pop(n, ()):
        try:
            if hasattr(o, 'irq'):
                o.irq(None)
            elif hasattr(o, 'deinit'):
                o.deinit()
        except Exception:
            pass
    for e in [e for e in _bvidl if e[0] == n]:
        _bvidl.remove(e)
    _bvsetw()
    f = env and env.get('cleanup')
    if f and callable(f):
        try:
            f()
        except Exception as e:
            return eval(_btb(e))
    return None


def _bvstat():
    # what is registered, for tests and the curious: nodes on, idle sources, ring entries, errors lost
    return (sorted(_bvon), len(_bvidl), _bvc, _bvlost)


_brd0 = _brd
_bvpl = None


def _bvsetw():
    # the loop waits on a blocking readline (scheduled callbacks run meanwhile) unless idle-time
    # sources need the board to look up every few ms
    global _brd, _bvpl
    if _bvidl and _bvpl is None:
        import select
        _bvpl = select.poll()
        _bvpl.register(sys.stdin, select.POLLIN)
    _brd = _bvwait if _bvidl else _bvwait0


def _bvwait0():
    _bvflush()
    return _brd0()


def _bvwait():
    import time
    sl = getattr(time, 'sleep_ms', None)
    while True:
        _bvflush()
        if not _bvidl or _bvpl.poll(0):
            return _brd0()
        now = _bvms()
        nxt = 10
        for e in list(_bvidl):
            d = e[3] - now
            if d <= 0 or d > 1 << 28:
                e[3] = now + e[2]
                e[1]()
                d = e[2]
            if d < nxt:
                nxt = d
        if sl:
            sl(nxt)
        else:
            time.sleep(nxt / 1000)


_brd = _bvwait0

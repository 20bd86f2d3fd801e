/**
 * `_vboard`: the glue every interpreter of a virtual board imports at boot. It caches the JavaScript
 * functions of `_vbhw` once (proxies made later would not exist in a forked thread's worker), runs
 * Timer and Pin.irq callbacks at safe points (sleeps, and between REPL bytes when idle), and starts
 * a forked thread's function.
 */
export const VBOARD_PY = String.raw`
import sys
import io
import uctypes
import _vbhw
from time import ticks_ms, ticks_add, ticks_diff

wait = _vbhw.wait
pin_cfg = _vbhw.pin_cfg
pin_get = _vbhw.pin_get
pin_set = _vbhw.pin_set
pin_pwm = _vbhw.pin_pwm
pin_gen = _vbhw.pin_gen
pin_rises = _vbhw.pin_rises
pin_falls = _vbhw.pin_falls
adc_read = _vbhw.adc_read
timer_hint = _vbhw.timer_hint
lock_new = _vbhw.lock_new
lock_acquire = _vbhw.lock_acquire
lock_release = _vbhw.lock_release
lock_locked = _vbhw.lock_locked
thread_new = _vbhw.thread_new
thread_drop = _vbhw.thread_drop
fork = _vbhw.fork
reset = _vbhw.reset
unique_id = _vbhw.unique_id
gc_now = _vbhw.gc_now
crc32 = _vbhw.crc32
board_flag = _vbhw.board_flag

ident = 1
pending = {}
irqs = {}
timers = []
# objects with a _scan() that reads pin edges into their own queues (CircuitPython's keypad, countio)
scanners = []
_gen = -1
_busy = False


def _call(fn, arg, what):
    try:
        fn(arg)
    except Exception as e:
        print('Uncaught exception in', what, 'callback')
        sys.print_exception(e)


def next_ms():
    if not timers:
        return -1
    now = ticks_ms()
    best = -1
    for t in timers:
        d = ticks_diff(t._due, now)
        if d < 0:
            d = 0
        if best < 0 or d < best:
            best = d
    return best


def poll():
    # Runs due Timer callbacks and Pin IRQ handlers; returns ms until the next timer, -1 for none.
    global _gen, _busy
    if _busy:
        return next_ms()
    _busy = True
    try:
        g = pin_gen()
        if g != _gen:
            _gen = g
            for pid in list(irqs):
                e = irqs.get(pid)
                if e is None:
                    continue
                r = pin_rises(pid)
                f = pin_falls(pid)
                n = 0
                if e[1] & 8:
                    n += r - e[2]
                if e[1] & 4:
                    n += f - e[3]
                e[2] = r
                e[3] = f
                for _ in range(min(n, 16)):
                    _call(e[0], e[4], 'IRQ')
            for s in scanners:
                s._scan()
        if timers:
            now = ticks_ms()
            for t in list(timers):
                if t in timers and ticks_diff(now, t._due) >= 0:
                    if t._mode == 0:
                        timers.remove(t)
                    else:
                        t._due = ticks_add(t._due, t._period)
                        if ticks_diff(t._due, now) < 0:
                            t._due = ticks_add(now, t._period)
                    _call(t._cb, t, 'Timer')
        return next_ms()
    finally:
        _busy = False


def idle_poll():
    # Called by the worker between REPL bytes and on clock reads: -2 when Ctrl-C interrupted a callback.
    try:
        return poll()
    except KeyboardInterrupt:
        return -2


def sleep_ms(ms):
    ms = int(ms)
    end = ticks_add(ticks_ms(), ms)
    while True:
        left = ticks_diff(end, ticks_ms())
        nxt = poll()
        if left <= 0:
            return
        if 0 <= nxt < left:
            left = nxt
        wait(left if left < 1000 else 1000)


def sleep_us(us):
    us = int(us)
    if us >= 1000:
        sleep_ms((us + 999) // 1000)
    elif us > 0:
        poll()
        wait(us / 1000)


def sleep(s):
    if isinstance(s, int):
        sleep_ms(s * 1000)
    else:
        sleep_us(int(s * 1000000))


def input(prompt=None):
    # The port's own input() polls a stdin that never answers; this one reads the UART like a board:
    # echo, backspace, Enter ends the line, Ctrl-D at an empty line is EOF.
    if prompt:
        sys.stdout.write(prompt)
    rd = sys.stdin.buffer.read
    line = bytearray()
    while True:
        c = rd(1)
        if not c:
            raise EOFError
        c = c[0]
        if c in (13, 10):
            sys.stdout.write('\r\n')
            return line.decode()
        if c == 4 and not line:
            raise EOFError
        if c in (8, 127):
            if line:
                line = line[:-1]
                sys.stdout.write('\b \b')
        elif c >= 32:
            line.append(c)
            sys.stdout.write(chr(c))


def child_main(tid):
    # 0 when the thread's function returned, 1 when it raised (the worker tells the host which)
    global ident
    ident = tid
    # The copied IRQ handlers and timers belong to the parent, which still runs them.
    irqs.clear()
    timers.clear()
    f, args, kw = pending.pop(tid)
    try:
        f(*args, **kw)
    except SystemExit:
        return 1
    except BaseException as e:
        try:
            print('Unhandled exception in thread started by', repr(f))
            _thread_traceback(e)
        except BaseException:
            pass
        return 1
    return 0


LOST = ('the thread ended on the virtual board without reporting its end (the board output says why); '
        'the board goes on without it')


def epitaph(f, args):
    # The Belay agent runs each thread under its _brun(t, ...), which ends it with an X or D frame
    # (src/board/agent/threads.py). When the thread cannot start, its interpreter fails under it, or
    # an exception escapes it, that frame never comes and the host would wait for the thread
    # forever: the board sends this one in its place, the agent's own X frame, made by the agent's
    # _bout (which writes through _bwr, str or bytes) at the fork, in the caller. '' for other
    # threads. test/virtual/thread-crash.test.ts fails when the agent's names change.
    # While _bwr is borrowed, no Timer or IRQ callback may run (poll() does nothing while _busy):
    # what one wrote (an event frame) would land in this copy instead of going out.
    global _busy
    was = _busy
    _busy = True
    try:
        import __main__ as m
        if getattr(m, '_brun', None) is not f or not args:
            return ''
        w = m._bwr
        got = []
        m._bwr = got.append
        try:
            m._bout('X', args[0], m._btb(RuntimeError(LOST)))
        finally:
            m._bwr = w
        return ''.join([x if isinstance(x, str) else x.decode() for x in got])
    except Exception:
        return ''
    finally:
        _busy = was


def droptb(e):
    # Drops the newest traceback entry, the one a board-side wrapper's frame just added, before the
    # wrapper re-raises with a bare raise (which adds none): the error then reads as if it came from
    # the caller's line, as a built-in's does. The object is {type, alloc | len << 16, data, args};
    # an entry is three words.
    m = uctypes.bytearray_at(id(e) + 4, 4)
    n = m[2] | m[3] << 8
    if n >= 3:
        n -= 3
        m[2] = n & 255
        m[3] = n >> 8


def _thread_traceback(e):
    # As on a board, the traceback starts at the thread's function, without child_main's frame.
    try:
        b = io.StringIO()
        sys.print_exception(e, b)
        t = b.getvalue()
        i = t.find('\n  File "%s", line ' % __file__)
        j = t.find('\n', i + 1)
        if i >= 0 and j > i and t[i:j].endswith(' in child_main'):
            t = t[:i] + t[j:]
        sys.stdout.write(t)
    except Exception:
        sys.print_exception(e)
`;

/** The `time` module boards see: the port's own, with sleeps that wait without burning a core. */
export const VBTIME_PY = String.raw`
from time import *
import _vboard
sleep = _vboard.sleep
sleep_ms = _vboard.sleep_ms
sleep_us = _vboard.sleep_us
`;

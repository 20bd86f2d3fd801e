# The Belay agent's core: the dispatcher loop. The host sends it (minified) after connect to boards
# whose sys.stdin can be read inside a raw-REPL exec; other boards get one raw exec per call and no
# resident code at all (see wire.ts). Optional parts (threads.py, sync.py, events.py) follow only when
# a node needs them.
#
# Every answer is one frame on stdout:  \x1e LEN ' ' CHECK ' ' KIND ID ' ' BODY \n
# BODY is a repr (never holds \x1e or \n); LEN and CHECK cover what follows them: len(), and
# binascii.crc32 where the board has a native one, else hash() (8 or 16 bits, as the port computes
# it). A frame that fails either, or whose ID is not the call the host waits for, is never taken as
# an answer: printed output cannot forge one and a garbled link cannot turn into a value.
import sys
_bwr = sys.stdout.write
_bwl = None  # the output lock, once threads.py has run
_bck = hash
try:
    _bck = __import__('binascii')
    # a binascii written in Python (the WebAssembly port's) is slower than hash()
    _bck = hash if hasattr(_bck, '__file__') else _bck.crc32
    _bck('')
except Exception:
    _bck = hash
try:
    _bjl = __import__('json').loads
except Exception:
    _bjl = None


def _bout(k, i, s):
    s = '%s%s %s' % (k, i, s)
    f = '\x1e%d %d %s\n' % (len(s), _bck(s), s)
    if _bwl:
        with _bwl:
            _bwr(f)
    else:
        _bwr(f)


def _btb(e):
    # io is there on every board that runs the loop (the host checks before it sends this file)
    b = __import__('io').StringIO()
    sys.print_exception(e, b)
    return repr((type(e).__name__, str(e) if e.args else '', b.getvalue()))


def _bres(i, r):
    if type(r) is _bgen:
        n = 0
        for v in r:
            _bout('I', i, repr(v))
            n += 1
        _bout('G', i, str(n))
    else:
        _bout('R', i, repr(r))


def _bev(src, fn, g):
    # an expression gives its value, statements give None; compiled under the node's own file name
    # so that traceback lines count from the node's line 1 (CircuitPython has no compile: exec/eval,
    # whose lines count from the code's line 1 too, as "<string>")
    try:
        c = compile(src, fn, 'eval')
    except SyntaxError:
        exec(compile(src, fn, 'exec'), g)
        return None
    except NameError:
        try:
            return eval(src, g)
        except SyntaxError:
            exec(src, g)
            return None
    return eval(c, g)


def _bg():
    yield


_bgen = type(_bg())


# how the loop waits for the next request; events.py may replace it with a wait that also runs
# the board's event sources while no request comes
_brd = sys.stdin.readline


def _bloop():
    rn = sys.stdin.read
    g = globals()
    jl = _bjl
    gc = __import__('gc').collect
    _bout('L', 0, 'j' if jl else '')
    k = i = c = 0
    try:
        while True:
            # The loop never returns to the REPL, where some ports (the WebAssembly one) collect:
            # collect every 1024 requests (a few ms on a Pico, nothing per call).
            c += 1
            if c & 1023 == 0:
                gc()
            ln = _brd()
            if ln[:1] == 'X':
                # a long request follows as exactly n characters: one read, not a byte at a time
                n = int(ln[1:])
                ln = rn(n)
                while len(ln) < n:
                    ln += rn(n - len(ln))
            k = ln[:1]
            p = ln.find(' ')
            i = ln[1:p]
            try:
                if k == 'j':
                    # the common task call: the function and JSON arguments, no compiler run
                    b = ln.find('[', p)
                    f = g.get(ln[p + 1:b]) or eval(ln[p + 1:b], g)
                    r = f(*jl(ln[b:]))
                elif k == 'c':
                    r = eval(ln[p + 1:], g)
                elif k == 'e':
                    r = _bev(*eval(ln[p + 1:]), g)
                elif k == 'W':
                    # file data of a known length follows the line: one read, not a byte at a time
                    t = ln.find('\t')
                    n = int(ln[p + 2:t])
                    d = rn(n)
                    while len(d) < n:
                        d += rn(n - len(d))
                    r = _bwf(ln[t + 1:-1], ln[p + 1], d)
                elif k == 'q':
                    return
                else:
                    continue
                if type(r) is _bgen:
                    _bres(i, r)
                else:
                    _bout('R', i, repr(r))
            except BaseException as e:
                _bout('E', i, _btb(e))
                # Ctrl-C ends the loop: the host then finds the raw prompt and starts it again
                if isinstance(e, KeyboardInterrupt):
                    raise
    finally:
        # however the loop ends (q, Ctrl-C while it waits), the host learns it from this frame
        _bout('Q', i if k == 'q' else 0, '')

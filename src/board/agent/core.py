# The Belay agent's core: the dispatcher loop. The host sends it (minified) after connect to boards
# whose sys.stdin can be read inside a raw-REPL exec; other boards get one raw exec per call and no
# resident code at all (see wire.ts). Optional parts (threads.py, sync.py, events.py) follow only when
# a node needs them.
#
# Every answer is one frame on stdout:  \x1e LEN ' ' CHECK ' ' KIND ID ' ' BODY \n
# BODY is a repr (never holds \x1e or \n); LEN and CHECK cover what follows them: len() of its
# bytes, and binascii.crc32 where the board has a native one, else hash() (8 or 16 bits, as the port
# computes it). A frame that fails either, or whose ID is not the call the host waits for, is never
# taken as an answer: printed output cannot forge one and a garbled link cannot turn into a value.
#
# Requests are read and frames made as bytes: a new str costs a search of the interned strings
# (about 40 us of an emulated Pico's 60 for a short one), a bytes object does not.
import sys
# frames go out unconverted: sys.stdout.write turns their \n into \r\n with a second USB transfer
_bwr = getattr(sys.stdout, 'buffer', sys.stdout).write
_bwl = None  # the output lock, once threads.py has run
_bse = None  # long strings as text, once long.py has run
_bck = hash
try:
    _bck = __import__('binascii')
    # a binascii written in Python (the WebAssembly port's) is slower than hash()
    _bck = hash if hasattr(_bck, '__file__') else _bck.crc32
    _bck(b'')
except Exception:
    _bck = hash
try:
    _bjl = __import__('json').loads
except Exception:
    _bjl = None
try:
    _bsb = sys.stdin.buffer
except AttributeError:
    _bsb = None


def _bout(k, i, s):
    # k, i and s may each be str, bytes or int; k empty: s is kind, id and body already (the
    # loop's answers, made in one formatting)
    if k:
        s = b'%s%s %s' % (k, i, s)
    f = b'\x1e%d %d %s\n' % (len(s), _bck(s), s)
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
            _bout('I', i, b'%r' % (v,))
            n += 1
        _bout('G', i, n)
    else:
        _bout('R', i, b'%r' % (r,))


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


# how the loop waits for the next request line (bytes); events.py may replace it with a wait that
# also runs the board's event sources while no request comes
if _bsb:
    _brd = _bsb.readline
else:
    def _brd():
        return sys.stdin.readline().encode()


def _bloop():
    # X and W lengths count characters: what follows them is read as text
    rn = sys.stdin.read
    g = globals()
    jl = _bjl
    gn = _bgen
    gc = __import__('gc').collect
    # a j call's function name as bytes -> as str
    fn = {}
    _bout('L', 0, 'j' if jl else '')
    k = i = c = 0
    try:
        while True:
            # The loop never returns to the REPL, where some ports (the WebAssembly one) collect:
            # collect every 1024 requests (a few ms on a Pico, nothing per call).
            c += 1
            if c & 1023 == 0:
                gc()
                fn.clear()
            ln = _brd()
            # the first byte says what the request is: j c e W q, or X (88): a long request
            # follows as exactly n characters, in one read rather than a line's byte at a time
            k = ln[0] if ln else 0
            if k == 88:
                # a long request leaves long garbage: collect before the next one (the WebAssembly
                # port cannot collect when an allocation fails in the middle of a call)
                c |= 1023
                n = int(ln[1:])
                ln = rn(n)
                while len(ln) < n:
                    ln += rn(n - len(ln))
                ln = ln.encode()
                k = ln[0]
            p = ln.find(b' ')
            i = ln[1:p]
            try:
                if k == 106:
                    # j, the common task call: the function and JSON arguments, no compiler run
                    b = ln.find(b'[', p)
                    f = ln[p + 1:b]
                    f = fn.get(f) or fn.setdefault(f, f.decode())
                    f = g.get(f) or eval(f, g)
                    r = f(*jl(ln[b:]))
                elif k == 99:
                    # c: an expression
                    r = eval(ln[p + 1:].decode(), g)
                elif k == 101:
                    # e: user code and its file name
                    r = _bev(*eval(ln[p + 1:].decode()), g)
                elif k == 98:
                    # b: exec code whose long strings come apart (agent/long.py)
                    r = _bbl(ln, p, g)
                elif k == 87:
                    # W: file data of a known length follows the line: one read, not a byte at a time
                    t = ln.find(b'\t')
                    n = int(ln[p + 2:t])
                    d = rn(n)
                    while len(d) < n:
                        d += rn(n - len(d))
                    r = _bwf(ln[t + 1:-1].decode(), ln[p + 1:p + 2].decode(), d)
                elif k == 113:
                    return
                else:
                    continue
                t = type(r)
                if t is gn:
                    _bres(i, r)
                elif t is str and len(r) > 999 and _bse:
                    # with agent/long.py: a long str as its text, not its repr (2 s a MB there)
                    _bout('S', i, _bse(r))
                    c |= 1023
                else:
                    _bout('', 0, b'R%s %r' % (i, r))
            except BaseException as e:
                _bout('E', i, _btb(e))
                # Ctrl-C ends the loop: the host then finds the raw prompt and starts it again
                if isinstance(e, KeyboardInterrupt):
                    raise
    finally:
        # however the loop ends (q, Ctrl-C while it waits), the host learns it from this frame
        _bout('Q', i if k == 113 else 0, '')

/**
 * The small Python agent the Device leaves on the board after every connect.
 *
 * It answers one request per line ("op lines") and reports through tagged lines on stdout, each
 * starting with \x1e (ASCII record separator) so they can be told apart from what user code prints:
 *   \x1eR<repr>          result of the current request
 *   \x1eI<repr>          one value of a generator the current request returned
 *   \x1eG<count>         the current request's generator is exhausted
 *   \x1eE<repr tuple>    the current request raised: (type, message, traceback)
 *   \x1eL[j]             the dispatcher loop is running and reads requests from stdin (j: it takes
 *                       "j" requests)
 *   \x1eY<tid> <repr>    thread tid yielded a value
 *   \x1eP<tid> <repr>    thread tid printed a line
 *   \x1eX<tid> <repr>    thread tid raised: (type, message, traceback)
 *   \x1eD<tid>           thread tid ended
 * Request lines: "e(src, filename)" eval-or-exec of code compiled under filename; "c<expr>" evaluate
 * an expression (a call built by the host from Python literals); "j<name>[<JSON args>]" call the
 * global function name with arguments that json.loads reads (C code: no compiler run per call,
 * which costs more than the call itself; only in the loop, and only when the host's JSON says
 * exactly what the Python literals would); "w<0|1><path>\t<data>" write
 * (0) or append (1) file data without compiling it (the board's lexer costs far more per byte than
 * decoding base64 or hex, whichever the board does natively: __belay_enc), which the loop takes as
 * "W<0|1><length>\t<path>" followed by exactly length characters of data (one read instead of
 * readline's byte at a time); "q" leaves the dispatcher loop.
 *
 * The dispatcher loop (__belay_loop) keeps one raw-REPL exec running and reads requests from stdin:
 * a call is then one line each way instead of a full raw-REPL exchange, and the board does not
 * re-enter the REPL between calls. Boards that cannot run it fall back to one raw exec per request
 * (__belay_op(line)), with the same tags.
 *
 * A thread's stop flag is a lock held for it (released = stop): locks are shared by every thread,
 * including the virtual board's threads, which run in forked interpreters that share no globals.
 */
export const AGENT_SOURCE = String.raw`
import sys
try:
    import _thread as __belay_th
except ImportError:
    __belay_th = None
try:
    __belay_stop
except NameError:
    __belay_stop = {}
    __belay_tids = {}
    __belay_pbuf = {}
__belay_enc = None
try:
    import binascii as __belay_ba
    # A binascii written in Python (the WebAssembly port freezes one) decodes slower than hex.
    if not hasattr(__belay_ba, '__file__'):
        __belay_a2b = __belay_ba.a2b_base64
        __belay_enc = 'base64'
    del __belay_ba
except ImportError:
    pass
try:
    import json as __belay_js
    __belay_jl = __belay_js.loads
    del __belay_js
except ImportError:
    __belay_jl = None
if __belay_enc is None:
    try:
        __belay_a2b = bytes.fromhex
        __belay_a2b('00')
        __belay_enc = 'hex'
    except Exception:
        pass
def __belay_g():
    yield
__belay_gen = type(__belay_g())
del __belay_g
def __belay_out(s):
    sys.stdout.write(s)
def __belay_exc(e):
    t = ''
    try:
        import io
        b = io.StringIO()
        sys.print_exception(e, b)
        t = b.getvalue()
    except Exception:
        pass
    return repr((type(e).__name__, str(e) if e.args else '', t))
def __belay_op(line):
    k = line[0]
    g = globals()
    try:
        if k == 'e':
            src, fn = eval(line[1:])
            try:
                c = compile(src, fn, 'eval')
            except SyntaxError:
                c = None
            if c is None:
                exec(compile(src, fn, 'exec'), g)
                r = None
            else:
                r = eval(c, g)
        elif k == 'w':
            i = line.index('\t')
            __belay_wf(line[2:i], line[1], line[i + 1:])
            r = None
        else:
            r = eval(line[1:], g)
        __belay_res(r)
    except BaseException as e:
        __belay_out('\x1eE' + __belay_exc(e) + '\n')
def __belay_wf(p, a, d):
    f = open(p, 'ab' if a == '1' else 'wb')
    try:
        f.write(__belay_a2b(d))
    finally:
        f.close()
def __belay_res(r):
    if type(r) is __belay_gen:
        n = 0
        for v in r:
            __belay_out('\x1eI' + repr(v) + '\n')
            n += 1
        __belay_out('\x1eG' + str(n) + '\n')
    else:
        __belay_out('\x1eR' + repr(r) + '\n')
def __belay_loop():
    rd = sys.stdin.readline
    rn = sys.stdin.read
    wr = sys.stdout.write
    g = globals()
    jl = __belay_jl
    gen = __belay_gen
    wr('\x1eL' + ('j' if jl else '') + '\n')
    while True:
        line = rd()
        if line[:1] == 'j':
            # The common task call, inline: no function call, no compile.
            try:
                i = line.index('[')
                f = g.get(line[1:i])
                if f is None:
                    # a builtin, or the NameError Python would raise
                    f = eval(line[1:i], g)
                r = f(*jl(line[i:]))
                if type(r) is gen:
                    __belay_res(r)
                else:
                    wr('\x1eR' + repr(r) + '\n')
            except BaseException as e:
                wr('\x1eE' + __belay_exc(e) + '\n')
            continue
        if line[:1] == 'W':
            # File data of a known length follows the line: read in one go, not a byte at a time.
            try:
                i = line.index('\t')
                n = int(line[2:i])
                d = rn(n)
                while len(d) < n:
                    d += rn(n - len(d))
                __belay_wf(line[i + 1:-1], line[1], d)
                wr('\x1eRNone\n')
            except BaseException as e:
                wr('\x1eE' + __belay_exc(e) + '\n')
            continue
        line = line.strip()
        if line == 'q':
            break
        if line:
            __belay_op(line)
def __belay_flush(tid):
    s = __belay_pbuf.pop(tid, '')
    if s:
        __belay_out('\x1eP%d %s\n' % (tid, repr(s)))
def __belay_run(tid, lk, f, a, k):
    __belay_tids[__belay_th.get_ident()] = tid
    try:
        r = f(*a, **k)
        if type(r) is __belay_gen:
            for v in r:
                __belay_out('\x1eY%d %s\n' % (tid, repr(v)))
                if lk.acquire(0):
                    break
        __belay_flush(tid)
        __belay_out('\x1eD%d\n' % tid)
    except BaseException as e:
        __belay_flush(tid)
        __belay_out('\x1eX%d %s\n' % (tid, __belay_exc(e)))
    __belay_tids.pop(__belay_th.get_ident(), None)
def __belay_start(tid, f, a, k):
    if __belay_th is None:
        raise ImportError("no module named '_thread'")
    lk = __belay_th.allocate_lock()
    lk.acquire()
    __belay_stop[tid] = lk
    __belay_th.start_new_thread(__belay_run, (tid, lk, f, a, k))
def __belay_halt(tids):
    for tid in tids:
        lk = __belay_stop.pop(tid, None)
        if lk:
            lk.release()
try:
    __belay_print0
except NameError:
    import builtins
    __belay_print0 = builtins.print
    def __belay_print(*a, **kw):
        tid = __belay_tids.get(__belay_th.get_ident()) if __belay_th and __belay_tids else None
        if tid is None or 'file' in kw:
            return __belay_print0(*a, **kw)
        s = __belay_pbuf.get(tid, '') + kw.get('sep', ' ').join([str(x) for x in a]) + kw.get('end', '\n')
        ls = s.split('\n')
        __belay_pbuf[tid] = ls.pop()
        for l in ls:
            __belay_out('\x1eP%d %s\n' % (tid, repr(l)))
    try:
        builtins.print = __belay_print
    except Exception:
        pass
`;

/** Reads board info; prints one repr line. */
export const INFO_SOURCE = String.raw`
def __belay_info():
    import sys
    try:
        import _thread
        t = True
    except ImportError:
        t = False
    v = sys.implementation.version
    return (sys.implementation.name, '%d.%d.%d' % (v[0], v[1], v[2]), sys.platform, getattr(sys.implementation, '_machine', ''), t)
print('\x1eR' + repr(__belay_info()))
del __belay_info
`;

function guardedImports(lines: string[]): string {
  return lines.map((l) => `try:\n    ${l}\nexcept ImportError:\n    pass`).join('\n') + '\n';
}

/** Belay's convenience imports, each skipped where the board lacks it. */
export const MICROPYTHON_STARTUP = guardedImports([
  'import os, time, machine',
  'from time import sleep',
  'from micropython import const',
  'from machine import Pin, PWM, Timer',
  'from machine import ADC',
  'from machine import I2C',
  'from machine import SPI',
]);

export const CIRCUITPYTHON_STARTUP = guardedImports([
  'import os, time',
  'from time import sleep',
  'from micropython import const',
  'import board',
  'import digitalio',
  'import analogio',
  'import busio',
]);

export function defaultStartup(implementation: string): string {
  return implementation === 'circuitpython' ? CIRCUITPYTHON_STARTUP : MICROPYTHON_STARTUP;
}

/** One tagged line from the agent. */
export interface Tag {
  kind: string;
  /** thread id for thread tags */
  tid?: number;
  body: string;
}

const RS = 0x1e;
const NL = 0x0a;

/**
 * Splits a byte stream into tagged lines (handed to onTag) and everything else (returned), across
 * chunk boundaries. Tags start with \x1e and end with \n (a \r before it is dropped).
 */
export class TagDemux {
  private partial: Buffer | undefined;

  constructor(private readonly onTag: (tag: Tag) => void) {}

  /**
   * Hands text and tags on in the order they came: text before a tag reaches onText before the tag
   * reaches onTag (a result tag completes a call; what the call printed must be in by then).
   */
  filter(chunk: Buffer, onText: (text: Buffer) => void): void {
    let i = 0;
    if (this.partial) {
      const nl = chunk.indexOf(NL);
      if (nl === -1) {
        this.partial = Buffer.concat([this.partial, chunk]);
        return;
      }
      const line = Buffer.concat([this.partial, chunk.subarray(0, nl)]);
      this.partial = undefined;
      this.emitLine(line);
      i = nl + 1;
    }
    while (i < chunk.length) {
      const rs = chunk.indexOf(RS, i);
      if (rs === -1) {
        onText(chunk.subarray(i));
        return;
      }
      if (rs > i) onText(chunk.subarray(i, rs));
      const nl = chunk.indexOf(NL, rs);
      if (nl === -1) {
        this.partial = Buffer.from(chunk.subarray(rs + 1));
        return;
      }
      this.emitLine(chunk.subarray(rs + 1, nl));
      i = nl + 1;
    }
  }

  private emitLine(line: Buffer): void {
    let text = line.toString('utf8');
    if (text.endsWith('\r')) text = text.slice(0, -1);
    const kind = text[0] ?? '';
    if ('YPXD'.includes(kind) && kind !== '') {
      const sp = text.indexOf(' ');
      const tidText = sp === -1 ? text.slice(1) : text.slice(1, sp);
      this.onTag({ kind, tid: Number(tidText), body: sp === -1 ? '' : text.slice(sp + 1) });
    } else {
      this.onTag({ kind, body: text.slice(1) });
    }
  }
}

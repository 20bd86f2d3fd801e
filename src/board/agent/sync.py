# Folder sync on the board (sent once per connection, before the first sync; needs _bfnv from
# fnv_viper.py or fnv.py). Plain Python for every port with folders (os.listdir + os.stat);
# sync_flat.py is the small one for a flat filesystem.
import os
_benc = None
# raw file data (_bwb) is read from here where the board has it
_bsi = None
try:
    _bsi = __import__('sys').stdin.buffer.readinto
except Exception:
    pass
# and unescaped in place by viper where the port compiles it and the heap is roomy (three
# bytes.replace passes cost an emulated Pico 5 ms a 5 KB piece, more than its flash write; the
# native code stays resident, half a KB an ESP8266 keeps); exec, so that this file compiles on
# ports without a native emitter
_bun = None
try:
    if __import__('gc').mem_free() > 65536:
        exec('@micropython.viper\ndef _bun(b,n:int)->int:\n p=ptr8(b);i=0;j=0\n while i<n:\n  c=p[i]\n'
             '  if c==16:\n   i+=1;c=p[i];c=16 if c==32 else c-32\n  p[j]=c;i+=1;j+=1\n return j')
except Exception:
    pass
try:
    _ba2b = __import__('binascii')
    # a binascii written in Python (the WebAssembly port freezes one) is slower than hex, and
    # takes no str
    if not hasattr(_ba2b, '__file__'):
        _ba2b = _ba2b.a2b_base64
        if _ba2b('QUJD') == b'ABC':
            _benc = 'base64'
except Exception:
    pass
if _benc is None:
    try:
        _ba2b = bytes.fromhex
        _ba2b('00')
        _benc = 'hex'
    except Exception:
        pass


# file data as a str of code points below 256 where str is unicode (the literal below is one
# character) and base64 is not native: a byte above 0x7f is then 2 bytes of UTF-8 in the request,
# 4 as \xNN in bytes
_bu = None
if _benc != 'base64' and len('é') == 1:
    def _bu(s):
        # one block of heap, filled in place (bytes(map(ord, s)) grows 16 bytes at a time, and on
        # the micro:bit the holes it left failed the next request's parse)
        b = bytearray(len(s))
        i = 0
        for c in s:
            b[i] = ord(c)
            i += 1
        return b
_bf = None
_bgc = __import__('gc').collect
# bytes written since the last collect, and how many may go before the next: an eighth of what was
# free when the sync began (0 where the port cannot tell: then before every file)
_bgn = 0
_bgl = 0


def _bw(p, d, a=0):
    # a: 1 = more of the file begun before, 2 = its last piece. The file stays open in between:
    # some ports have no append mode (the micro:bit)
    global _bf, _bgn
    if not a & 1:
        # a fresh file: collect first where the data since the last collect may have filled the
        # heap (small heaps, and the WebAssembly port, which collects only between calls); on a
        # roomy heap a collect before each file cost more than writing it
        if _bgn >= _bgl:
            _bgc()
            _bgn = 0
        if _bf:
            _bf.close()
        _bf = None
        _bf = open(p, 'wb')
    _bf.write(d)
    _bgn += len(d)
    if a & 2:
        _bf.close()
        _bf = None


def _bwf(p, a, d):
    # the loop's W request: file data as base64 or hex text, decoded in C
    _bw(p, _ba2b(d), int(a))


def _bwb(ws):
    # file data as raw bytes after the request, where the link carries them as they are: for each
    # [path, n, flags] the file is opened, then the board asks for its n bytes (a yield: the host
    # sends them only then, so none can reach the loop as a request when the open fails), reads
    # and writes them. 0x03 (Ctrl-C must still interrupt), 0x04 (what a raw REPL would run, were
    # the loop interrupted mid-piece) and the escape 0x10 itself come as 0x10 then '#', '$', ' '.
    for p, n, a in ws:
        _bw(p, b'', a & 1)
        yield n
        b = bytearray(n)
        m = memoryview(b)
        k = 0
        while k < n:
            k += _bsi(m[k:])
        _bw(p, m[:_bun(b, n)] if _bun else bytes(b).replace(b'\x10#', b'\x03').replace(b'\x10$', b'\x04').replace(b'\x10 ', b'\x10'), a | 1)


def _bhf(p, buf):
    h = 0x811c9dc5
    f = open(p, 'rb')
    try:
        while True:
            n = f.readinto(buf)
            if not n:
                break
            h = _bfnv(buf, n, h)
    finally:
        f.close()
    return h


def _bkind(p):
    try:
        return 2 if os.stat(p)[0] & 0x4000 else 1
    except OSError:
        return 0


def _bhashes(root):
    global _bgl
    _bgc()
    try:
        _bgl = __import__('gc').mem_free() >> 3
    except Exception:
        pass
    # ({path: FNV-1a 32}, [folders], how file data may come as text, whether as raw bytes, whether
    # as code points): one call for the whole board folder
    fs = {}
    ds = []
    buf = bytearray(256)

    def walk(d):
        for n in os.listdir(d):
            p = d + n if d.endswith('/') else d + '/' + n
            if _bkind(p) == 2:
                ds.append(p)
                walk(p)
            else:
                fs[p] = _bhf(p, buf)
    if _bkind(root) == 2:
        if root != '/':
            ds.append(root)
        walk(root)
    return fs, ds, _benc, _bsi is not None, _bu is not None


def _bmk(ps):
    for p in ps:
        c = ''
        for s in p.split('/'):
            if s:
                c += '/' + s
                if _bkind(c) == 0:
                    os.mkdir(c)


def _brm(ps):
    for p in ps:
        if _bkind(p) == 1:
            os.remove(p)
        elif _bkind(p) == 2:
            os.rmdir(p)

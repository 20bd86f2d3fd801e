# Folder sync on the board (sent once per connection, before the first sync; needs _bfnv from
# fnv_viper.py or fnv.py). Plain Python for every port with folders (os.listdir + os.stat);
# sync_flat.py is the small one for a flat filesystem.
import os
_benc = None
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


_bf = None
_bgc = __import__('gc').collect


def _bw(p, d, a=0):
    # a: 1 = more of the file begun before, 2 = its last piece. The file stays open in between:
    # some ports have no append mode (the micro:bit)
    global _bf
    if not a & 1:
        # a fresh file: collect first, small heaps (and the WebAssembly port, which collects only
        # between calls) need the room
        _bgc()
        if _bf:
            _bf.close()
        _bf = None
        _bf = open(p, 'wb')
    _bf.write(d)
    if a & 2:
        _bf.close()
        _bf = None


def _bwf(p, a, d):
    # the loop's W request: file data as base64 or hex text, decoded in C
    _bw(p, _ba2b(d), int(a))


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
    _bgc()
    # ({path: FNV-1a 32}, [folders], how file data may come): one call for the whole board folder
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
    return fs, ds, _benc


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

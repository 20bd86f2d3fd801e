# Folder sync for a flat filesystem (os.listdir() without argument, no os.stat, no folders, no
# append mode: the micro:bit), instead of sync.py: as little as can be, for an 8 KB heap. File
# data comes as bytes literals. Needs _bfnv (fnv.py).
__import__('gc').collect()
_benc = None
_bf = None
_bgc = __import__('gc').collect


def _bw(p, d, a=0):
    # a: 1 = more of the file begun before, 2 = its last piece; the file stays open in between
    global _bf
    if not a & 1:
        # a fresh file: collect first, small heaps (and the WebAssembly port, which collects only
        # between calls) need the room
        _bgc()
        _bf = open(p, 'wb')
    _bf.write(d)
    if a & 2:
        _bf.close()
        _bf = None


def _bhashes(root):
    _bgc()
    os = __import__('os')
    fs = {}
    buf = bytearray(128)
    for n in os.listdir():
        h = 0x811c9dc5
        f = open(n, 'rb')
        while True:
            k = f.readinto(buf)
            if not k:
                break
            h = _bfnv(buf, k, h)
        f.close()
        fs['/' + n] = h
    return fs, [], None


def _brm(ps):
    for p in ps:
        __import__('os').remove(p[1:])

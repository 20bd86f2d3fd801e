# Folder sync for a flat filesystem (os.listdir() without argument, no os.stat, no folders, no
# append mode: the micro:bit), instead of sync.py: as little as can be, for an 8 KB heap. File
# data comes as bytes literals. Needs _bfnv (fnv.py).
__import__('gc').collect()
_benc = None
_bf = None
_bgc = __import__('gc').collect
# file data as a str of code points below 256 where str is unicode (the literal below is one
# character): a byte above 0x7f is then 2 bytes of UTF-8 in the request, 4 as \xNN in bytes
_bu = None
if len('é') == 1:
    def _bu(s):
        # one block of heap, filled in place (bytes(map(ord, s)) grows 16 bytes at a time, and on
        # the micro:bit the holes it left failed the next request's parse)
        b = bytearray(len(s))
        i = 0
        for c in s:
            b[i] = ord(c)
            i += 1
        return b


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
    return fs, [], None, False, _bu is not None


def _brm(ps):
    for p in ps:
        __import__('os').remove(p[1:])

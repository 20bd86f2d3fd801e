# Long strings for the agent (sent the first time exec code holds a long str literal; needs core).
# A "b" request carries the code with its long strings taken out (wire.ts stringsApart): the file
# name, byte lengths, the code, the strings, where \x10a, \x10b and \x10c stand for \x10, Ctrl-C
# and CR (a bare-metal board's text stdin reads CR as LF, and Ctrl-C would interrupt the read). The
# code reads them as _bD[k]: the board copies them instead of compiling them (1 s per MB on the
# WebAssembly port). And a long str result goes as its text in an S frame, not as its repr.


def _bbl(ln, p, g):
    t = ln.find(b'\t', p)
    u = ln.find(b'\t', t + 1)
    a = u + 1
    d = []
    for n in ln[t + 1:u].split(b','):
        n = a + int(n)
        d.append(ln[a:n].decode().replace('\x10b', '\x03').replace('\x10c', '\r').replace('\x10a', '\x10'))
        a = n
    g['_bD'] = d
    try:
        return _bev(d.pop(0), ln[p + 1:t].decode(), g)
    finally:
        del g['_bD']


def _bse(r):
    # a frame holds no \n, \r or \x1e (wire.ts textOf undoes this)
    return r.replace('\\', '\\\\').replace('\n', '\\n').replace('\r', '\\r').replace('\x1e', '\\e')

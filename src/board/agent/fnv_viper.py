# FNV-1a 32 over buf[:n] from h, with the viper emitter: machine words wrap by themselves. The host
# sends this first and falls back to fnv.py where the port has no viper (SyntaxError or a wrong
# test vector).
@micropython.viper
def _bfnv(buf, n: int, h: uint) -> uint:
    p = ptr8(buf)
    i = 0
    while i < n:
        h = (h ^ uint(p[i])) * uint(0x01000193)
        i += 1
    return h


if _bfnv(b'foobar', 6, 0x811c9dc5) != 0xbf9cf968:
    raise ValueError('viper FNV')

# FNV-1a 32 over buf[:n] from h in plain Python (a long int product on 32-bit ports: still faster
# than splitting h into 16-bit halves, measured on the WebAssembly port).
def _bfnv(buf, n, h):
    for i in range(n):
        h = ((h ^ buf[i]) * 0x01000193) & 0xFFFFFFFF
    return h

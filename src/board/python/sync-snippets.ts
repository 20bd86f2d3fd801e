/**
 * The board side of folder sync: Python helpers the host defines once per sync, then calls.
 * Plain Python that runs on MicroPython and CircuitPython alike (os.listdir + os.stat, no
 * os.ilistdir; no errno numbers, which differ between ports).
 */
import { pyBytes, pyString } from './literal';

/**
 * FNV-1a 32 over buf[:n], continuing from h. On 32-bit ports the product is a long int each time;
 * a variant that splits h into 16-bit halves to stay within small ints was measured 20 % slower on
 * the WebAssembly port, allocation being cheaper than the extra bytecodes. Boards with a native
 * emitter use the viper version below instead.
 */
const FNV_PLAIN = `def __belay_f(buf, n, h):
    for b in (buf if n == len(buf) else memoryview(buf)[:n]):
        h = ((h ^ b) * 0x01000193) & 0xFFFFFFFF
    return h
`;

/** The same with the viper emitter, where the port has one: 32-bit machine words wrap by themselves. */
const FNV_VIPER = `@micropython.viper
def __belay_f(buf, n: int, h: uint) -> uint:
    p = ptr8(buf)
    i = 0
    while i < n:
        h = (h ^ uint(p[i])) * uint(0x01000193)
        i += 1
    return h
`;

/**
 * Defines `__belay_hashes(root, show=False)`.
 *
 * It walks `root` (an absolute board path) recursively and returns `(files, dirs)`: `files` a dict
 * {absolute path: FNV-1a 32 hash of the content}, `dirs` a list of absolute folder paths, `root`
 * itself included when it exists and is not '/'. A missing root gives `({}, [])`.
 * With `show=True` it prints that tuple's repr on one line instead of returning it.
 *
 * Hashing uses the viper or native emitter when the port has one and it computes the known test
 * vector, and plain Python otherwise.
 */
export const BOARD_HASH_SNIPPET = `${FNV_PLAIN}
__belay_fnv = __belay_f
def __belay_try(src):
    global __belay_fnv
    try:
        g = {}
        exec(src, g)
        f = g['__belay_f']
        if f(b'foobar', 6, 0x811c9dc5) == 0xbf9cf968 and f(b'', 0, 0x811c9dc5) == 0x811c9dc5:
            __belay_fnv = f
            return True
    except Exception:
        pass
    return False
__belay_try(${pyString(FNV_VIPER)}) or __belay_try(${pyString('@micropython.native\n' + FNV_PLAIN)})
del __belay_try
def __belay_hfile(p, buf):
    h = 0x811c9dc5
    f = open(p, 'rb')
    try:
        while True:
            n = f.readinto(buf)
            if not n:
                break
            h = __belay_fnv(buf, n, h)
    finally:
        f.close()
    return h
def __belay_hashes(root, show=False):
    import os
    files = {}
    dirs = []
    buf = bytearray(1024)
    if len(root) > 1 and root.endswith('/'):
        root = root[:-1]
    def walk(d):
        for n in os.listdir(d):
            p = d + n if d.endswith('/') else d + '/' + n
            if os.stat(p)[0] & 0x4000:
                dirs.append(p)
                walk(p)
            else:
                files[p] = __belay_hfile(p, buf)
    try:
        isdir = os.stat(root)[0] & 0x4000
    except OSError:
        isdir = 0
    if isdir:
        if root != '/':
            dirs.append(root)
        walk(root)
    if show:
        print(repr((files, dirs)))
    else:
        return (files, dirs)
`;

/**
 * Defines the upload helpers:
 * - `__belay_w(path, data, append=0)`: writes bytes to a file (append=1 adds to it), so a large file
 *   goes up as one write and then appends, each carrying as many bytes as the host likes.
 * - `__belay_mkdirs(paths)`: creates each absolute folder path and any missing parents.
 * - `__belay_rm(paths)`: removes files and (empty) folders; paths that are already gone are skipped.
 *   Pass files first, then folders deepest first, as planSync() lists them.
 * - `__belay_d(b64)`: base64 bytes → bytes (binascii.a2b_base64, or a plain-Python decoder on ports
 *   without binascii), used by the expressions encodeChunk() writes.
 * A read-only filesystem (CircuitPython without a remount in boot.py) raises the board's OSError.
 */
export const BOARD_WRITE_SNIPPET = `def __belay_w(path, data, append=0):
    f = open(path, 'ab' if append else 'wb')
    try:
        f.write(data)
    finally:
        f.close()
def __belay_kind(p):
    import os
    try:
        return 2 if os.stat(p)[0] & 0x4000 else 1
    except OSError:
        return 0
def __belay_mkdirs(paths):
    import os
    for p in paths:
        cur = ''
        for part in p.split('/'):
            if part:
                cur += '/' + part
                if __belay_kind(cur) == 0:
                    os.mkdir(cur)
def __belay_rm(paths):
    import os
    for p in paths:
        k = __belay_kind(p)
        if k == 1:
            os.remove(p)
        elif k == 2:
            os.rmdir(p)
def __belay_b64(s):
    a = b'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/'
    t = {}
    for i in range(64):
        t[a[i]] = i
    out = bytearray()
    acc = 0
    bits = 0
    for c in s:
        if c in t:
            acc = ((acc << 6) | t[c]) & 0xFFFFFF
            bits += 6
            if bits >= 8:
                bits -= 8
                out.append((acc >> bits) & 0xFF)
    return bytes(out)
try:
    from binascii import a2b_base64 as __belay_d
except ImportError:
    __belay_d = __belay_b64
`;

/**
 * The Python expression for a chunk of bytes, whichever is shorter on the wire: a bytes literal
 * (`b'...'`, best for text, about 1 character per byte) or `__belay_d(b'<base64>')` (4 characters
 * per 3 bytes plus 15, best for binary, where a literal needs 4 per byte). Both are ASCII without
 * control characters. The base64 form needs BOARD_WRITE_SNIPPET defined on the board.
 */
export function encodeChunk(data: Uint8Array): string {
  const literal = pyBytes(data);
  const b64 = `__belay_d(b'${Buffer.from(data.buffer, data.byteOffset, data.byteLength).toString('base64')}')`;
  return b64.length < literal.length ? b64 : literal;
}

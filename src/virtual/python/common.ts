/**
 * Modules every profile installs over the port's own at boot (see bootstrap.ts): `gc`, whose
 * collect() really collects while code runs, and `binascii` with a crc32 done in JavaScript.
 */

/**
 * The port collects garbage only when control returns to JavaScript (MICROPY_GC_SPLIT_HEAP_AUTO):
 * its gc.collect() just asks for that. A loop that never returns (a host agent reading stdin, a
 * thread) grew its heap for ever. This collect() asks, then has the worker run the collection now
 * (gc_now, see collector.ts).
 */
export const GC_PY = String.raw`
from gc import *
import gc as _gc
import _vboard as _b


def collect():
    _gc.collect()
    _b.gc_now()
`;

/**
 * The port's binascii is micropython-lib's, in Python (it has a __file__): crc32 ran a Python loop per
 * byte. This one hands the buffer's address to the worker, which reads the bytes in place.
 */
export const BINASCII_PY = String.raw`
from binascii import *
import uctypes as _u
import _vboard as _b


def crc32(data, value=0):
    value &= 0xFFFFFFFF
    return _b.crc32(_u.addressof(data), len(data), value >> 16, value & 0xFFFF) & 0xFFFFFFFF
`;

/**
 * builtins.__import__ for a profile built without some modules: they raise ImportError as on such a
 * board, even those frozen into the port. {missing} is replaced by a tuple of names.
 */
export const IMPORTS_PY = String.raw`
import builtins
import _vboard as _b

_imp = builtins.__import__
_missing = {missing}


def __import__(name, globals=None, locals=None, fromlist=(), level=0):
    if level == 0 and name in _missing:
        try:
            raise ImportError("no module named '%s'" % name)
        except ImportError as e:
            _b.droptb(e)
            raise
    try:
        return _imp(name, globals, locals, fromlist, level)
    except BaseException as e:
        _b.droptb(e)
        raise
`;

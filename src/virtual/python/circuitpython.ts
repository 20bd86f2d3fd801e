/**
 * The CircuitPython 8 face of the virtual board (`?profile=circuitpython`): its `sys`, `time` and `os`,
 * its hardware modules over the same shared pin bank as `machine`, and `storage` with CircuitPython's
 * read-only filesystem. Each is a module in /_vb that bootstrap.ts imports at boot and puts in
 * sys.modules under its board name, so `import board` finds it without any path.
 */

export const CP_VERSION = '8.0.0';
export const CP_DATE = '2023-02-06';

/** sys: the port's, with CircuitPython's implementation and version. */
const SYS_PY = String.raw`
from sys import *
import sys as _s

# Delegated attributes live outside the module's dict, so import * does not copy them.
path = _s.path
argv = _s.argv
ps1 = _s.ps1
ps2 = _s.ps2


class _Impl(tuple):
    name = property(lambda s: s[0])
    version = property(lambda s: s[1])
    _machine = property(lambda s: s[2])
    _mpy = property(lambda s: s[3])


implementation = _Impl(('circuitpython', (8, 0, 0), 'virtual board wasm', 517))
version = '3.4.0; CircuitPython ${CP_VERSION} on ${CP_DATE}'
version_info = (3, 4, 0)
`;

/** time: no ticks_*, no sleep_ms/us; monotonic() instead. sleep() is the board's (interruptible). */
const TIME_PY = String.raw`
from time import time, time_ns, localtime, mktime
import _vboard as _b

sleep = _b.sleep
_t0 = time_ns()


def monotonic():
    return (time_ns() - _t0) / 1000000000


def monotonic_ns():
    return time_ns() - _t0
`;

/** os: no ilistdir, mount or VfsPosix; uname, sync, urandom and getenv as on CircuitPython. */
const OS_PY = String.raw`
from os import getcwd, chdir, listdir, mkdir, remove, rename, rmdir, stat, statvfs, unlink, sep
import random as _r


class _Uname(tuple):
    sysname = property(lambda s: s[0])
    nodename = property(lambda s: s[1])
    release = property(lambda s: s[2])
    version = property(lambda s: s[3])
    machine = property(lambda s: s[4])


def uname():
    return _Uname(('rp2040', 'rp2040', '${CP_VERSION}', '${CP_VERSION} on ${CP_DATE}', 'virtual board wasm'))


def sync():
    pass


def urandom(n):
    return bytes(_r.getrandbits(8) for _ in range(n))


def getenv(key, default=None):
    # CircuitPython reads /settings.toml: key = "text" or key = 123 lines.
    try:
        with open('/settings.toml') as f:
            for line in f:
                k, _, v = line.partition('=')
                if k.strip() == key:
                    v = v.strip()
                    if v[:1] in ('"', "'"):
                        return v[1:-1]
                    return int(v)
    except (OSError, ValueError):
        pass
    return default
`;

/** microcontroller: Pin objects (one per GPIO), cpu, reset(); pins in use, as CircuitPython tracks them. */
const MICROCONTROLLER_PY = String.raw`
import _vboard as _b

_used = set()


class Pin:
    def __init__(self, n):
        self._id = n

    def __repr__(self):
        return 'board.GP%d' % self._id

    def __hash__(self):
        return self._id

    def __eq__(self, other):
        return isinstance(other, Pin) and other._id == self._id


class pin:
    pass


for _i in range(30):
    setattr(pin, 'GPIO%d' % _i, Pin(_i))


def claim(p):
    if not isinstance(p, Pin):
        raise TypeError('pin must be of type Pin, not %s' % type(p).__name__)
    if p._id in _used:
        raise ValueError('%s in use' % repr(p)[6:])
    _used.add(p._id)
    return p._id


def release(n):
    _used.discard(n)


class _Cpu:
    frequency = 125000000
    temperature = 27.0
    voltage = 3.3

    @property
    def uid(self):
        return bytes.fromhex(_b.unique_id())


cpu = _Cpu()


class RunMode:
    NORMAL = 0
    SAFE_MODE = 1
    BOOTLOADER = 2


def on_next_reset(run_mode):
    pass


def reset():
    _b.reset(1)
`;

/** board: a Raspberry Pi Pico's names. */
const BOARD_PY = String.raw`
from microcontroller import pin as _p

board_id = 'virtual_board_wasm'
for _i in range(29):
    globals()['GP%d' % _i] = getattr(_p, 'GPIO%d' % _i)
LED = GP25
SMPS_MODE = GP23
VBUS_SENSE = GP24
A0 = GP26
A1 = GP27
A2 = GP28
A3 = VOLTAGE_MONITOR = _p.GPIO29
del _i
`;

/** digitalio over the shared pins: modes 1 in, 2 out, 3 open drain; pulls 0 none, 1 up, 2 down. */
const DIGITALIO_PY = String.raw`
import _vboard as _b
import microcontroller as _mc


class _Const:
    def __init__(self, name):
        self._n = name

    def __repr__(self):
        return self._n


class Direction:
    INPUT = _Const('digitalio.Direction.INPUT')
    OUTPUT = _Const('digitalio.Direction.OUTPUT')


class Pull:
    UP = _Const('digitalio.Pull.UP')
    DOWN = _Const('digitalio.Pull.DOWN')


class DriveMode:
    PUSH_PULL = _Const('digitalio.DriveMode.PUSH_PULL')
    OPEN_DRAIN = _Const('digitalio.DriveMode.OPEN_DRAIN')


def _pull_code(pull):
    if pull is None:
        return 0
    if pull is Pull.UP:
        return 1
    if pull is Pull.DOWN:
        return 2
    raise TypeError('pull must be of type Pull or None')


class DigitalInOut:
    def __init__(self, pin):
        self._id = _mc.claim(pin)
        self._out = False
        self._pull = None
        self._drive = DriveMode.PUSH_PULL
        _b.pin_cfg(self._id, 1, 0, -1)

    def _live(self):
        if self._id is None:
            raise ValueError('Object has been deinitialized and can no longer be used. Create a new object.')
        return self._id

    def deinit(self):
        if self._id is not None:
            _b.pin_cfg(self._id, 1, 0, -1)
            _mc.release(self._id)
            self._id = None

    def deinited(self):
        return self._id is None

    def __enter__(self):
        return self

    def __exit__(self, *args):
        self.deinit()

    def switch_to_output(self, value=False, drive_mode=DriveMode.PUSH_PULL):
        n = self._live()
        self._out = True
        self._drive = drive_mode
        _b.pin_cfg(n, 3 if drive_mode is DriveMode.OPEN_DRAIN else 2, 0, 1 if value else 0)

    def switch_to_input(self, pull=None):
        n = self._live()
        self._out = False
        self._pull = pull
        _b.pin_cfg(n, 1, _pull_code(pull), -1)

    @property
    def direction(self):
        self._live()
        return Direction.OUTPUT if self._out else Direction.INPUT

    @direction.setter
    def direction(self, d):
        if d is Direction.OUTPUT:
            self.switch_to_output()
        elif d is Direction.INPUT:
            self.switch_to_input()
        else:
            raise TypeError('direction must be of type Direction')

    @property
    def value(self):
        return bool(_b.pin_get(self._live()))

    @value.setter
    def value(self, v):
        n = self._live()
        if not self._out:
            raise AttributeError('Cannot set value when direction is input.')
        _b.pin_set(n, 1 if v else 0)

    @property
    def pull(self):
        self._live()
        if self._out:
            raise AttributeError('Pull not used when direction is output.')
        return self._pull

    @pull.setter
    def pull(self, p):
        n = self._live()
        if self._out:
            raise AttributeError('Pull not used when direction is output.')
        self._pull = p
        _b.pin_cfg(n, -1, _pull_code(p), -1)

    @property
    def drive_mode(self):
        self._live()
        if not self._out:
            raise AttributeError('Drive mode not used when direction is input.')
        return self._drive

    @drive_mode.setter
    def drive_mode(self, m):
        self.switch_to_output(self.value, m)
`;

/** analogio: 16-bit readings from the shared pin bank (the host can force them). */
const ANALOGIO_PY = String.raw`
import _vboard as _b
import microcontroller as _mc


class AnalogIn:
    reference_voltage = 3.3

    def __init__(self, pin):
        self._id = _mc.claim(pin)
        _b.pin_cfg(self._id, 5, -1, -1)

    @property
    def value(self):
        if self._id is None:
            raise ValueError('Object has been deinitialized and can no longer be used. Create a new object.')
        return _b.adc_read(self._id)

    def deinit(self):
        if self._id is not None:
            _mc.release(self._id)
            self._id = None

    def __enter__(self):
        return self

    def __exit__(self, *args):
        self.deinit()
`;

/** supervisor: ticks_ms() wraps at 2**29 as on CircuitPython; reload() is a soft reboot. */
const SUPERVISOR_PY = String.raw`
import _vboard as _b
from _vboard import ticks_ms as _ticks


def ticks_ms():
    return _ticks() & 0x1FFFFFFF


class _Runtime:
    serial_connected = True
    usb_connected = True
    serial_bytes_available = 0
    autoreload = False


runtime = _Runtime()


def reload():
    _b.reset(0)


def disable_autoreload():
    runtime.autoreload = False


def enable_autoreload():
    runtime.autoreload = True


def set_next_code_file(filename, *, reload_on_success=False, reload_on_error=False, sticky_on_success=False, sticky_on_error=False, sticky_on_reload=False):
    pass
`;

/**
 * keypad.Keys: key events from pin edges. The pin bank counts every edge, so a press and release
 * between two looks still make two events; the board looks whenever pins change while it waits
 * (poll() in _vboard) and when the queue is read.
 */
const KEYPAD_PY = String.raw`
import _vboard as _b
import microcontroller as _mc
from supervisor import ticks_ms as _ticks


class Event:
    def __init__(self, key_number=0, pressed=True, timestamp=None):
        self.key_number = key_number
        self.pressed = pressed
        self.timestamp = timestamp

    @property
    def released(self):
        return not self.pressed

    def __eq__(self, other):
        return isinstance(other, Event) and other.key_number == self.key_number and other.pressed == self.pressed

    def __hash__(self):
        return self.key_number * 2 + (1 if self.pressed else 0)

    def __repr__(self):
        return '<Event: key_number %d %s>' % (self.key_number, 'pressed' if self.pressed else 'released')


class EventQueue:
    def __init__(self, keys, max_events):
        self._keys = keys
        self._q = []
        self._max = max_events
        self.overflowed = False

    def _put(self, n, pressed, t):
        if len(self._q) >= self._max:
            self.overflowed = True
        else:
            self._q.append(Event(n, pressed, t))

    def get(self):
        self._keys._scan()
        return self._q.pop(0) if self._q else None

    def get_into(self, event):
        e = self.get()
        if e is None:
            return False
        event.key_number = e.key_number
        event.pressed = e.pressed
        event.timestamp = e.timestamp
        return True

    def clear(self):
        self._q = []
        self.overflowed = False

    def __len__(self):
        self._keys._scan()
        return len(self._q)

    def __bool__(self):
        return len(self) > 0


class Keys:
    def __init__(self, pins, *, value_when_pressed, pull=True, interval=0.02, max_events=64):
        if not isinstance(pins, (tuple, list)):
            pins = (pins,)
        ids = []
        try:
            for p in pins:
                ids.append(_mc.claim(p))
        except BaseException:
            for n in ids:
                _mc.release(n)
            raise
        self._ids = ids
        self._vwp = 1 if value_when_pressed else 0
        for n in ids:
            _b.pin_cfg(n, 1, (2 if self._vwp else 1) if pull else 0, -1)
        self._seen = [(_b.pin_rises(n), _b.pin_falls(n)) for n in ids]
        self.events = EventQueue(self, max_events)
        _b.scanners.append(self)

    @property
    def key_count(self):
        return len(self._ids)

    def _scan(self):
        if self._ids is None:
            return
        t = None
        for k in range(len(self._ids)):
            n = self._ids[k]
            r = _b.pin_rises(n)
            f = _b.pin_falls(n)
            edges = (r - self._seen[k][0]) + (f - self._seen[k][1])
            if edges == 0:
                continue
            self._seen[k] = (r, f)
            if t is None:
                t = _ticks()
            now = _b.pin_get(n) == self._vwp
            # Events alternate and the last one is the key's state now.
            for i in range(edges):
                self.events._put(k, now if (edges - 1 - i) % 2 == 0 else not now, t)

    def reset(self):
        self._scan()
        t = _ticks()
        for k in range(len(self._ids)):
            if _b.pin_get(self._ids[k]) == self._vwp:
                self.events._put(k, True, t)

    def deinit(self):
        if self._ids is not None:
            for n in self._ids:
                _mc.release(n)
            self._ids = None
            if self in _b.scanners:
                _b.scanners.remove(self)

    def __enter__(self):
        return self

    def __exit__(self, *args):
        self.deinit()
`;

/** countio.Counter: edges the pin bank counted since the counter started or was reset. */
const COUNTIO_PY = String.raw`
import _vboard as _b
import microcontroller as _mc


class Edge:
    RISE = 1
    FALL = 2
    RISE_AND_FALL = 3


class Counter:
    def __init__(self, pin, *, edge=Edge.FALL, pull=None):
        self._id = _mc.claim(pin)
        self._edge = edge
        p = 0
        if pull is not None:
            import digitalio
            p = 1 if pull is digitalio.Pull.UP else 2
        _b.pin_cfg(self._id, 1, p, -1)
        self._base = self._raw()

    def _raw(self):
        n = 0
        if self._edge & 1:
            n += _b.pin_rises(self._id)
        if self._edge & 2:
            n += _b.pin_falls(self._id)
        return n

    @property
    def count(self):
        if self._id is None:
            raise ValueError('Object has been deinitialized and can no longer be used. Create a new object.')
        return self._raw() - self._base

    @count.setter
    def count(self, v):
        self._base = self._raw() - v

    def reset(self):
        self.count = 0

    def deinit(self):
        if self._id is not None:
            _mc.release(self._id)
            self._id = None

    def __enter__(self):
        return self

    def __exit__(self, *args):
        self.deinit()
`;

/**
 * storage: remount() works only while boot.py runs (then code may write; on CircuitPython the USB
 * host may not). The flag lives in the board's shared memory, so it holds across soft reboots until
 * the next power-on or hard reset, as on CircuitPython.
 */
const STORAGE_PY = String.raw`
import _vboard as _b

booting = False


class VfsFat:
    @property
    def readonly(self):
        return not _b.board_flag(-1)

    label = 'CIRCUITPY'


_root = VfsFat()


def remount(mount_path, readonly=False, *, disable_concurrent_write_protection=False):
    if mount_path != '/':
        raise OSError(22)
    if not booting:
        raise RuntimeError("Cannot remount '/' when visible via USB.")
    _b.board_flag(0 if readonly else 1)


def getmount(mount_path):
    if mount_path != '/':
        raise OSError(22)
    return _root


def disable_usb_drive():
    pass


def _run_boot():
    # At power-on and hard reset; its output would go to boot_out.txt on a board: it is dropped.
    global booting
    try:
        with open('/boot.py') as f:
            src = f.read()
    except OSError:
        return
    booting = True
    try:
        exec(src, {'__name__': '__main__'})
    except BaseException:
        pass
    finally:
        booting = False


def enable_usb_drive():
    pass
`;

/** busio.I2C over the same simulated EEPROM at 0x50 that machine.I2C has. */
const BUSIO_PY = String.raw`
import machine as _m


class I2C:
    def __init__(self, scl, sda, *, frequency=100000, timeout=255):
        self._i2c = _m.I2C(0)
        self._locked = False

    def try_lock(self):
        if self._locked:
            return False
        self._locked = True
        return True

    def unlock(self):
        self._locked = False

    def scan(self):
        return self._i2c.scan()

    def writeto(self, address, buffer, *, start=0, end=None):
        self._i2c.writeto(address, bytes(buffer[start:end]))

    def readfrom_into(self, address, buffer, *, start=0, end=None):
        b = bytearray(len(buffer[start:end]))
        self._i2c.readfrom_into(address, b)
        buffer[start:start + len(b)] = b

    def writeto_then_readfrom(self, address, out_buffer, in_buffer, *, out_start=0, out_end=None, in_start=0, in_end=None):
        self.writeto(address, out_buffer, start=out_start, end=out_end)
        self.readfrom_into(address, in_buffer, start=in_start, end=in_end)

    def deinit(self):
        pass

    def __enter__(self):
        return self

    def __exit__(self, *args):
        self.deinit()
`;

/**
 * The rest of the face, run once at boot: compile() gone (CircuitPython 8 has exec and eval only),
 * and OSError numbers that print in prose. MicroPython prints `[Errno N] NAME` from the errno
 * module's errorcode dict, a table in the interpreter's memory; this points the dict at a longer
 * table whose names are CircuitPython's texts. Keys and values are small ints and qstrs, which the
 * GC does not trace; the new table is kept alive here.
 */
const CPBOOT_PY = String.raw`
import builtins
import errno
import uctypes
import _vboard as _b

_TEXT = {
    1: 'Operation not permitted', 2: 'No such file/directory', 5: 'Input/output error',
    13: 'Permission denied', 17: 'File exists', 19: 'No such device', 20: 'Not a directory',
    21: 'Is a directory', 22: 'Invalid argument', 28: 'No space left on device',
    30: 'Read-only filesystem', 39: 'Directory not empty',
}


def compile(*args, **kwargs):
    try:
        raise NameError("name 'compile' is not defined")
    except NameError as e:
        _b.droptb(e)
        raise


builtins.compile = compile


class _Names:
    pass


def _qstr(text):
    # An attribute name is interned; its word in __dict__ is the qstr object.
    o = _Names()
    setattr(o, text, 0)
    for k in o.__dict__:
        return id(k)


def _prose_errors():
    d = errno.errorcode
    head = uctypes.bytearray_at(id(d) + 4, 12)
    word = int.from_bytes(head[0:4], 'little')
    used = word >> 3
    old = uctypes.bytearray_at(int.from_bytes(head[8:12], 'little'), used * 8)
    codes = {}
    for i in range(used):
        codes[int.from_bytes(old[i * 8:i * 8 + 4], 'little') >> 1] = old[i * 8 + 4:i * 8 + 8]
    for n, text in _TEXT.items():
        codes[n] = _qstr(text).to_bytes(4, 'little')
    table = bytearray()
    for n in sorted(codes):
        table += ((n << 1) | 1).to_bytes(4, 'little') + bytes(codes[n])
    count = len(codes)
    head[0:4] = ((count << 3) | (word & 7)).to_bytes(4, 'little')
    head[4:8] = count.to_bytes(4, 'little')
    head[8:12] = uctypes.addressof(table).to_bytes(4, 'little')
    return table


_table = _prose_errors()
`;

/** Module name -> source, in the order bootstrap imports them (each may import those before it). */
export const CP_MODULES: Array<[string, string]> = [
  ['sys', SYS_PY], ['time', TIME_PY], ['os', OS_PY], ['microcontroller', MICROCONTROLLER_PY],
  ['board', BOARD_PY], ['digitalio', DIGITALIO_PY], ['analogio', ANALOGIO_PY],
  ['supervisor', SUPERVISOR_PY], ['keypad', KEYPAD_PY], ['countio', COUNTIO_PY],
  ['storage', STORAGE_PY], ['busio', BUSIO_PY],
];

export const CPBOOT = CPBOOT_PY;

/**
 * The simulated `machine` module. Pin, PWM and ADC state lives in the host's shared pin bank (so the
 * host and every thread of the board see one set of pins); I2C, SPI and Timer are per interpreter.
 * Constants follow the rp2 port so code written for a Pico reads naturally.
 */
export const MACHINE_PY = String.raw`
import _vboard as _b
from micropython import const

PWRON_RESET = const(1)
WDT_RESET = const(3)
SOFT_RESET = const(5)
_NAMES = {'LED': 25}


def _pin_id(p):
    if isinstance(p, Pin):
        return p._id
    if isinstance(p, str):
        if p in _NAMES:
            return _NAMES[p]
        if p.startswith('GP') and p[2:].isdigit():
            p = int(p[2:])
        elif p.isdigit():
            p = int(p)
    if not isinstance(p, int) or not 0 <= p < 64:
        raise ValueError('invalid pin')
    return p


class Pin:
    IN = const(0)
    OUT = const(1)
    OPEN_DRAIN = const(2)
    ALT = const(3)
    PULL_UP = const(1)
    PULL_DOWN = const(2)
    IRQ_LOW_LEVEL = const(1)
    IRQ_HIGH_LEVEL = const(2)
    IRQ_FALLING = const(4)
    IRQ_RISING = const(8)
    _MODES = (1, 2, 3, 6)

    def __init__(self, id, mode=-1, pull=-1, *, value=None, alt=-1):
        self._id = _pin_id(id)
        if mode != -1 or pull != -1 or value is not None:
            self.init(mode, pull, value=value)

    def init(self, mode=-1, pull=-1, *, value=None, alt=-1):
        if mode not in (-1, None) and not 0 <= mode <= 3:
            raise ValueError('invalid pin mode')
        m = -1 if mode in (-1, None) else self._MODES[mode]
        p = -1 if pull == -1 else (0 if pull is None else pull)
        _b.pin_cfg(self._id, m, p, -1 if value is None else (1 if value else 0))

    def value(self, x=None):
        if x is None:
            return _b.pin_get(self._id)
        _b.pin_set(self._id, 1 if x else 0)

    def __call__(self, x=None):
        return self.value(x)

    def on(self):
        _b.pin_set(self._id, 1)

    def off(self):
        _b.pin_set(self._id, 0)

    high = on
    low = off

    def toggle(self):
        _b.pin_set(self._id, 1 - _b.pin_get(self._id))

    def irq(self, handler=None, trigger=12, hard=False):
        if handler is None:
            _b.irqs.pop(self._id, None)
        else:
            _b.irqs[self._id] = [handler, trigger, _b.pin_rises(self._id), _b.pin_falls(self._id), self]
        return _IRQ(self)

    def __eq__(self, other):
        return isinstance(other, Pin) and other._id == self._id

    def __hash__(self):
        return self._id

    def __repr__(self):
        return 'Pin(GPIO%d)' % self._id


class _IRQ:
    def __init__(self, pin):
        self._pin = pin

    def flags(self):
        return 0

    def trigger(self, t=None):
        e = _b.irqs.get(self._pin._id)
        return e[1] if e else 0


class Signal:
    def __init__(self, pin, *args, invert=False, **kw):
        self._pin = pin if isinstance(pin, Pin) else Pin(pin, *args, **kw)
        self._inv = 1 if invert else 0

    def value(self, x=None):
        if x is None:
            return self._pin.value() ^ self._inv
        self._pin.value((1 if x else 0) ^ self._inv)

    def on(self):
        self.value(1)

    def off(self):
        self.value(0)


class PWM:
    def __init__(self, dest, *, freq=1000, duty_u16=None, duty_ns=None, invert=False):
        self._id = _pin_id(dest)
        self._freq = int(freq)
        self._duty = 0
        if duty_ns is not None:
            self._duty = self._from_ns(duty_ns)
        elif duty_u16 is not None:
            self._duty = int(duty_u16)
        self._apply()

    def init(self, *, freq=None, duty_u16=None, duty_ns=None):
        if freq is not None:
            self._freq = int(freq)
        if duty_u16 is not None:
            self._duty = int(duty_u16)
        if duty_ns is not None:
            self._duty = self._from_ns(duty_ns)
        self._apply()

    def _from_ns(self, ns):
        return min(65535, int(ns) * self._freq * 65536 // 1000000000)

    def _apply(self):
        if not 0 <= self._duty <= 65535:
            raise ValueError('duty_u16 must be from 0 to 65535')
        _b.pin_pwm(self._id, self._freq, self._duty)

    def freq(self, f=None):
        if f is None:
            return self._freq
        self._freq = int(f)
        self._apply()

    def duty_u16(self, d=None):
        if d is None:
            return self._duty
        self._duty = int(d)
        self._apply()

    def duty_ns(self, ns=None):
        if ns is None:
            return self._duty * 1000000000 // (self._freq * 65536) if self._freq else 0
        self._duty = self._from_ns(ns)
        self._apply()

    def deinit(self):
        _b.pin_cfg(self._id, 2, -1, 0)

    def __repr__(self):
        return 'PWM(GPIO%d, freq=%d, duty_u16=%d)' % (self._id, self._freq, self._duty)


class ADC:
    CORE_TEMP = const(4)

    def __init__(self, pin, *args, **kw):
        self._id = pin if isinstance(pin, int) and pin < 5 else _pin_id(pin)
        _b.pin_cfg(self._id, 5, -1, -1)

    def read_u16(self):
        return _b.adc_read(self._id)

    def read(self):
        return _b.adc_read(self._id) >> 4

    def read_uv(self):
        return _b.adc_read(self._id) * 3300000 // 65535


class I2C:
    # One simulated 256-byte EEPROM (24C02 style) answers at address 0x50.
    def __init__(self, id=0, *, scl=None, sda=None, freq=400000, timeout=50000):
        self._mem = bytearray(256)
        self._ptr = 0

    def init(self, *args, **kw):
        pass

    def scan(self):
        return [0x50]

    def _dev(self, addr):
        if addr != 0x50:
            raise OSError(19)

    def writeto(self, addr, buf, stop=True):
        self._dev(addr)
        if len(buf):
            self._ptr = buf[0]
            for b in buf[1:]:
                self._mem[self._ptr] = b
                self._ptr = (self._ptr + 1) & 255
        return len(buf)

    def readfrom(self, addr, n, stop=True):
        buf = bytearray(n)
        self.readfrom_into(addr, buf)
        return bytes(buf)

    def readfrom_into(self, addr, buf, stop=True):
        self._dev(addr)
        for i in range(len(buf)):
            buf[i] = self._mem[self._ptr]
            self._ptr = (self._ptr + 1) & 255

    def writeto_mem(self, addr, memaddr, buf, *, addrsize=8):
        self.writeto(addr, bytes([memaddr & 255]) + bytes(buf))

    def readfrom_mem(self, addr, memaddr, n, *, addrsize=8):
        self.writeto(addr, bytes([memaddr & 255]))
        return self.readfrom(addr, n)

    def readfrom_mem_into(self, addr, memaddr, buf, *, addrsize=8):
        self.writeto(addr, bytes([memaddr & 255]))
        self.readfrom_into(addr, buf)


SoftI2C = I2C


class SPI:
    # MISO is wired to MOSI: a transfer reads back what it writes; plain reads return the write byte.
    MSB = const(0)
    LSB = const(1)

    def __init__(self, id=0, baudrate=1000000, *, polarity=0, phase=0, bits=8, firstbit=0, sck=None, mosi=None, miso=None):
        self._baud = baudrate

    def init(self, *args, **kw):
        pass

    def deinit(self):
        pass

    def read(self, nbytes, write=0x00):
        return bytes([write]) * nbytes

    def readinto(self, buf, write=0x00):
        for i in range(len(buf)):
            buf[i] = write

    def write(self, buf):
        return None

    def write_readinto(self, write_buf, read_buf):
        read_buf[:] = write_buf


SoftSPI = SPI


class Timer:
    ONE_SHOT = const(0)
    PERIODIC = const(1)

    def __init__(self, id=-1, **kw):
        self._cb = None
        if kw:
            self.init(**kw)

    def init(self, *, mode=1, freq=-1, period=-1, tick_hz=1000, callback=None):
        self.deinit()
        if freq > 0:
            period = max(1, int(1000 / freq))
        elif period > 0 and tick_hz != 1000:
            period = max(1, period * 1000 // tick_hz)
        if period <= 0:
            raise ValueError('period')
        self._mode = mode
        self._period = int(period)
        self._cb = callback
        self._due = _b.ticks_add(_b.ticks_ms(), self._period)
        if callback is not None:
            _b.timers.append(self)
            _b.timer_hint(self._period)

    def deinit(self):
        if self in _b.timers:
            _b.timers.remove(self)


class WDT:
    def __init__(self, id=0, timeout=5000):
        pass

    def feed(self):
        pass


def unique_id():
    return bytes.fromhex(_b.unique_id())


def reset():
    _b.reset(1)


def soft_reset():
    _b.reset(0)


def reset_cause():
    return SOFT_RESET


def freq(hz=None):
    return 125000000


def idle():
    _b.poll()
    _b.wait(1)


def lightsleep(ms=None):
    _b.sleep_ms(1000 if ms is None else ms)


deepsleep = lightsleep


def disable_irq():
    return 0


def enable_irq(state=0):
    pass


def time_pulse_us(pin, level, timeout_us=1000000):
    return -1
`;

import { CTRL, LOCK_COUNT, MAX_THREADS, PIN, PIN_COUNT, type BoardShared } from './shared';
import { changePin, pinLevel } from './pin-logic';
import type { ToHost } from './protocol';

/**
 * `_vbhw`, the JavaScript module the Python side of `machine`, `time` and `_thread` calls into. Every
 * function takes and returns plain numbers or strings: a JavaScript object handed to Python would be a
 * proxy that a forked thread's worker does not have.
 */
export interface HardwareHost {
  post(m: ToHost): void;
  waitEvent(ms: number): void;
  /** records that pins and timers were just looked at (see waitEvent) */
  markSeen(): void;
  kbdPending(): boolean;
  fork(ident: number, epitaph: string): void;
  /** the _thread ident of the interpreter Python runs in (1: the main one): what a lock it holds records */
  ident(): number;
  reset(kind: number): void;
  /** runs the collection gc.collect() asked for (see collector.ts) */
  gcNow(): void;
  /**
   * Python called in here (a point where a collection is as safe as in gc.collect()): the worker
   * may collect garbage that no return to the REPL would (see collector.ts).
   */
  safePoint(): void;
  /** the interpreter's memory, for reading buffers in place */
  memory: WebAssembly.Memory;
}

export interface Hardware extends Record<string, unknown> {
  /** earliest time (Date.now()) a Timer may be due, as last told by Python */
  nextTimerAt: number;
}

/** The hardware module, and how to bind it to a board once the worker knows which (see Attach). */
export interface HardwareBinding {
  hw: Hardware;
  /** uniqueId: what machine.unique_id() reads (hex), made by the host: no hash module in a worker */
  bind(shared: BoardShared, uniqueId: string): void;
}

/** CRC-32 (IEEE 802.3, reflected), as binascii.crc32 and zlib compute it. */
const CRC_TABLE = (() => {
  const t = new Int32Array(256);
  for (let n = 0; n < 256; n++) {
    let c = n;
    for (let k = 0; k < 8; k++) c = c & 1 ? 0xedb88320 ^ (c >>> 1) : c >>> 1;
    t[n] = c;
  }
  return t;
})();

export function createHardware(host: HardwareHost): HardwareBinding {
  let ctrl: Int32Array<ArrayBufferLike> = new Int32Array(CTRL.SIZE);
  let pins: Int32Array<ArrayBufferLike> = new Int32Array(PIN_COUNT * PIN.SIZE);
  let locks: Int32Array<ArrayBufferLike> = new Int32Array(LOCK_COUNT);
  let uid = '';
  const t0 = Date.now();
  const checkPin = (id: number) => {
    if (!(id >= 0 && id < PIN_COUNT)) throw new RangeError(`pin ${id} does not exist on the virtual board (0..${PIN_COUNT - 1})`);
  };
  const change = (id: number, mutate: (b: number) => void) => {
    checkPin(id);
    changePin(pins, ctrl, id, mutate);
    host.post({ t: 'pin', id });
  };
  const slot = (id: number) => ((id % LOCK_COUNT) + LOCK_COUNT) % LOCK_COUNT;

  const hw: Hardware = {
    nextTimerAt: Infinity,
    wait(ms: number) {
      host.safePoint();
      host.waitEvent(Math.max(0, ms));
      return 0;
    },
    timer_hint(ms: number) {
      hw.nextTimerAt = Math.min(hw.nextTimerAt, Date.now() + ms);
      return 0;
    },
    pin_cfg(id: number, mode: number, pull: number, value: number) {
      change(id, (b) => {
        if (mode >= 0) Atomics.store(pins, b + PIN.MODE, mode);
        if (pull >= 0) Atomics.store(pins, b + PIN.PULL, pull);
        if (value >= 0) Atomics.store(pins, b + PIN.OUT, value);
      });
      return 0;
    },
    pin_get(id: number) {
      checkPin(id);
      return pinLevel(pins, id);
    },
    pin_set(id: number, v: number) {
      change(id, (b) => Atomics.store(pins, b + PIN.OUT, v ? 1 : 0));
      return 0;
    },
    pin_pwm(id: number, freq: number, duty: number) {
      change(id, (b) => {
        Atomics.store(pins, b + PIN.MODE, 4);
        Atomics.store(pins, b + PIN.FREQ, freq);
        Atomics.store(pins, b + PIN.DUTY, duty);
        Atomics.store(pins, b + PIN.OUT, duty > 0 ? 1 : 0);
      });
      return 0;
    },
    pin_gen() {
      host.markSeen();
      return Atomics.load(ctrl, CTRL.PIN_GEN);
    },
    pin_rises: (id: number) => Atomics.load(pins, id * PIN.SIZE + PIN.RISES),
    pin_falls: (id: number) => Atomics.load(pins, id * PIN.SIZE + PIN.FALLS),
    adc_read(id: number) {
      const forced = id >= 0 && id < PIN_COUNT ? Atomics.load(pins, id * PIN.SIZE + PIN.ANALOG) : -1;
      if (forced >= 0) return forced;
      // A slowly drifting reading, like a light or temperature sensor, with a little noise.
      const t = (Date.now() - t0) / 1000;
      const v = 32768 + 16000 * Math.sin(t * 0.6 + id) + (Math.random() - 0.5) * 600;
      return Math.max(0, Math.min(65535, Math.round(v)));
    },
    lock_new: () => Atomics.add(ctrl, CTRL.NEXT_LOCK, 1),
    // A lock's word holds the ident of its holder (see releaseLocksOf), 0 when it is free.
    lock_acquire(id: number, ms: number) {
      host.safePoint();
      const s = slot(id);
      const me = host.ident();
      const held = Atomics.compareExchange(locks, s, 0, me);
      if (held === 0) return 1;
      if (ms > 0 && !host.kbdPending()) Atomics.wait(locks, s, held, ms);
      return Atomics.compareExchange(locks, s, 0, me) === 0 ? 1 : 0;
    },
    lock_release(id: number) {
      host.safePoint();
      const s = slot(id);
      const was = Atomics.exchange(locks, s, 0);
      Atomics.notify(locks, s, 1);
      return was !== 0 ? 1 : 0;
    },
    lock_locked: (id: number) => (Atomics.load(locks, slot(id)) !== 0 ? 1 : 0),
    /** a new thread's ident, or 0 when the board runs as many threads as it can (the host counts them down) */
    thread_new() {
      if (Atomics.add(ctrl, CTRL.THREADS, 1) >= MAX_THREADS) {
        Atomics.sub(ctrl, CTRL.THREADS, 1);
        return 0;
      }
      return Atomics.add(ctrl, CTRL.NEXT_IDENT, 1);
    },
    /** a thread_new() whose thread was not forked after all */
    thread_drop() {
      Atomics.sub(ctrl, CTRL.THREADS, 1);
      return 0;
    },
    fork(ident: number, epitaph: string) {
      host.fork(ident, epitaph);
      return 0;
    },
    reset(kind: number) {
      host.reset(kind);
      return 0;
    },
    gc_now() {
      host.gcNow();
      return 0;
    },
    /** the running crc comes in 16-bit halves: Python ints past 2**30 would not arrive as numbers */
    crc32(addr: number, len: number, hi: number, lo: number) {
      const b = new Uint8Array(host.memory.buffer, addr, len);
      let c = ~((hi << 16) | lo);
      for (let i = 0; i < len; i++) c = CRC_TABLE[(c ^ b[i]) & 0xff] ^ (c >>> 8);
      return ~c;
    },
    /** CircuitPython's writable flag: v < 0 reads it, 0/1 sets it */
    board_flag(v: number) {
      if (v >= 0) Atomics.store(ctrl, CTRL.WRITABLE, v ? 1 : 0);
      return Atomics.load(ctrl, CTRL.WRITABLE);
    },
    unique_id: () => uid,
  };
  return {
    hw,
    bind(shared, uniqueId) {
      ctrl = new Int32Array(shared.ctrl);
      pins = new Int32Array(shared.pins);
      locks = new Int32Array(shared.locks);
      uid = uniqueId;
    },
  };
}

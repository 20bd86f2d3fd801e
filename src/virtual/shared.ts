/**
 * Memory shared between the host thread and every worker of one virtual board. Workers run
 * interpreter code synchronously and cannot take messages while they do, so everything the host must
 * tell a running interpreter (bytes typed at the REPL, a pin the host drives, a wake-up) goes through
 * these SharedArrayBuffers and Atomics.
 */

/** Int32 slots of the control block. */
export const CTRL = {
  /** bumped and notified on every event a waiting worker may care about */
  WAKE: 0,
  /** bumped when any pin changes level, so interpreters rescan for IRQ edges */
  PIN_GEN: 1,
  /** next _thread ident to hand out */
  NEXT_IDENT: 2,
  /** next cross-interpreter lock id */
  NEXT_LOCK: 3,
  /** 1 while the main interpreter runs code (Ctrl-C interrupts), 2 once the host has interrupted it */
  EXEC: 4,
  /** CircuitPython: 1 once boot.py remounted the filesystem writable; cleared at power-on and hard reset */
  WRITABLE: 5,
  /** workers waiting on WAKE: the host notifies only when one is (a notify is not cheap, see wake) */
  SLEEPERS: 6,
  /** threads started and not yet ended: start_new_thread counts up, the host down (see MAX_THREADS) */
  THREADS: 7,
  /**
   * where in the stdin stream (a ring position) the last Ctrl-C the host turned into an interrupt
   * stood: one that came too late to interrupt anything is fed to the REPL there, after the bytes
   * written before it
   */
  LATE_AT: 8,
  /**
   * Ctrl-Cs the host has finished turning into an interrupt: between its swap of EXEC and the
   * raise, the interpreter may end its call, and then waits for this to count up before it looks
   */
  RAISED: 9,
  SIZE: 10,
} as const;

export const PIN_COUNT = 64;
/** Int32 slots per pin. */
export const PIN = {
  MODE: 0, OUT: 1, EXT: 2, PULL: 3, FREQ: 4, DUTY: 5, RISES: 6, FALLS: 7, ANALOG: 8, SIZE: 9,
} as const;
export const PIN_MODES = ['unset', 'in', 'out', 'open_drain', 'pwm', 'adc', 'alt'] as const;
export type PinMode = typeof PIN_MODES[number];
export const PULLS = ['none', 'up', 'down'] as const;
export const LOCK_COUNT = 1024;
/**
 * Most threads one board runs at once, each a worker with its own interpreter. One more makes
 * start_new_thread raise in the caller, as a board does when it cannot create a thread.
 */
export const MAX_THREADS = 16;

/**
 * Frees the locks that the interpreter with this _thread ident holds (a lock's word holds its
 * holder's ident): one that died in the middle of `with lock:` would leave every other interpreter
 * of the board waiting for it, the output lock of the Belay agent among them.
 */
export function releaseLocksOf(locks: SharedArrayBuffer, ident: number): void {
  const words = new Int32Array(locks);
  for (let i = 0; i < words.length; i++) {
    if (Atomics.compareExchange(words, i, ident, 0) === ident) Atomics.notify(words, i);
  }
}

export interface BoardShared {
  ctrl: SharedArrayBuffer;
  ring: SharedArrayBuffer;
  pins: SharedArrayBuffer;
  locks: SharedArrayBuffer;
}

// head (written), tail (read), notified flag, producers waiting for room: Int32 each; counts are mod 2^32
const RING_HEADER = 16;
const RING_SIZE = 1 << 18;
const OUT_RING_SIZE = 1 << 16;

/** A ring for one worker's output (worker writes, host reads). */
export function createOutputRing(): SharedArrayBuffer {
  return new SharedArrayBuffer(RING_HEADER + OUT_RING_SIZE);
}

export function createShared(): BoardShared {
  const pins = new SharedArrayBuffer(PIN_COUNT * PIN.SIZE * 4);
  const p = new Int32Array(pins);
  for (let i = 0; i < PIN_COUNT; i++) {
    p[i * PIN.SIZE + PIN.EXT] = -1;
    p[i * PIN.SIZE + PIN.ANALOG] = -1;
  }
  const ctrl = new SharedArrayBuffer(CTRL.SIZE * 4);
  new Int32Array(ctrl)[CTRL.NEXT_IDENT] = 2; // the main interpreter is thread 1
  return { ctrl, ring: new SharedArrayBuffer(RING_HEADER + RING_SIZE), pins, locks: new SharedArrayBuffer(LOCK_COUNT * 4) };
}

/**
 * Wakes every worker of the board that waits for an event. V8 serves every Atomics.wait and notify
 * of the process under one lock: with 32 boards, a notify per host write was a quarter of the host's
 * time. A worker counts itself in SLEEPERS before it waits (see sleepUntilWake), so when none does,
 * bumping WAKE is enough: a worker about to wait compares it and returns at once.
 */
export function wake(ctrl: Int32Array): void {
  Atomics.add(ctrl, CTRL.WAKE, 1);
  if (Atomics.load(ctrl, CTRL.SLEEPERS) > 0) Atomics.notify(ctrl, CTRL.WAKE);
}

/** Waits (at most ms) for WAKE to move on from seen; the counterpart of wake(). */
export function sleepUntilWake(ctrl: Int32Array, seen: number, ms: number): void {
  Atomics.add(ctrl, CTRL.SLEEPERS, 1);
  try {
    Atomics.wait(ctrl, CTRL.WAKE, seen, ms);
  } finally {
    Atomics.sub(ctrl, CTRL.SLEEPERS, 1);
  }
}

/**
 * Single-producer single-consumer byte ring: host to main interpreter (REPL input), or one worker to
 * the host (output, which the host reads as soon as it is written, even while a busy loop runs on).
 */
export class ByteRing {
  private readonly idx: Int32Array;
  private readonly data: Uint8Array;
  constructor(buf: SharedArrayBuffer) {
    this.idx = new Int32Array(buf, 0, 4);
    this.data = new Uint8Array(buf, RING_HEADER);
  }

  /** Producer: copies as many bytes as fit; returns how many. */
  put(bytes: Uint8Array): number {
    const head = Atomics.load(this.idx, 0);
    const tail = Atomics.load(this.idx, 1);
    const free = this.data.length - ((head - tail) | 0);
    const n = Math.min(free, bytes.length);
    for (let i = 0; i < n; i++) this.data[(head + i) & (this.data.length - 1)] = bytes[i];
    Atomics.store(this.idx, 0, (head + n) | 0);
    return n;
  }

  available(): number {
    return (Atomics.load(this.idx, 0) - Atomics.load(this.idx, 1)) | 0;
  }

  /** Bytes put so far (a position in the stream; wraps as an int32). */
  get produced(): number {
    return Atomics.load(this.idx, 0);
  }

  /** Bytes taken so far (a position in the stream; wraps as an int32). */
  get consumed(): number {
    return Atomics.load(this.idx, 1);
  }

  /** Bytes the ring holds at most. */
  get capacity(): number {
    return this.data.length;
  }

  /** Consumer: next byte, or -1 when empty. */
  take(): number {
    const tail = Atomics.load(this.idx, 1);
    if (tail === Atomics.load(this.idx, 0)) return -1;
    const b = this.data[tail & (this.data.length - 1)];
    Atomics.store(this.idx, 1, (tail + 1) | 0);
    return b;
  }

  /** Consumer: copies up to `max` bytes into dst at `at`; returns how many. */
  takeInto(dst: Uint8Array, at: number, max: number): number {
    const tail = Atomics.load(this.idx, 1);
    const n = Math.min(max, (Atomics.load(this.idx, 0) - tail) | 0);
    const mask = this.data.length - 1;
    for (let i = 0; i < n; i++) dst[at + i] = this.data[(tail + i) & mask];
    Atomics.store(this.idx, 1, (tail + n) | 0);
    return n;
  }

  /** Consumer: everything available, and wakes a producer waiting for room. */
  takeAll(): Uint8Array {
    const head = Atomics.load(this.idx, 0);
    const tail = Atomics.load(this.idx, 1);
    const n = (head - tail) | 0;
    const out = new Uint8Array(n);
    for (let i = 0; i < n; i++) out[i] = this.data[(tail + i) & (this.data.length - 1)];
    Atomics.store(this.idx, 1, head);
    if (Atomics.load(this.idx, 3) > 0) Atomics.notify(this.idx, 1);
    return out;
  }

  /** Producer: waits (at most ms) for the consumer to make room. */
  waitRoom(ms: number): void {
    Atomics.add(this.idx, 3, 1);
    try {
      Atomics.wait(this.idx, 1, Atomics.load(this.idx, 1), ms);
    } finally {
      Atomics.sub(this.idx, 3, 1);
    }
  }

  /** Producer: true when the consumer must be told (it was not yet told since its last read). */
  claimNotify(): boolean {
    return Atomics.compareExchange(this.idx, 2, 0, 1) === 0;
  }

  /** Producer: tells a consumer waiting in whenTold() (after claimNotify() said so). */
  tell(): void {
    Atomics.notify(this.idx, 2);
  }

  /**
   * Consumer: resolves once the producer has told (at once if it already has); the host's event
   * loop is woken by V8 itself, which costs the worker less than a message would.
   */
  whenTold(): Promise<unknown> {
    const r = Atomics.waitAsync(this.idx, 2, 0);
    return r.async ? r.value : Promise.resolve();
  }

  /** Consumer: about to read; the next write must tell again. */
  clearNotify(): void {
    Atomics.store(this.idx, 2, 0);
  }
}

import { EventEmitter } from 'node:events';
import { createHash } from 'node:crypto';
import * as os from 'node:os';
import * as path from 'node:path';
import { ByteRing, CTRL, createShared, releaseLocksOf, wake, type BoardShared } from './shared';
import { Interpreter } from './interpreter';
import { takeInterpreter, useSpares } from './spares';
import { PinBank } from './pins';
import { resolveProfile, type BoardProfile, type RawPasteMode, type VirtualProfile } from './profile';
import { VIRTUAL_NAME } from '../board/link/ports';
import type { BoardBinding, ReplMode, ToHost } from './protocol';

export interface VirtualBoardOptions {
  /** board name; each name is its own board (default 'default') */
  name?: string;
  /** host folder that is the board's filesystem (default: defaultFsDir(name)) */
  fsDir?: string;
  /** the kind of board it imitates (default 'micropython'); the options below override its defaults */
  profile?: VirtualProfile;
  /** answer raw-paste requests: true/'on', false/'refuse' (R\x00), 'old' (as before MicroPython 1.14) */
  rawPaste?: boolean | RawPasteMode;
  /** offer _thread; false makes `import _thread` fail as on a board without threads */
  threads?: boolean;
  /** MicroPython GC heap in bytes (default 1 MiB, growing; the small profile's is fixed) */
  heapBytes?: number;
}

let root: string | undefined;

/**
 * The folder under which boards keep their files (board NAME in ROOT/NAME) when no fsDir is given:
 * `<tmpdir>/belay-virtual` unless set. Node-RED sets `<userDir>/belay-virtual` at start; boards
 * already made keep their folder.
 */
export function setVirtualRoot(dir: string): void {
  root = path.resolve(dir);
}

export function virtualRoot(): string {
  return root ?? path.join(os.tmpdir(), 'belay-virtual');
}

export function defaultFsDir(name: string): string {
  return path.join(virtualRoot(), name);
}

/**
 * A virtual MicroPython board: the official WebAssembly port in worker threads behind the raw REPL,
 * with simulated pins, a filesystem in a host folder, and threads. write() is what a serial port's
 * TX would carry; 'data' events are its RX.
 *
 * Events: 'data' (chunk: Buffer); 'close' (err?: Error) once, when closed or killed.
 */
export class VirtualBoard extends EventEmitter {
  readonly name: string;
  readonly fsDir: string;
  readonly profile: BoardProfile;
  readonly pins: PinBank;
  private readonly shared: BoardShared;
  private readonly ring: ByteRing;
  private readonly ctrl: Int32Array;
  private readonly binding: Omit<BoardBinding, 'outRing'>;
  private main: Interpreter | undefined;
  private readonly threads = new Map<number, Interpreter>();
  /** what to send in a running thread's place if it ends without its last frame (see epitaph in _vboard) */
  private readonly epitaphs = new Map<number, Buffer>();
  /** ends this board's claim on a booted spare for thread starts (see spares.ts) */
  private releaseSpares: (() => void) | undefined;
  /** bumped on every reset so late thread forks of a previous interpreter are dropped */
  private generation = 0;
  private backlog: Uint8Array[] = [];
  private drainTimer: NodeJS.Timeout | undefined;
  private starting: Promise<void> | undefined;
  private closed = false;

  constructor(opts: VirtualBoardOptions = {}) {
    super();
    this.name = opts.name ?? 'default';
    if (!VIRTUAL_NAME.test(this.name) || /^\.+$/.test(this.name)) {
      throw new Error(`virtual:${this.name}: a virtual board name is 1 to 64 letters, digits, '_', '.' and '-'`);
    }
    this.profile = resolveProfile(opts);
    this.fsDir = path.resolve(opts.fsDir ?? defaultFsDir(this.name));
    this.shared = createShared();
    this.ring = new ByteRing(this.shared.ring);
    this.ctrl = new Int32Array(this.shared.ctrl);
    this.pins = new PinBank(this.shared.pins, this.shared.ctrl);
    const uniqueId = createHash('sha256').update(`virtual:${this.name}`).digest('hex').slice(0, 16);
    this.binding = { shared: this.shared, fsDir: this.fsDir, name: this.name, uniqueId };
  }

  get isOpen(): boolean {
    return !this.closed && this.main !== undefined;
  }

  get isClosed(): boolean {
    return this.closed;
  }

  /** Boots the board (prints the power-on banner); safe to call again while it runs. */
  start(): Promise<void> {
    if (this.closed) return Promise.reject(new Error(`virtual:${this.name}: the board was closed; get a new one from getVirtualBoard()`));
    this.starting ??= (async () => {
      if (this.profile.threads) this.releaseSpares = useSpares(this.profile);
      const first = await this.take();
      if (this.closed) {
        void first.terminate();
        throw new Error(`virtual:${this.name}: closed while starting`);
      }
      Atomics.store(this.ctrl, CTRL.WRITABLE, 0);
      this.activate(first, 'friendly', true, true);
    })();
    return this.starting;
  }

  /** Bytes to the board. A Ctrl-C while code runs interrupts it, as on a board's UART. */
  write(data: Uint8Array): void {
    if (this.closed) throw new Error(`virtual:${this.name}: the board is closed`);
    let from = 0;
    for (let i = 0; i < data.length; i++) {
      if (data[i] !== 3) continue;
      const prev = Atomics.compareExchange(this.ctrl, CTRL.EXEC, 1, 2);
      if ((prev === 1 || prev === 2) && this.main) {
        this.queue(data.subarray(from, i));
        from = i + 1;
        // its place in the stream, should it turn out to be a REPL byte after all (repl-pump.ts)
        const held = this.backlog.reduce((n, b) => n + b.length, 0);
        Atomics.store(this.ctrl, CTRL.LATE_AT, (this.ring.produced + held) | 0);
        this.main.raiseKeyboardInterrupt(prev === 1);
        Atomics.add(this.ctrl, CTRL.RAISED, 1);
        Atomics.notify(this.ctrl, CTRL.RAISED);
      }
    }
    this.queue(data.subarray(from));
    wake(this.ctrl);
  }

  /**
   * Workers alive for this board and the memory they reserve (wasm memory plus JavaScript heap at
   * boot); what is resident is less (bench/footprint.ts measures that).
   */
  memoryUsage(): { workers: number; bytes: number } {
    const all = [this.main, ...this.threads.values()].filter((w): w is Interpreter => !!w);
    return { workers: all.length, bytes: all.reduce((n, w) => n + w.bytes, 0) };
  }

  /** Stops every worker; files stay in fsDir. err (when given) tells attached links the board died. */
  async close(err?: Error): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    if (this.drainTimer) clearTimeout(this.drainTimer);
    this.releaseSpares?.();
    const all = [this.main, ...this.threads.values()].filter((w): w is Interpreter => !!w);
    this.main = undefined;
    this.threads.clear();
    await Promise.all(all.map((w) => w.terminate()));
    this.emit('close', err);
  }

  private queue(bytes: Uint8Array): void {
    if (bytes.length === 0) return;
    if (this.backlog.length === 0) {
      const n = this.ring.put(bytes);
      if (n === bytes.length) return;
      bytes = bytes.subarray(n);
    }
    // The board is slower than the writer: hold the rest here, like a UART's flow control would.
    this.backlog.push(Uint8Array.from(bytes));
    this.drainTimer ??= setTimeout(() => this.drain(), 2);
  }

  private drain(): void {
    this.drainTimer = undefined;
    while (this.backlog.length) {
      const head = this.backlog[0];
      const n = this.ring.put(head);
      wake(this.ctrl);
      if (n < head.length) {
        this.backlog[0] = head.subarray(n);
        this.drainTimer = setTimeout(() => this.drain(), 2);
        return;
      }
      this.backlog.shift();
    }
  }

  /** A booted interpreter, working for this board from now on. */
  private async take(): Promise<Interpreter> {
    const w = await takeInterpreter(this.profile, `virtual:${this.name}`);
    w.attach(this.binding, (from, m) => this.onMessage(from, m));
    return w;
  }

  private activate(w: Interpreter, mode: ReplMode, greeting: boolean, power: boolean): void {
    this.main = w;
    w.post({ t: 'activate', mode, greeting, power });
  }

  private onMessage(from: Interpreter, m: ToHost): void {
    if (this.closed) return;
    switch (m.t) {
      case 'out':
        this.drainOutput(from);
        break;
      case 'pin':
        this.pins.changed(m.id);
        break;
      case 'fork':
        if (m.epitaph) this.epitaphs.set(m.ident, Buffer.from(m.epitaph, 'utf8'));
        void this.startThread(m.ident, m.snapshot, m.sp);
        break;
      case 'exit':
        if (this.threads.get(m.ident) === from) {
          // its last prints may still wait in its ring: this message can come before the ring's signal
          this.drainOutput(from);
          void from.terminate();
          this.ended(m.ident, m.returned, m.why === undefined ? undefined : `crashed in the interpreter (${m.why})`);
        }
        break;
      case 'reset':
        if (from === this.main) void this.reset(m.kind, m.mode, m.inPlace);
        break;
      case 'fatal':
        this.drainOutput(from);
        // A crashed main interpreter is a board that died: attached links see 'close' with the error.
        if (from === this.main) void this.close(new Error(`virtual:${this.name}: ${m.message}`));
        for (const [id, w] of this.threads) if (w === from) this.ended(id, false, `lost its worker (${m.message})`);
        void from.terminate();
        break;
      default:
        break;
    }
  }

  /** Hands on what an interpreter printed and the host has not read yet. */
  private drainOutput(from: Interpreter): void {
    const data = from.readOutput();
    if (data.length) this.emit('data', Buffer.from(data.buffer, data.byteOffset, data.byteLength));
  }

  /**
   * Thread `ident` of this generation is over. Unless its function returned (it raised: child_main
   * reported it; or, with `failed`, it never started, its interpreter failed under it or its worker
   * died, which the board's output tells), a thread of the Belay agent did not send its last frame:
   * the board sends the one the agent made at the fork, so that the host ends the thread. One that
   * failed gives back the locks it held.
   */
  private ended(ident: number, returned: boolean, failed?: string): void {
    this.threads.delete(ident);
    Atomics.sub(this.ctrl, CTRL.THREADS, 1);
    const epitaph = this.epitaphs.get(ident);
    this.epitaphs.delete(ident);
    if (returned) return;
    if (failed !== undefined) {
      releaseLocksOf(this.shared.locks, ident);
      this.emit('data', Buffer.from(`virtual:${this.name}: thread ${ident} ${failed}; the board goes on without it\r\n`));
    }
    if (epitaph) this.emit('data', epitaph);
  }

  private async startThread(ident: number, snapshot: ArrayBuffer, sp: number): Promise<void> {
    const gen = this.generation;
    let w: Interpreter | undefined;
    let why = '';
    try {
      w = await this.take();
    } catch (e) {
      why = (e as Error).message;
    }
    if (this.closed || gen !== this.generation) {
      void w?.terminate();
      return;
    }
    if (!w) {
      this.ended(ident, false, `not started (${why})`);
      return;
    }
    this.threads.set(ident, w);
    w.post({ t: 'fork', ident, snapshot, sp }, [snapshot]);
  }

  /**
   * Soft reset (kind 0) or machine.reset() (kind 1): a fresh interpreter, same files, no threads.
   * inPlace: the main worker has already put its interpreter back as it was after boot; else it
   * is replaced by a booted one.
   */
  private async reset(kind: number, mode: ReplMode, inPlace: boolean): Promise<void> {
    this.generation++;
    const keep = inPlace ? this.main : undefined;
    const old = [keep ? undefined : this.main, ...this.threads.values()].filter((w): w is Interpreter => !!w);
    this.main = undefined;
    this.threads.clear();
    this.epitaphs.clear();
    await Promise.all(old.map((w) => w.terminate()));
    new Int32Array(this.shared.locks).fill(0);
    Atomics.store(this.ctrl, CTRL.EXEC, 0);
    Atomics.store(this.ctrl, CTRL.THREADS, 0);
    // CircuitPython's raw REPL reboots without a word (a tool waiting for "soft reboot" hangs there).
    const line = this.profile.name !== 'circuitpython' ? 'MPY: soft reboot\r\n' : mode === 'friendly' ? 'soft reboot\r\n' : '';
    if (kind === 0 && line) this.emit('data', Buffer.from(line));
    if (kind === 1) Atomics.store(this.ctrl, CTRL.WRITABLE, 0);
    try {
      const next = keep ?? await this.take();
      if (this.closed) {
        void next.terminate();
        return;
      }
      this.activate(next, kind === 0 ? mode : 'friendly', true, kind === 1);
    } catch (e) {
      void this.close(e as Error);
    }
  }
}

import * as path from 'node:path';
import { Worker } from 'node:worker_threads';
import { ByteRing, createOutputRing } from './shared';
import type { BoardBinding, KbdWord, ToHost, ToWorker, WorkerInit } from './protocol';

/**
 * V8 limits for an interpreter's worker. The JavaScript side only glues the port to the host: a
 * small young generation keeps an idle worker about 1 MiB smaller, and an old generation capped
 * below Node's default (4 GiB) another 0.75 MiB (what V8 sets aside for a heap scales with its cap;
 * measured on a bare worker: 7.7 MiB, 7.0 MiB with any cap up to 1 GiB). A worker uses about 5 MiB
 * of it (Python objects live in the wasm memory); one that passes 256 MiB is a runaway and dies
 * with ERR_WORKER_OUT_OF_MEMORY, which its board reports (see VirtualBoard). The stack keeps its
 * default: deep Python recursion runs on the worker's native stack.
 */
export const WORKER_LIMITS = { maxYoungGenerationSizeMb: 1, maxOldGenerationSizeMb: 256 };

/**
 * The host's handle on one interpreter worker: its messages, its readiness, and a view of its shared
 * memory through which a Ctrl-C is delivered to a running busy loop. A worker boots for no board in
 * particular (a spare, see spares.ts); attach() then binds it to one.
 */
export class Interpreter {
  readonly worker: Worker;
  readonly ready: Promise<void>;
  memory: WebAssembly.Memory | undefined;
  heapBytes = 0;
  /** the boot image this worker made, when it made one (see BootImage) */
  bootImage: SharedArrayBuffer | undefined;
  /** the worker has booted (ready resolved) */
  booted = false;
  private kbd: KbdWord[] = [];
  private dead = false;
  private onMessage: ((from: Interpreter, m: ToHost) => void) | undefined;
  /** why the worker died before it was attached (a spare that failed) */
  private early: ToHost | undefined;

  /** what the worker printed and the host has not read yet (set by attach) */
  output: ByteRing | undefined;

  constructor(init: WorkerInit, label: string) {
    this.worker = new Worker(path.join(__dirname, 'worker.js'), { workerData: init, resourceLimits: WORKER_LIMITS });
    this.ready = new Promise<void>((resolve, reject) => {
      this.worker.on('message', (m: ToHost) => {
        if (m.t === 'ready') {
          this.memory = m.memory;
          this.kbd = m.kbd;
          this.heapBytes = m.heapBytes;
          this.bootImage = m.bootImage;
          this.booted = true;
          resolve();
        } else if (m.t === 'fatal') {
          reject(new Error(`${label}: the MicroPython interpreter failed to start: ${m.message}`));
        }
        this.deliver(m);
      });
      this.worker.on('error', (e) => {
        reject(new Error(`${label}: interpreter worker crashed: ${e.message}`));
        this.deliver({ t: 'fatal', message: `the interpreter crashed: ${e.message}` });
      });
      this.worker.on('exit', (code) => {
        reject(new Error(`${label}: interpreter worker exited (${code}) before it was ready`));
        this.deliver({ t: 'fatal', message: `the interpreter worker exited (${code})` });
        this.dead = true;
      });
    });
    this.ready.catch(() => undefined);
  }

  get isDead(): boolean {
    return this.dead || this.early !== undefined;
  }

  private deliver(m: ToHost): void {
    if (this.dead) return;
    if (!this.onMessage) {
      if (m.t === 'fatal') this.early = m;
      return;
    }
    // Output written before this message was posted reaches the host first.
    if (this.output && this.output.available() > 0) this.onMessage(this, { t: 'out' });
    this.onMessage(this, m);
  }

  /** Binds the (booted) worker to a board: from now on its messages go to onMessage. */
  attach(board: Omit<BoardBinding, 'outRing'>, onMessage: (from: Interpreter, m: ToHost) => void): void {
    const outRing = createOutputRing();
    this.output = new ByteRing(outRing);
    this.onMessage = onMessage;
    this.worker.ref();
    this.post({ t: 'attach', board: { ...board, outRing } });
    this.watchOutput(() => onMessage(this, { t: 'out' }));
    if (this.early) onMessage(this, this.early);
  }

  /** Hands on output each time the worker tells of it (see ByteRing.whenTold). */
  private watchOutput(onOutput: () => void): void {
    const next = (): void => {
      if (this.dead) return;
      void this.output!.whenTold().then(() => {
        if (this.dead) return;
        // Reading clears the told flag before it takes the bytes: a write racing with it tells again.
        onOutput();
        next();
      });
    };
    next();
  }

  post(m: ToWorker, transfer?: ArrayBuffer[]): void {
    this.worker.postMessage(m, transfer as never);
  }

  /**
   * Does what mp_sched_keyboard_interrupt() does, from outside: the VM raises at its next check.
   * fresh: first interrupt of this run, so also clear the traceback that the port's static
   * KeyboardInterrupt object kept from the last one (boards do that when they arm Ctrl-C; this port
   * does not, and tracebacks would pile up). The object is {type, alloc|len, traceback data, args}.
   */
  raiseKeyboardInterrupt(fresh: boolean): void {
    if (!this.memory) return;
    const words = new Int32Array(this.memory.buffer);
    const flag = this.kbd[0];
    if (fresh && flag && flag.before === 0 && flag.after > 0) {
      Atomics.store(words, (flag.after >> 2) + 2, 0);
      Atomics.store(words, (flag.after >> 2) + 1, 0);
    }
    for (const w of this.kbd) Atomics.compareExchange(words, w.addr >> 2, w.before, w.after);
  }

  /** Everything the worker printed since the last call. */
  readOutput(): Uint8Array {
    if (!this.output) return new Uint8Array(0);
    this.output.clearNotify();
    return this.output.takeAll();
  }

  /** The worker's wasm memory as reserved (not all of it is resident) plus its JavaScript heap at boot. */
  get bytes(): number {
    return this.memory ? this.memory.buffer.byteLength + this.heapBytes : 0;
  }

  terminate(): Promise<void> {
    this.dead = true;
    this.output?.tell(); // ends watchOutput's wait
    return this.worker.terminate().then(() => undefined, () => undefined);
  }
}

import * as path from 'node:path';
import { Worker } from 'node:worker_threads';
import { ByteRing, createOutputRing } from './shared';
import type { KbdWord, ToHost, ToWorker, WorkerInit } from './protocol';

/**
 * The host's handle on one interpreter worker: its messages, its readiness, and a view of its shared
 * memory through which a Ctrl-C is delivered to a running busy loop.
 */
export class Interpreter {
  readonly worker: Worker;
  readonly ready: Promise<void>;
  memory: WebAssembly.Memory | undefined;
  heapBytes = 0;
  private kbd: KbdWord[] = [];
  private dead = false;

  /** what the worker printed and the host has not read yet */
  readonly output: ByteRing;

  constructor(base: Omit<WorkerInit, 'outRing'>, onMessage: (from: Interpreter, m: ToHost) => void) {
    const init: WorkerInit = { ...base, outRing: createOutputRing() };
    this.output = new ByteRing(init.outRing);
    this.worker = new Worker(path.join(__dirname, 'worker.js'), { workerData: init });
    this.ready = new Promise<void>((resolve, reject) => {
      this.worker.on('message', (m: ToHost) => {
        if (m.t === 'ready') {
          this.memory = m.memory;
          this.kbd = m.kbd;
          this.heapBytes = m.heapBytes;
          resolve();
        } else if (m.t === 'fatal') {
          reject(new Error(`virtual:${init.name}: the MicroPython interpreter failed to start: ${m.message}`));
        }
        if (this.dead) return;
        // Output written before this message was posted reaches the host first.
        if (this.output.available() > 0) onMessage(this, { t: 'out' });
        onMessage(this, m);
      });
      this.worker.on('error', (e) => {
        reject(new Error(`virtual:${init.name}: interpreter worker crashed: ${e.message}`));
        if (!this.dead) onMessage(this, { t: 'fatal', message: `the interpreter crashed: ${e.message}` });
      });
      this.worker.on('exit', (code) => {
        reject(new Error(`virtual:${init.name}: interpreter worker exited (${code}) before it was ready`));
        if (!this.dead) onMessage(this, { t: 'fatal', message: `the interpreter worker exited (${code})` });
        this.dead = true;
      });
    });
    this.ready.catch(() => undefined);
    this.watchOutput(() => onMessage(this, { t: 'out' }));
  }

  /** Hands on output each time the worker tells of it (see ByteRing.whenTold). */
  private watchOutput(onOutput: () => void): void {
    const next = (): void => {
      if (this.dead) return;
      void this.output.whenTold().then(() => {
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
    this.output.clearNotify();
    return this.output.takeAll();
  }

  get bytes(): number {
    return this.memory ? this.memory.buffer.byteLength + this.heapBytes : 0;
  }

  terminate(): Promise<void> {
    this.dead = true;
    this.output.tell(); // ends watchOutput's wait
    return this.worker.terminate().then(() => undefined, () => undefined);
  }
}

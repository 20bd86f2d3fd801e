/**
 * One MicroPython interpreter in a worker thread. A worker boots into a pristine interpreter for no
 * board in particular and waits as a spare; the host attaches it to a board and then either activates
 * it as the board's main interpreter (it runs the REPL on bytes from the shared ring; a soft reset
 * puts it back as it was after boot, and it waits to be activated again) or forks a thread into it
 * (it copies the parent's memory and runs the thread's function). Work runs synchronously here, so
 * the host's event loop never waits on board code.
 */
import { parentPort, workerData } from 'node:worker_threads';
import * as v8 from 'node:v8';
import { loadGlue } from './glue';
import { linuxErrno } from './errno';
import { createHostFs } from './hostfs';
import { ByteRing, CTRL, sleepUntilWake, type BoardShared } from './shared';
import { createHardware } from './hardware';
import { Output } from './output';
import { ReplPump } from './repl-pump';
import { bootstrap } from './bootstrap';
import { createCollector, type Collector } from './collector';
import { BootImage, guardFinalizers, heapBreak, loadMemory } from './snapshot';
import type { BoardBinding, WorkerInit, ToHost, ToWorker, KbdWord, ReplMode } from './protocol';

/* eslint-disable @typescript-eslint/no-explicit-any */
const init = workerData as WorkerInit;
// The port reports a refused memory growth on console.error before raising MemoryError: the Python
// exception is the report; keep the host's stderr clean.
const consoleError = console.error.bind(console);
console.error = (...a: unknown[]) => {
  if (typeof a[0] === 'string' && /^(growMemory:|Failed to grow the heap)/.test(a[0])) return;
  consoleError(...a);
};
const port = parentPort!;
const post = (m: ToHost, transfer?: ArrayBuffer[]) => port.postMessage(m, transfer as any);

const memory = new WebAssembly.Memory({ initial: init.wasm.initialPages, maximum: init.wasm.maximumPages, shared: true });
/** The board this worker works for, from 'attach' on; until then the control block is a stand-in. */
let board: BoardBinding | undefined;
let ctrl: Int32Array<ArrayBufferLike> = new Int32Array(CTRL.SIZE);
const out = new Output();
let exportsRef: any;
let imports: any;
let mem32 = new Int32Array(memory.buffer);
let mem8 = new Uint8Array(memory.buffer);
const memWords = () => (mem32.buffer.byteLength === memory.buffer.byteLength ? mem32 : (mem32 = new Int32Array(memory.buffer)));
/**
 * Views reaching at least `end`. Views of a shared memory stay valid when it grows (they just do
 * not see the new pages), so they are renewed only when an address lies beyond them: reading
 * memory.buffer costs more than the rest of a one-byte stdin read.
 */
function heapTo(end: number): void {
  if (end > mem8.length) {
    mem8 = new Uint8Array(memory.buffer);
    mem32 = new Int32Array(memory.buffer);
  }
}

/** Python stack, in words (the port's pystack option). */
const PYSTACK_WORDS = 8192;

/** Bytes a forked thread leaves between its first frame and the parent's frames (see runThread). */
const STACK_GAP = 256;

/**
 * Memory in use beyond the boot image past which a soft reset takes a fresh worker rather than
 * resetting in place: the pages a big program wrote stay resident in this one.
 */
const RESET_IN_PLACE_MAX = 8 << 20;

/** Calls from Python into the hardware module between two collections at most (see safePoint). */
const SAFE_POINTS_PER_GC = 1024;

/** Thrown to leave the interpreter's frames for a soft reset (caught where the REPL was started). */
class ResetSignal {
  constructor(readonly kind: number, readonly mode: ReplMode) {}
}

/** The _thread ident of the code this worker runs: 1 for the main interpreter, a thread's own in a thread. */
let threadIdent = 1;

/** Bytes on stdin for code running in this interpreter; only the main interpreter has one. */
let stdinRing: ByteRing | undefined;
let kbd: KbdWord[] = [];

// The flag is a static variable, inside the memory's first pages: any view reaches it.
const kbdPending = () => kbd.length > 0 && Atomics.load(mem32, kbd[0].addr >> 2) === kbd[0].after;

/**
 * The event count when the caller last looked at pins and timers; a wait returns at once if anything
 * happened since, so an edge between that look and the wait is not slept through.
 */
let seenWake: number | undefined;
const markSeen = () => { seenWake = Atomics.load(ctrl, CTRL.WAKE); };

/** Waits for an event (ring data, Ctrl-C, pin change) for at most ms; flushes output first. */
function waitEvent(ms: number): void {
  out.flush();
  const w = seenWake ?? Atomics.load(ctrl, CTRL.WAKE);
  seenWake = undefined;
  if (kbdPending() || (stdinRing && stdinRing.available() > 0)) return;
  sleepUntilWake(ctrl, w, ms);
}

// time.ticks_ms polled in a tight loop (C-level busy waits) yields the core for a moment each ms.
let lastTick = -1;
let sameTick = 0;
function ticksHook(orig: () => number): () => number {
  return () => {
    const t = orig();
    if (t === lastTick) {
      if (++sameTick > 200) {
        sameTick = 0;
        waitEvent(0.5);
      }
    } else {
      lastTick = t;
      sameTick = 0;
      pollCallbacks();
    }
    return t;
  };
}

/**
 * Board code that reads the clock (a loop waiting on ticks_ms) gets its Timer and IRQ callbacks
 * then too, at most once per millisecond and only when a pin changed or a timer is due.
 */
let callbacks: { poll(): number; nextTimerAt(): number; setNext(at: number): void } | undefined;
let pollingCallbacks = false;
let lastPollGen = -1;
function pollCallbacks(): void {
  if (!callbacks || pollingCallbacks) return;
  const gen = Atomics.load(ctrl, CTRL.PIN_GEN);
  if (gen === lastPollGen && Date.now() < callbacks.nextTimerAt()) return;
  lastPollGen = gen;
  pollingCallbacks = true;
  try {
    const ms = callbacks.poll();
    // A Ctrl-C that a callback swallowed (idle_poll catches it) is raised again for the running code.
    if (ms === -2) raiseKbdHere();
    else callbacks.setNext(ms >= 0 ? Date.now() + ms : Infinity);
  } finally {
    pollingCallbacks = false;
  }
}

function raiseKbdHere(): void {
  for (const w of kbd) Atomics.compareExchange(memWords(), w.addr >> 2, w.before, w.after);
}

/**
 * stdin: blocks until at least one byte; EINTR (Emscripten 27) lets the port raise KeyboardInterrupt.
 * sys.stdin.readline() calls this once per byte, so it allocates nothing and copies from the ring
 * in one go.
 */
function stdinRead(iov: number, iovcnt: number, pnum: number): number {
  for (;;) {
    // A board runs its scheduled callbacks while it reads the UART: Timer and Pin.irq callbacks
    // here run while code reads stdin too (the agent's loop waiting for the host).
    markSeen();
    pollCallbacks();
    if (kbdPending()) return 27;
    if (stdinRing && stdinRing.available() > 0) break;
    const due = callbacks ? callbacks.nextTimerAt() - Date.now() : Infinity;
    waitEvent(Math.max(0, Math.min(stdinRing ? 1000 : 100, due)));
  }
  heapTo(Math.max(iov + iovcnt * 8, pnum + 4));
  let n = 0;
  for (let i = 0; i < iovcnt; i++) {
    const ptr = mem32[(iov >> 2) + i * 2], len = mem32[(iov >> 2) + i * 2 + 1];
    heapTo(ptr + len);
    const got = stdinRing!.takeInto(mem8, ptr, len);
    n += got;
    if (got < len) break;
  }
  mem32[pnum >> 2] = n;
  return 0;
}

/** stdout and stderr: called once per print, so it reads the iovecs through the cached views. */
function stdoutWrite(iov: number, iovcnt: number, pnum: number): number {
  heapTo(Math.max(iov + iovcnt * 8, pnum + 4));
  let n = 0;
  for (let i = 0; i < iovcnt; i++) {
    const ptr = mem32[(iov >> 2) + i * 2], len = mem32[(iov >> 2) + i * 2 + 1];
    heapTo(ptr + len);
    out.write(mem8.subarray(ptr, ptr + len));
    n += len;
  }
  mem32[pnum >> 2] = n;
  return 0;
}

function wrapImports(imp: any): void {
  const env = imp.env;
  const wasi = imp.wasi_snapshot_preview1;
  env.memory = memory;
  for (const k of Object.keys(env)) {
    if (!k.startsWith('__syscall_')) continue;
    const f = env[k];
    env[k] = (...a: any[]) => {
      const r = f(...a);
      return typeof r === 'number' && r < 0 && r > -4096 ? -linuxErrno(-r) : r;
    };
  }
  for (const k of Object.keys(wasi)) {
    if (!k.startsWith('fd_')) continue;
    const f = wasi[k];
    wasi[k] = (...a: any[]) => {
      if (k === 'fd_write' && (a[0] === 1 || a[0] === 2)) return stdoutWrite(a[1], a[2], a[3]);
      const r = f(...a);
      return typeof r === 'number' && r > 0 ? linuxErrno(r) : r;
    };
  }
  // stdin gets its own wrapper without rest arguments: readline() reads it a byte per call.
  const fdRead = wasi.fd_read;
  wasi.fd_read = (fd: number, iov: number, iovcnt: number, pnum: number) => (fd === 0 ? stdinRead(iov, iovcnt, pnum) : fdRead(fd, iov, iovcnt, pnum));
  env.mp_js_ticks_ms = ticksHook(env.mp_js_ticks_ms);
  // select.poll on sys.stdin: the port calls every stream readable; stdin is readable when the ring holds bytes.
  const sysPoll = env.__syscall_poll;
  env.__syscall_poll = (fds: number, nfds: number, timeout: number) => {
    let n = sysPoll(fds, nfds, timeout);
    heapTo(fds + nfds * 8);
    const revents = new Int16Array(mem8.buffer);
    for (let i = 0; i < nfds; i++) {
      const r = (fds + 8 * i + 6) >> 1;
      if (mem32[(fds + 8 * i) >> 2] !== 0 || !(revents[r] & 1) || (stdinRing && stdinRing.available() > 0)) continue;
      revents[r] &= ~1;
      if (revents[r] === 0) n--;
    }
    return n;
  };
}

/**
 * Finds the words mp_sched_keyboard_interrupt() writes, so the host can do the same from outside.
 * image: the memory in use as it is now (the boot image), which the probe leaves it as.
 */
function probeKbd(image: Uint8Array): KbdWord[] {
  const before = new Int32Array(image.buffer, image.byteOffset, image.byteLength >> 2);
  exportsRef.mp_sched_keyboard_interrupt();
  const now = new Int32Array(memory.buffer);
  const words: KbdWord[] = [];
  // The words are static variables, above the C stack (whose free part a shared image need not match).
  for (let i = exportsRef.emscripten_stack_get_base() >> 2; i < before.length; i++) {
    if (before[i] !== now[i]) words.push({ addr: i * 4, before: before[i], after: now[i] });
  }
  for (const w of words) now[w.addr >> 2] = w.before;
  // The pending-exception word (NULL -> the KeyboardInterrupt object) comes first: it is the flag.
  words.sort((a, b) => (a.before === 0 ? -1 : 0) - (b.before === 0 ? -1 : 0));
  if (words.length === 0 || words.length > 4) throw new Error(`could not locate the KeyboardInterrupt flag (${words.length} words changed)`);
  return words;
}

async function main(): Promise<void> {
  const origInstantiate = WebAssembly.instantiate;
  (WebAssembly as any).instantiate = async (_bin: unknown, imp: any) => {
    imports = imp;
    wrapImports(imp);
    const instance = await origInstantiate(init.wasm.module, imp);
    exportsRef = instance.exports;
    return { instance, module: init.wasm.module };
  };
  const loadMicroPython = await loadGlue();
  const profile = init.profile;
  const mp = await loadMicroPython({ linebuffer: false, heapsize: profile.heapBytes, pystack: PYSTACK_WORDS, stdout: () => undefined });
  const FS = mp.FS;
  const nextGeneration = guardFinalizers(exportsRef);
  // The board's folder is mounted here when the worker is attached to a board.
  FS.mkdir('/flash');
  // CircuitPython's filesystem is read-only to code until boot.py remounts it (the flag is board-wide).
  const readOnly = profile.name === 'circuitpython' ? () => Atomics.load(ctrl, CTRL.WRITABLE) === 0 : undefined;
  let collector: Collector | undefined;
  let top: () => number = () => memory.buffer.byteLength;
  let sinceCollect = 0;
  let collectedTop = Infinity;

  const { hw, bind } = createHardware({
    post,
    waitEvent,
    markSeen,
    kbdPending,
    fork(ident: number, epitaph: string) {
      out.flush();
      const sp: number = exportsRef.emscripten_stack_get_current();
      const snapshot = new Uint8Array(memory.buffer, 0, top()).slice().buffer;
      post({ t: 'fork', ident, snapshot, sp, epitaph }, [snapshot]);
    },
    ident: () => threadIdent,
    reset(kind: number) {
      if (pump) throw new ResetSignal(kind, pump.mode);
      // A thread's machine.reset(): the host resets only for the main interpreter; this one waits.
      out.flush();
      post({ t: 'reset', kind, mode: 'friendly', inPlace: false });
      Atomics.wait(new Int32Array(new SharedArrayBuffer(4)), 0, 0);
    },
    gcNow() {
      collector?.collect();
      sinceCollect = 0;
      collectedTop = top();
    },
    safePoint() {
      // A thread never returns to the REPL, where the port collects: one that prints flat out filled
      // its 64 MiB in about a second and died in the interpreter (issue #16). Collect when the heap
      // has grown since the last collection, or after every so many of these points.
      if (++sinceCollect < SAFE_POINTS_PER_GC && top() <= collectedTop) return;
      sinceCollect = 0;
      collector?.collect();
      collectedTop = top();
    },
    memory,
  });
  mp.registerJsModule('_vbhw', hw);
  out.muted = true;
  const py = bootstrap(mp, profile);
  collector = createCollector(mp, exportsRef, memory, PYSTACK_WORDS * 4);
  top = heapBreak(exportsRef, memory);
  collectedTop = top();
  callbacks = {
    poll: () => py.idlePoll(),
    nextTimerAt: () => hw.nextTimerAt,
    setNext: (at) => { hw.nextTimerAt = at; },
  };
  mp.replInit();
  const banner = out.takeCaptured().replace(/^\r\n/, '');
  out.muted = false;
  const image = new BootImage(exportsRef, memory, FS, top, nextGeneration, init.bootImage);
  kbd = probeKbd(image.bytes);
  let pump: ReplPump | undefined;

  port.on('message', (m: ToWorker) => {
    if (m.t === 'attach') {
      board = m.board;
      ctrl = new Int32Array(board.shared.ctrl);
      out.ring = new ByteRing(board.outRing);
      bind(board.shared, board.uniqueId);
      FS.mount(createHostFs(FS, readOnly), { root: board.fsDir }, '/flash');
    } else if (m.t === 'activate') {
      try {
        activate(m.mode, m.greeting, m.power);
      } catch (e) {
        if (!(e instanceof ResetSignal)) throw e;
        softReset(e);
      }
    } else if (m.t === 'fork') {
      runThread(m.ident, m.snapshot, m.sp);
    }
  });

  function activate(mode: ReplMode, greeting: boolean, power: boolean): never {
    const shared: BoardShared = board!.shared;
    stdinRing = new ByteRing(shared.ring);
    // A Ctrl-C the host sent to the interpreter before this reset is not one for the next.
    for (const w of kbd) Atomics.compareExchange(memWords(), w.addr >> 2, w.after, w.before);
    if (power && profile.name === 'circuitpython') {
      out.muted = true;
      try {
        py.runBootPy();
      } catch (e) {
        if (e instanceof ResetSignal) throw e;
        /* boot.py's errors go to boot_out.txt on a board */
      }
      out.takeCaptured();
      out.muted = false;
    }
    pump = new ReplPump({
      mp, out, ring: stdinRing, ctrl, banner, profile: profile.name, rawPaste: profile.rawPaste, kbdPending,
      clearKbd: () => { for (const w of kbd) Atomics.compareExchange(memWords(), w.addr >> 2, w.after, w.before); },
      idlePoll: () => py.idlePoll(), waitEvent, markSeen,
      nextTimer: { get: () => hw.nextTimerAt, set: (at) => { hw.nextTimerAt = at; } },
      onSoftReset: (m) => { throw new ResetSignal(0, m); },
    });
    return pump.run(mode, greeting);
  }

  /**
   * The REPL's Ctrl-D, machine.soft_reset() or machine.reset(): the frames that ran are left (the
   * signal unwound them), the interpreter is put back as it was after boot, and the host activates
   * it again. After a program that grew the heap far, the host takes a fresh worker instead.
   */
  function softReset(sig: ResetSignal): void {
    Atomics.store(ctrl, CTRL.EXEC, 0);
    out.flush();
    pump = undefined;
    if (image.growth() > RESET_IN_PLACE_MAX) {
      post({ t: 'reset', kind: sig.kind, mode: sig.mode, inPlace: false });
      Atomics.wait(new Int32Array(new SharedArrayBuffer(4)), 0, 0); // the host terminates this worker
    }
    image.restore();
    out.reset();
    hw.nextTimerAt = Infinity;
    lastPollGen = -1;
    seenWake = undefined;
    post({ t: 'reset', kind: sig.kind, mode: sig.mode, inPlace: true });
  }

  /**
   * The copied memory holds the parent's interpreter in the middle of a call: its nlr_top and its list
   * of nlr jump callbacks (eval and exec push one) point at the parent's frames on the C stack. So the
   * thread runs on the stack below the parent's stack pointer at the fork, like a call nested there:
   * those frames stay intact and no raise in the thread unwinds past them. Started at the top of the
   * stack instead, the thread overwrote them, and its first exception could call a garbage pointer
   * (a wasm trap that lost the rest of its output and its "Unhandled exception" report).
   */
  function runThread(ident: number, snapshot: ArrayBuffer, sp: number): void {
    threadIdent = ident;
    loadMemory(memory, new Uint8Array(snapshot), top, (n) => imports.env.emscripten_resize_heap(n));
    // Handing the copy back frees it here now; left as garbage, an idle thread's worker kept it.
    post({ t: 'free' }, [snapshot]);
    nextGeneration();
    const stackTop: number = exportsRef.emscripten_stack_get_current();
    exportsRef._emscripten_stack_restore((sp - STACK_GAP) & ~15);
    let end: ToHost = { t: 'exit', ident, returned: false };
    try {
      end = { t: 'exit', ident, returned: py.childMain(ident) };
    } catch (e) {
      // The thread's own exceptions are reported in Python (child_main); this is the interpreter
      // failing (a wasm trap): the host says so and ends the thread for whoever waits on it.
      const why = e instanceof Error ? e.message : e instanceof ResetSignal ? 'a reset is for the main thread' : String(e);
      end = { t: 'exit', ident, returned: false, why };
    } finally {
      exportsRef._emscripten_stack_restore(stackTop);
      out.flush();
      post(end);
    }
  }

  post({
    t: 'ready', memory, kbd, bootImage: image.made,
    heapBytes: v8.getHeapStatistics().used_heap_size,
  });
}

main().catch((e) => {
  post({ t: 'fatal', message: e && e.stack ? e.stack : String(e) });
});


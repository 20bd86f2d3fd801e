/**
 * One connection's conversation with the board: the raw REPL, the frame reader, the request in
 * flight, its watchdog, the dispatcher loop or the exec-per-call mode, the agent parts on the board,
 * and resynchronisation after a timeout or a garbled reply. It knows nothing of queues, reconnects
 * or definitions (device.ts) nor of Node-RED.
 */
import { RawRepl, ProtocolError } from './raw-repl';
import { agentPart, type AgentPart } from './agent';
import {
  FrameReader, execCode, isThreadKind, loopLine, type CheckKind, type Frame, type Request,
} from './wire';
import { parsePython } from './python/literal';
import { parseTraceback, remapTraceback } from './python/traceback';
import { BoardError } from './types';

/** What info.py found, as the session needs it. */
export interface BoardCaps {
  implementation: string;
  threads: boolean;
  compile: boolean;
  stdio: boolean;
  io: boolean;
  json: boolean;
  /** the port's hash() width, from hash('belay') */
  hash: CheckKind;
  memFree: number;
  /** os.stat exists (folders); false on a flat filesystem */
  stat: boolean;
}

export interface Reply {
  /** R: body is a repr; S: a long str, body its escaped text (wire.textOf); G: a generator ended */
  kind: 'R' | 'S' | 'G';
  body: string;
  stdout: string;
  /** a generator's values, unless onValue took them */
  values: unknown[];
  /** how many values a generator gave */
  count: number;
}

export interface SessionHooks {
  /** Y/P/X/D frames of board threads */
  thread(f: Frame): void;
  /** V frames of board-side event callbacks */
  event?(f: Frame): void;
  /** what the board printed outside any request */
  output(text: string): void;
}

interface Pending {
  id: number;
  /** bytes of its request line, while in the window */
  bytes: number;
  /** the file name user code runs under, for its "<string>" frames */
  file?: string;
  stdout: Buffer[];
  values: unknown[];
  count: number;
  onValue?: (v: unknown) => void;
  resolve(r: { kind: 'R' | 'S' | 'G'; body: string }): void;
  reject(e: Error): void;
  deadline?: number;
  timeoutMs?: number;
}

/** Heap a board needs free for the loop (core.py compiled and running) to be worth leaving there. */
const LOOP_MIN_FREE = 24 * 1024;
const LOOP_READY_MS = 3000;
/**
 * With this much heap free, the loop's per-call functions go in as machine code where the port has
 * a native emitter: about 2 KB more than bytecode, 8% less board time per call on an emulated Pico.
 */
const NATIVE_MIN_FREE = 64 * 1024;
/** Below this, not even agent/exec.py's few lines stay: every exec carries its own. */
const EXEC_HELPERS_MIN_FREE = 3 * 1024;
/** At most this many requests on their way at once, whatever their size. */
const MAX_IN_FLIGHT = 32;
/** A board that is not back within this after a failed call is given up: the link is closed. */
export const RESYNC_MS = 3000;

class TimeoutFired extends Error {}

export class Session {
  mode: 'loop' | 'exec' = 'exec';
  /** the loop takes "j" (JSON) calls */
  private json = false;
  private readonly reader: FrameReader;
  /** requests written and not answered yet, oldest first (the board answers in order) */
  private inflight: Pending[] = [];
  private inflightBytes = 0;
  private resyncing: Promise<void> | undefined;
  /** bytes of requests that may be on their way at once (0: one request at a time) */
  windowBytes = 0;
  /** the queue may try again: the window has room */
  onSpace: () => void = () => undefined;
  private nextId = 1;
  private parts = new Set<AgentPart>();
  private loopReady: (() => void) | undefined;
  private loopQuit: (() => void) | undefined;
  /** the loop is being started again after it ended by itself */
  private restart: Promise<void> | undefined;
  private watchdog: NodeJS.Timeout | undefined;
  private watchdogAt = 0;
  /** replies dropped because no call waited for their id, and frames the link garbled */
  readonly stats = { stale: 0, garbled: 0, resyncs: 0 };
  /** set when the session gave up: the Device closes the link */
  dead = false;

  constructor(private readonly repl: RawRepl, private readonly label: string, readonly caps: BoardCaps,
    private readonly hooks: SessionHooks, private readonly onDead: () => void) {
    this.reader = new FrameReader({
      frame: (f) => this.onFrame(f),
      text: (b) => this.onText(b),
      garbled: (raw, head) => this.onGarbled(raw, head.id),
    }, caps.hash);
    repl.on('unsolicited', (b: Buffer) => this.reader.push(b));
  }

  /** Whether the board can hold the loop; when it can, starts it (else: one raw exec per request). */
  async start(useLoop: boolean): Promise<void> {
    const c = this.caps;
    if (useLoop && c.stdio && c.io && c.memFree >= LOOP_MIN_FREE) {
      await this.install('core');
      await this.startLoop();
    }
    if (this.mode === 'exec' && c.memFree >= EXEC_HELPERS_MIN_FREE) await this.install('exec');
  }

  /** Names the parts on the board, for board info and tests. */
  get resident(): AgentPart[] {
    return [...this.parts];
  }

  // ------------------------------------------------------------ frames

  private onFrame(f: Frame): void {
    if (f.kind === 'L') {
      this.json = f.body.includes('j');
      this.loopReady?.();
      return;
    }
    if (isThreadKind(f.kind)) return this.hooks.thread(f);
    if (f.kind === 'V') return this.hooks.event?.(f);
    if (f.kind === 'Q' && f.id === '0') return this.onLoopLost();
    const at = this.inflight.findIndex((q) => String(q.id) === f.id);
    if (at === -1) {
      this.stats.stale++;
      return;
    }
    // The board answers in order: calls before this one whose replies never came through (the
    // link garbled them) are failed, never given this answer.
    for (const lost of this.inflight.slice(0, at)) {
      this.settle(lost);
      lost.reject(new ProtocolError(this.label, 'the board\'s reply was lost on the link', 'lost'));
    }
    const p = this.inflight[0];
    switch (f.kind) {
      case 'I': {
        const v = parsePython(f.body);
        p.count++;
        if (p.onValue) p.onValue(v); else p.values.push(v);
        return;
      }
      case 'R':
      case 'S':
      case 'G':
        this.settle(p);
        p.resolve({ kind: f.kind, body: f.body });
        return;
      case 'E':
        this.settle(p);
        p.reject(this.pyError(f.body, p.file));
        // Ctrl-C ends the loop right after this frame (core.py): no request may go in meanwhile
        if (f.body.startsWith("('KeyboardInterrupt'")) this.onLoopLost();
        return;
      case 'Q':
        this.settle(p);
        this.leaveLoop();
        p.resolve({ kind: 'R', body: 'None' });
        this.loopQuit?.();
        return;
    }
  }

  /**
   * The loop ended without being asked (a Ctrl-C from elsewhere while it waited): what follows is
   * the exec's end and the raw prompt; the next request starts the loop again.
   */
  private onLoopLost(): void {
    if (this.mode !== 'loop' || this.loopQuit) return;
    this.leaveLoop();
    // requests the loop had not read yet are lost with it
    for (const q of this.inflight.splice(0)) {
      q.reject(new BoardError(this.label, 'CancelledError', 'not run: the board was interrupted (Ctrl-C) before it ran'));
    }
    this.inflightBytes = 0;
    this.restart = this.repl.resync(RESYNC_MS).then((ok) => ok ? this.startLoop() : this.resync(true));
  }

  /** The loop's stream ends after the frame being read: what follows is the raw REPL's again. */
  private leaveLoop(): void {
    this.mode = 'exec';
    this.reader.check = this.caps.hash;
    this.reader.endAfterThisFrame((rest) => this.repl.divert(undefined, rest));
  }

  /** Takes an answered (or failed) request out of the window. */
  private settle(p: Pending): void {
    const i = this.inflight.indexOf(p);
    if (i === -1) return;
    this.inflight.splice(i, 1);
    this.inflightBytes -= p.bytes;
    // the next one starts running on the board now: its time counts from here
    const next = this.inflight[0];
    if (i === 0 && next?.timeoutMs) this.watch(next, next.timeoutMs);
    if (this.windowBytes) this.onSpace();
  }

  /** Whether another request may go now without waiting for the ones on their way. */
  canTake(): boolean {
    if (this.inflight.length === 0) return true;
    return this.windowBytes > 0 && this.mode === 'loop' && !this.restart && !this.resyncing && !this.dead
      && this.inflight.length < MAX_IN_FLIGHT && this.inflightBytes < this.windowBytes;
  }

  private onText(b: Buffer): void {
    // what the board prints belongs to the oldest request: the board runs them in order
    const p = this.inflight[0];
    if (p) p.stdout.push(Buffer.from(b));
    else this.hooks.output(b.toString('utf8').replace(/\r\n/g, '\n'));
  }

  /**
   * A reply to the awaited call that fails its check fails the call (never a value) and the caller
   * resynchronises; anything else shaped like a frame is what a program printed.
   */
  private onGarbled(raw: Buffer, id: string): void {
    const p = this.inflight.find((q) => String(q.id) === id);
    if (!p) return this.onText(raw);
    this.stats.garbled++;
    this.settle(p);
    p.reject(new ProtocolError(this.label, 'the board\'s reply arrived garbled (length or check wrong)', 'protocol'));
  }

  /** Builds a BoardError from the agent's (type, message, traceback) tuple. */
  pyError(body: string, file?: string): BoardError {
    let type = 'Exception', message = '', tb = '';
    const v = parsePython(body);
    if (Array.isArray(v)) [type, message, tb] = v as [string, string, string];
    return new BoardError(this.label, type, message, cleanTraceback(tb, file));
  }

  private tracebackError(stderr: string, file?: string): BoardError {
    const tb = parseTraceback(stderr);
    return new BoardError(this.label, tb.type || 'Exception', tb.message, cleanTraceback(stderr, file));
  }

  // ------------------------------------------------------------ requests

  /**
   * Runs one request and waits for its answer. A timeout interrupts the board (Ctrl-C) and fails
   * with TimeoutError; a garbled reply fails with ProtocolError; either way the session is back in
   * step (or dead, and the link closed) before this returns.
   */
  async request(r: Request, timeoutMs: number, onValue?: (v: unknown) => void): Promise<Reply> {
    if (this.restart) {
      const r = this.restart;
      this.restart = undefined;
      await r;
    }
    if (this.dead) throw new BoardError(this.label, 'ConnectionError', 'not connected');
    const id = this.nextId;
    this.nextId = this.nextId >= 999999 ? 1 : this.nextId + 1;
    const file = r.op === 'eval' || r.op === 'define' ? r.file : undefined;
    const p: Pending = { id, bytes: 0, file, stdout: [], values: [], count: 0, onValue, resolve: () => undefined, reject: () => undefined };
    const result = new Promise<{ kind: 'R' | 'S' | 'G'; body: string }>((resolve, reject) => { p.resolve = resolve; p.reject = reject; });
    result.catch(() => undefined); // awaited below; a rejection before that must not count as unhandled
    try {
      if (this.mode === 'loop') {
        // No await before the write: requests that the queue starts one after another go out in its order.
        const line = loopLine(id, r, this.json, this.parts.has('long'));
        p.bytes = line.length;
        this.inflight.push(p);
        this.inflightBytes += p.bytes;
        if (timeoutMs) {
          p.timeoutMs = timeoutMs;
          if (this.inflight.length === 1) this.watch(p, timeoutMs);
        }
        await this.send(line);
      } else {
        const code = execCode(id, r, this.parts.has('exec'));
        if (code === undefined) throw new Error(`internal: ${r.op} needs the dispatcher loop`);
        this.inflight.push(p);
        const reply = await this.repl.exec(code, timeoutMs, (c) => this.reader.push(c));
        if (this.inflight.includes(p)) {
          // A \x04 that user code printed ends the exec's stdout early: its frames are in what follows.
          const printed = p.stdout.length;
          this.reader.push(reply.stderr);
          if (this.inflight.includes(p)) {
            p.stdout.length = printed; // a traceback, not what the code printed
            const err = reply.stderr.toString('utf8');
            throw err.trim() ? this.tracebackError(err, file) : new ProtocolError(this.label, 'the board returned no result');
          }
        }
      }
      const out = await result;
      return { ...out, stdout: text(p.stdout), values: p.values, count: p.count };
    } catch (e) {
      this.settle(p);
      if (e instanceof BoardError && !e.stdout) e.stdout = text(p.stdout);
      if (e instanceof TimeoutFired || (e instanceof ProtocolError && e.kind === 'timeout')) {
        await this.resync();
        const err = new BoardError(this.label, 'TimeoutError', `no result within ${timeoutMs / 1000} s; the call was interrupted (Ctrl-C)`);
        err.stdout = text(p.stdout);
        throw err;
      }
      if (e instanceof ProtocolError && e.kind === 'protocol') {
        await this.resync();
        throw new BoardError(this.label, 'ProtocolError', e.message.replace(`${this.label}: `, ''));
      }
      if (e instanceof ProtocolError && e.kind === 'lost') {
        throw new BoardError(this.label, 'ProtocolError', e.message.replace(`${this.label}: `, ''));
      }
      throw e;
    }
  }

  private outbox: string[] = [];
  private flushing: Promise<void> | undefined;

  /**
   * Writes a request line; lines the queue starts in one go leave in one write (a USB or TCP packet
   * per burst rather than per call).
   */
  private send(line: string): Promise<void> {
    this.outbox.push(line);
    if (!this.flushing) {
      this.flushing = Promise.resolve().then(() => {
        const all = this.outbox.join('');
        this.outbox = [];
        this.flushing = undefined;
        return this.repl.write(all);
      });
    }
    return this.flushing;
  }

  private watch(p: Pending, ms: number): void {
    p.deadline = performance.now() + ms;
    if (this.watchdog && this.watchdogAt <= p.deadline) return;
    clearTimeout(this.watchdog);
    this.armWatchdog(p.deadline);
  }

  private armWatchdog(at: number): void {
    this.watchdogAt = at;
    this.watchdog = setTimeout(this.onWatchdog, Math.max(0, at - performance.now()));
  }

  /** One timer for every call: re-armed only when it fires early, so back-to-back calls cost none. */
  private readonly onWatchdog = (): void => {
    this.watchdog = undefined;
    // the oldest request is the one running on the board; those behind it have not started
    const p = this.inflight[0];
    if (p?.deadline === undefined) return;
    if (performance.now() >= p.deadline) {
      this.settle(p);
      p.reject(new TimeoutFired());
    } else this.armWatchdog(p.deadline);
  };

  // ------------------------------------------------------------ agent parts

  /** Leaves a part of the agent on the board, once per connection. */
  async ensure(part: AgentPart): Promise<void> {
    if (this.parts.has(part)) return;
    if (part === 'threads' || part === 'long') await this.ensure('core');
    await this.install(part);
  }

  /** Whether a part is on the board. */
  has(part: AgentPart): boolean {
    return this.parts.has(part);
  }

  private async install(part: AgentPart): Promise<void> {
    const src = agentPart(part);
    if (this.mode === 'loop') {
      await this.request({ op: 'define', src, file: `belay-${part}` }, 10000);
    } else {
      // Compiling takes several times the source's size: a small board gets the part a few
      // top-level statements at a time.
      const native = part === 'core' && this.caps.memFree >= NATIVE_MIN_FREE && await this.nativeEmitter();
      for (const piece of pieces(src, Math.max(512, this.caps.memFree >> 4))) {
        const fast = native ? piece.replace(/^def (_bloop|_bout)\(/gm, '@micropython.native\ndef $1(') : piece;
        // machine code takes more heap to compile: a board that cannot spare it gets bytecode
        await this.installPiece(part, fast).catch((e: unknown) => {
          if (fast === piece || !(e instanceof BoardError)) throw e;
          return this.installPiece(part, piece);
        });
      }
    }
    this.parts.add(part);
  }

  /** Whether the port has a native emitter: sys.implementation._mpy names its architecture (0: none). */
  private async nativeEmitter(): Promise<boolean> {
    const r = await this.repl.exec("print(getattr(__import__('sys').implementation, '_mpy', 0) >> 10 & 15)", 5000);
    return Number(r.stdout.toString('latin1').trim()) > 0;
  }

  private async installPiece(part: AgentPart, src: string): Promise<void> {
    let reply;
    try {
      reply = await this.repl.exec(src, 10000, (c) => this.reader.push(c));
    } catch (e) {
      // a board that runs out of memory while it takes the code may stop answering: bring it back
      if (e instanceof ProtocolError && e.kind !== 'closed') await this.resync();
      throw e instanceof ProtocolError ? new BoardError(this.label, 'ProtocolError',
        `could not leave the Belay agent's ${part} part on the board: ${e.message.replace(`${this.label}: `, '')}`) : e;
    }
    const err = reply.stderr.toString('utf8');
    if (err.trim()) {
      const e = this.tracebackError(err);
      e.message = `${this.label}: could not leave the Belay agent's ${part} part on the board: ${e.type}: ${e.pyMessage}`;
      throw e;
    }
  }

  // ------------------------------------------------------------ the loop

  private async startLoop(): Promise<void> {
    const ready = new Promise<boolean>((resolve) => {
      const t = setTimeout(() => resolve(false), LOOP_READY_MS);
      this.loopReady = () => { clearTimeout(t); resolve(true); };
    });
    await this.repl.send('_bloop()', 5000);
    this.repl.divert((c) => this.reader.push(c));
    const ok = await ready;
    this.loopReady = undefined;
    if (ok) {
      this.mode = 'loop';
      return;
    }
    this.reader.check = this.caps.hash;
    // The board could not run the loop (no readable sys.stdin in an exec): one raw exec per call.
    this.repl.divert(undefined);
    this.mode = 'exec';
    await this.toRawPrompt();
  }

  /** Leaves the loop (before teardown's raw exec and leaving raw mode). */
  async stopLoop(): Promise<void> {
    if (this.mode !== 'loop' || this.dead) return;
    const quit = new Promise<void>((resolve) => { this.loopQuit = resolve; });
    try {
      await this.request({ op: 'quit' }, 1500);
      await quit;
      if (!await this.repl.resync(1500)) await this.toRawPrompt();
    } catch {
      this.mode = 'exec';
      this.reader.check = this.caps.hash;
      await this.toRawPrompt().catch(() => undefined);
    } finally {
      this.loopQuit = undefined;
    }
  }

  /** Ctrl-C and the raw banner: whatever ran has stopped and the raw REPL waits. */
  private async toRawPrompt(): Promise<void> {
    this.repl.divert(undefined);
    this.reader.reset();
    await this.repl.enterRaw(false, RESYNC_MS);
  }

  /**
   * After a call that could not complete: interrupt, find the raw prompt, start the loop again.
   * Not back within RESYNC_MS: the session is dead and the link closed, so that reconnect takes over.
   */
  resync(wasLoop = this.mode === 'loop'): Promise<void> {
    if (this.resyncing) return this.resyncing;
    this.resyncing = this.doResync(wasLoop).finally(() => { this.resyncing = undefined; this.onSpace(); });
    return this.resyncing;
  }

  private async doResync(wasLoop: boolean): Promise<void> {
    this.stats.resyncs++;
    // Requests behind the one that failed were dropped by the Ctrl-C before they ran.
    for (const q of this.inflight.splice(0)) {
      q.reject(new BoardError(this.label, 'CancelledError', 'not run: a call before it on this board failed and the board was interrupted (Ctrl-C)'));
    }
    this.inflightBytes = 0;
    this.mode = 'exec';
    this.reader.check = this.caps.hash;
    const back = (async () => {
      await this.toRawPrompt();
      if (wasLoop) {
        await this.startLoop();
        if (this.mode !== 'loop') throw new Error('the loop did not start again');
      }
      return true;
    })();
    const ok = await withTimeout(back, RESYNC_MS + 2000).catch(() => false);
    if (!ok) this.kill();
  }

  /** Gives up on this connection. */
  kill(): void {
    if (this.dead) return;
    this.dead = true;
    clearTimeout(this.watchdog);
    for (const p of this.inflight.splice(0)) p.reject(new BoardError(this.label, 'ConnectionError', 'the board stopped answering'));
    this.inflightBytes = 0;
    this.onDead();
  }

  /** The link is gone: fail what waits. */
  close(err: Error): void {
    this.dead = true;
    clearTimeout(this.watchdog);
    this.repl.divert(undefined);
    for (const p of this.inflight.splice(0)) p.reject(err);
    this.inflightBytes = 0;
  }
}

/**
 * Python source cut at top-level statements (a line that starts in column 0 and is no `else`,
 * `elif`, `except` or `finally`, and no decorated def's def) into pieces of about `size` characters.
 */
export function pieces(src: string, size: number): string[] {
  const out: string[] = [];
  let cur = '';
  let prev = '';
  const lines = src.split('\n');
  if (lines[lines.length - 1] === '') lines.pop();
  for (const line of lines) {
    const top = /^[^\s#]/.test(line) && !/^(else|elif|except|finally)\b/.test(line) && !prev.startsWith('@');
    if (top && cur.length + line.length > size && cur.trim()) {
      out.push(cur);
      cur = '';
    }
    cur += line + '\n';
    if (line.trim()) prev = line;
  }
  if (cur.trim()) out.push(cur);
  return out;
}

/** What user code printed, with the board's \r\n line ends as \n. */
function text(parts: Buffer[]): string {
  if (parts.length === 0) return '';
  return Buffer.concat(parts).toString('utf8').replace(/\r\n/g, '\n');
}

export function withTimeout<T>(p: Promise<T>, ms: number): Promise<T> {
  if (!ms) return p;
  return new Promise<T>((resolve, reject) => {
    const t = setTimeout(() => reject(new TimeoutFired()), ms);
    p.then((v) => { clearTimeout(t); resolve(v); }, (e) => { clearTimeout(t); reject(e); });
  });
}

/**
 * Drops the agent's own frames so a traceback shows only the user's code. Frames in "<string>"
 * are the user's when the request ran user code through eval/exec (boards without compile, and
 * exec mode): they are named `file` then; otherwise they are the host's call expression.
 */
const AGENT_FILES = /^belay-(info|core|exec|threads|fnv_viper|fnv|sync|sync_flat|events)$/;

export function cleanTraceback(tb: string, file?: string): string {
  const text = remapTraceback(tb, (f) => {
    if (AGENT_FILES.test(f.file)) return false;
    if (f.file !== '<stdin>' && f.file !== '<string>') return null;
    if (f.fn !== undefined && /^_b[A-Za-z]*$/.test(f.fn)) return false;
    if (f.file === '<stdin>') return f.fn === '<module>' ? false : null;
    if (file === undefined) return f.fn === '<module>' ? false : null;
    return file;
  });
  return text ? text + '\n' : '';
}

import { EventEmitter } from 'node:events';
import type { Link } from './link/link';
import { createLink } from './link';
import { RawRepl, ProtocolError } from './raw-repl';
import { AGENT_SOURCE, INFO_SOURCE, TagDemux, defaultStartup, type Tag } from './agent';
import { toPython, toJson, parsePython } from './python/literal';
import { functionName } from './python/names';
import { parseTraceback } from './python/traceback';
import { runSync } from './sync';
import {
  BoardError, type BoardInfo, type CallOptions, type CallResult, type DeviceApi, type DeviceOptions,
  type DeviceState, type SyncOptions, type SyncProgress, type SyncResult, type ThreadHandle, type ThreadHandlers,
} from './types';

/** Errors the host raises itself (not Python exceptions). */
function hostError(board: string, type: string, message: string): BoardError {
  return new BoardError(board, type, message);
}

interface Job {
  run: () => Promise<unknown>;
  resolve: (v: any) => void;
  reject: (e: Error) => void;
  /** seconds; 0 = none */
  timeout: number;
  /** fails the job if it is still waiting for a connection when this fires */
  waitTimer?: NodeJS.Timeout;
  started?: boolean;
}

/** The request in flight: collects what the board prints and waits for its result tag. */
interface Pending {
  stdout: Buffer[];
  onValue?: (v: unknown) => void;
  values: unknown[];
  resolve: (r: { kind: 'R' | 'G'; body: string }) => void;
  reject: (e: Error) => void;
  /** performance.now() by which the result must be in (calls through the dispatcher loop) */
  deadline?: number;
}

interface ThreadEntry {
  handlers: ThreadHandlers;
  ended?: () => void;
}

const BACKOFF_MS = [500, 1000, 2000, 5000, 10000];

/**
 * One board: a FIFO of calls over the raw REPL, timeouts with Ctrl-C, reconnect with replay of what
 * the user defined (startup, setup, functions), background threads and folder sync.
 * See DeviceApi in types.ts for the contract.
 */
export class Device extends EventEmitter implements DeviceApi {
  readonly label: string;
  private opts: Required<Omit<DeviceOptions, 'password' | 'startup' | 'name'>> & DeviceOptions;
  private _state: DeviceState = 'idle';
  private _info: BoardInfo | undefined;
  private link: Link | undefined;
  private repl: RawRepl | undefined;
  private queue: Job[] = [];
  private busy = false;
  private pending: Pending | undefined;
  private defs = new Map<string, { source: string; name: string; file: string }>();
  private threads = new Map<number, ThreadEntry>();
  private nextTid = 1;
  /** the dispatcher loop's exec, while it runs */
  private loop: Promise<unknown> | undefined;
  private wantConnected = false;
  private connecting: Promise<BoardInfo> | undefined;
  private reconnectTimer: NodeJS.Timeout | undefined;
  private attempt = 0;
  private closedForGood = false;
  /** whether the dispatcher loop ran on this connection */
  private loopWorks = false;
  /** whether the agent on this connection takes "j" calls (the board has json) */
  private jsonCalls = false;
  /** Use the dispatcher loop when the board runs it (tests and benchmarks may turn it off). */
  useDispatcher = true;
  /**
   * One timer watches the request in flight through the loop and is re-armed only when a deadline
   * comes before it fires: back-to-back calls then cost no timer of their own.
   */
  private watchdog: NodeJS.Timeout | undefined;
  private watchdogAt = 0;

  private makeLink: (port: string, o: { baud?: number; password?: string }) => Link;

  /** `makeLink` replaces the port-form dispatch (tests wrap links to count bytes or break them). */
  constructor(options: DeviceOptions, makeLink: (port: string, o: { baud?: number; password?: string }) => Link = createLink) {
    super();
    this.makeLink = makeLink;
    this.opts = {
      baud: 115200, setup: '', teardown: '', softReset: true, reconnect: true, timeout: 10, maxQueue: 10000,
      ...options,
    };
    this.label = options.name ? `${options.name} (${options.port})` : options.port;
  }

  get state(): DeviceState { return this._state; }
  get info(): BoardInfo | undefined { return this._info; }
  get queueLength(): number { return this.queue.length + (this.busy ? 1 : 0); }
  /** the link in use, for tests that need to break it */
  get currentLink(): Link | undefined { return this.link; }

  private setState(state: DeviceState, detail?: BoardInfo | Error): void {
    this._state = state;
    this.emit('state', state, detail);
  }

  // ---------------------------------------------------------------- connection

  connect(): Promise<BoardInfo> {
    if (this.closedForGood) return Promise.reject(hostError(this.label, 'ConnectionError', 'this board connection was closed'));
    this.wantConnected = true;
    if (this._state === 'connected' && this._info) return Promise.resolve(this._info);
    if (!this.connecting) {
      this.connecting = this.doConnect().finally(() => { this.connecting = undefined; });
    }
    return this.connecting;
  }

  private async doConnect(): Promise<BoardInfo> {
    clearTimeout(this.reconnectTimer);
    this.setState('connecting');
    let link: Link | undefined;
    try {
      link = this.makeLink(this.opts.port, { baud: this.opts.baud, password: this.opts.password });
      await link.open();
      this.link = link;
      const repl = new RawRepl(link, this.label);
      this.repl = repl;
      const demux = new TagDemux((t) => this.onTag(t));
      repl.filter = (c, pass) => demux.filter(c, pass);
      repl.on('unsolicited', (b: Buffer) => this.onOutput(b));
      link.once('close', (err?: Error) => this.onLinkClosed(link!, err));
      // WebREPL never soft-resets: that would drop the WebREPL session itself.
      const soft = this.opts.softReset && !this.opts.port.startsWith('ws://') && !this.opts.port.startsWith('wss://');
      this.loopWorks = false;
      this.jsonCalls = false;
      await repl.enterRaw(soft);
      this._info = await this.readInfo();
      await this.rawExec(AGENT_SOURCE, 'the Belay agent');
      const startup = this.opts.startup === undefined ? defaultStartup(this._info.implementation) : this.opts.startup;
      if (startup.trim()) await this.rawOp(startup, 'startup');
      if (this.opts.setup?.trim()) await this.rawOp(this.opts.setup, 'setup');
      // One definition that no longer compiles must not take the board down for every other user.
      for (const [key, d] of this.defs) {
        await this.rawOp(d.source, d.file).catch((e: Error) => this.emit('define-error', key, e));
      }
      if (this.useDispatcher) await this.startLoop();
      this.attempt = 0;
      this.setState('connected', this._info);
      this.pump();
      return this._info;
    } catch (e) {
      const err = e instanceof Error ? e : new Error(String(e));
      if (link && this.link === link) {
        this.link = undefined;
        this.repl?.detach();
        this.repl = undefined;
        await link.close().catch(() => undefined);
      }
      this.setState('disconnected', err);
      this.scheduleReconnect();
      throw err instanceof BoardError || err instanceof ProtocolError ? err : hostError(this.label, 'ConnectionError', err.message);
    }
  }

  private scheduleReconnect(): void {
    if (!this.wantConnected || !this.opts.reconnect || this.closedForGood || this.reconnectTimer && this.reconnectTimer.hasRef()) return;
    const delay = BACKOFF_MS[Math.min(this.attempt, BACKOFF_MS.length - 1)];
    this.attempt++;
    this.reconnectTimer = setTimeout(() => {
      this.reconnectTimer = undefined;
      if (this.wantConnected && this._state !== 'connected') this.connect().catch(() => undefined);
    }, delay);
  }

  private onLinkClosed(link: Link, err?: Error): void {
    if (this.link !== link) return;
    this.link = undefined;
    this.repl?.detach();
    this.repl = undefined;
    this.loop = undefined;
    const lost = hostError(this.label, 'ConnectionError', `connection lost${err ? ': ' + err.message : ''}`);
    this.pending?.reject(lost);
    this.pending = undefined;
    for (const [tid, t] of this.threads) {
      t.handlers.onError(hostError(this.label, 'ConnectionError', 'connection lost while the thread was running'));
      t.handlers.onEnd();
      this.threads.delete(tid);
    }
    if (this.closedForGood || !this.wantConnected) return;
    this.setState('disconnected', lost);
    this.armWaitTimers();
    this.scheduleReconnect();
  }

  async disconnect(): Promise<void> {
    this.wantConnected = false;
    clearTimeout(this.reconnectTimer);
    this.reconnectTimer = undefined;
    if (this.connecting) await this.connecting.catch(() => undefined);
    const link = this.link;
    if (link) {
      // Teardown and leaving raw mode get a few seconds; an unresponsive board must not hold up close.
      await withTimeout(this.shutdownBoard(), 4000).catch(() => undefined);
      this.link = undefined;
      this.repl?.detach();
      this.repl = undefined;
      this.loop = undefined;
      await withTimeout(link.close(), 2000).catch(() => undefined);
    }
    clearTimeout(this.watchdog);
    this.watchdog = undefined;
    for (const t of this.threads.values()) t.handlers.onEnd();
    this.threads.clear();
    this.failQueue(hostError(this.label, 'ConnectionError', 'disconnected'));
    this.setState('disconnected');
  }

  private async shutdownBoard(): Promise<void> {
    while (this.busy) await new Promise((r) => setTimeout(r, 20));
    this.busy = true;
    try {
      // Stop every thread at its next yield before teardown.
      if (this.threads.size) await this.op(`c__belay_halt(${toPython([...this.threads.keys()])})`, 2).catch(() => undefined);
      await this.stopLoop();
      if (this.opts.teardown?.trim()) await this.rawOp(this.opts.teardown, 'teardown', 3).catch(() => undefined);
      await this.repl?.exitRaw();
    } finally {
      this.busy = false;
    }
  }

  async close(): Promise<void> {
    await this.disconnect();
    this.closedForGood = true;
    this.setState('closed');
    this.removeAllListeners();
  }

  private failQueue(err: Error): void {
    const q = this.queue;
    this.queue = [];
    for (const j of q) {
      clearTimeout(j.waitTimer);
      j.reject(err);
    }
    this.emit('queue', this.queueLength);
  }

  // ---------------------------------------------------------------- board info

  private async readInfo(): Promise<BoardInfo> {
    const reply = await this.repl!.exec(INFO_SOURCE, 10000);
    const text = reply.stdout.toString('utf8');
    const m = /\x1eR(.*)/.exec(text);
    // The demux strips tags before the REPL sees them, so the result arrives through onTag.
    const body = m ? m[1] : this.lastRawResult;
    if (!body) throw hostError(this.label, 'ConnectionError', `could not read board info: ${reply.stderr.toString() || text || 'no answer'}`);
    const [implementation, version, platform, machine, threads] = parsePython(body) as [string, string, string, string, boolean];
    return { implementation, version, platform, machine, threads, rawPaste: this.repl!.rawPasteSupported === true };
  }

  // ---------------------------------------------------------------- tags and output

  private lastRawResult: string | undefined;

  private onTag(t: Tag): void {
    const p = this.pending;
    switch (t.kind) {
      case 'R':
      case 'G':
        if (p) { this.pending = undefined; p.resolve({ kind: t.kind, body: t.body }); } else this.lastRawResult = t.body;
        return;
      case 'I':
        if (p) {
          const v = parsePython(t.body);
          if (p.onValue) p.onValue(v); else p.values.push(v);
        }
        return;
      case 'E':
        if (p) { this.pending = undefined; p.reject(this.pyError(t.body)); }
        return;
      case 'L':
        this.jsonCalls = t.body.includes('j');
        this.emit('loop-ready');
        return;
      default:
        this.onThreadTag(t);
    }
  }

  private onThreadTag(t: Tag): void {
    const th = this.threads.get(t.tid ?? -1);
    if (!th) return;
    if (t.kind === 'Y') th.handlers.onYield(parsePython(t.body));
    else if (t.kind === 'P') th.handlers.onPrint(String(parsePython(t.body)));
    else if (t.kind === 'X' || t.kind === 'D') {
      if (t.kind === 'X') th.handlers.onError(this.pyError(t.body));
      this.threads.delete(t.tid!);
      th.handlers.onEnd();
      th.ended?.();
    }
  }

  private onOutput(b: Buffer): void {
    if (this.pending) this.pending.stdout.push(b);
    else this.emit('output', text([b]));
  }

  /** Builds a BoardError from the agent's (type, message, traceback) tuple. */
  private pyError(body: string): BoardError {
    let type = 'Exception', message = '', tb = '';
    const v = parsePython(body);
    if (Array.isArray(v)) [type, message, tb] = v as [string, string, string];
    return new BoardError(this.label, type, message, cleanTraceback(tb));
  }

  // ---------------------------------------------------------------- the queue

  private enqueue<T>(run: () => Promise<T>, timeout: number): Promise<T> {
    if (this.closedForGood) return Promise.reject(hostError(this.label, 'ConnectionError', 'this board connection was closed'));
    if (this.queue.length >= this.opts.maxQueue) {
      return Promise.reject(hostError(this.label, 'QueueFullError', `${this.queue.length} calls are already waiting; the board is not keeping up`));
    }
    return new Promise<T>((resolve, reject) => {
      const job: Job = { run, resolve, reject, timeout };
      this.queue.push(job);
      if (this._state !== 'connected') this.armWaitTimer(job);
      this.emit('queue', this.queueLength);
      if (!this.wantConnected) this.connect().catch(() => undefined);
      this.pump();
    });
  }

  /** A queued call waiting for a (re)connection fails after its own timeout. */
  private armWaitTimer(job: Job): void {
    if (job.waitTimer || job.timeout <= 0) return;
    job.waitTimer = setTimeout(() => {
      const i = this.queue.indexOf(job);
      if (i === -1) return;
      this.queue.splice(i, 1);
      job.reject(hostError(this.label, 'TimeoutError', `not connected after ${job.timeout} s (${this._state})`));
      this.emit('queue', this.queueLength);
    }, job.timeout * 1000);
  }

  private armWaitTimers(): void {
    for (const j of this.queue) this.armWaitTimer(j);
  }

  private pump(): void {
    if (this.busy || this._state !== 'connected' || this.queue.length === 0) return;
    const job = this.queue.shift()!;
    clearTimeout(job.waitTimer);
    this.busy = true;
    job.run().then(job.resolve, job.reject).finally(() => {
      this.busy = false;
      this.emit('queue', this.queueLength);
      this.pump();
    });
  }

  private timeoutOf(opts?: CallOptions): number {
    return opts?.timeout ?? this.opts.timeout;
  }

  // ---------------------------------------------------------------- requests

  /**
   * Runs one request line and waits for its result tag, through the dispatcher loop when it runs,
   * else as a raw-REPL exec of __belay_op(line).
   */
  private async op(line: string, timeoutS: number, onValue?: (v: unknown) => void): Promise<{ kind: 'R' | 'G'; body: string; stdout: string; values: unknown[] }> {
    const repl = this.repl;
    if (!repl) throw hostError(this.label, 'ConnectionError', 'not connected');
    // A Ctrl-C that lands between two calls ends the loop: start it again.
    if (this.loopWorks && !this.loop && this._state === 'connected') await this.startLoop();
    const p: Pending = { stdout: [], onValue, values: [], resolve: () => undefined, reject: () => undefined };
    const result = new Promise<{ kind: 'R' | 'G'; body: string }>((resolve, reject) => { p.resolve = resolve; p.reject = reject; });
    result.catch(() => undefined); // awaited below; a rejection before that must not count as unhandled
    this.pending = p;
    const ms = timeoutS > 0 ? timeoutS * 1000 : 0;
    try {
      if (this.loop) {
        if (ms) this.watch(p, ms);
        await repl.write(loopLine(line));
        const r = await result;
        return { ...r, stdout: text(p.stdout), values: p.values };
      }
      const reply = await repl.exec(`__belay_op(${toPython(line)})`, ms, (c) => p.stdout.push(Buffer.from(c)));
      if (this.pending === p) {
        this.pending = undefined;
        const err = reply.stderr.toString('utf8');
        throw err ? this.tracebackError(err) : hostError(this.label, 'ProtocolError', 'the board returned no result');
      }
      const r = await result;
      return { ...r, stdout: text(p.stdout), values: p.values };
    } catch (e) {
      if (this.pending === p) this.pending = undefined;
      if (e instanceof TimeoutFired || (e instanceof ProtocolError && e.kind === 'timeout')) {
        await this.recoverFromTimeout();
        throw hostError(this.label, 'TimeoutError', `no result within ${timeoutS} s; the call was interrupted (Ctrl-C)`);
      }
      throw e;
    }
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

  private readonly onWatchdog = (): void => {
    this.watchdog = undefined;
    const p = this.pending;
    if (p?.deadline === undefined) return;
    if (performance.now() >= p.deadline) p.reject(new TimeoutFired('timeout'));
    else this.armWatchdog(p.deadline);
  };

  /** After a timeout: Ctrl-C, wait for the board to come back, else treat the link as dead. */
  private async recoverFromTimeout(): Promise<void> {
    const repl = this.repl;
    if (!repl) return;
    for (let i = 0; i < 3; i++) {
      let back: Promise<boolean>;
      if (this.loop) {
        // In the loop the interrupted call reports KeyboardInterrupt as an E tag, or the loop itself ends.
        const loop = this.loop;
        back = new Promise<boolean>((resolve) => {
          const t = setTimeout(() => resolve(false), 1500);
          const ok = () => { clearTimeout(t); resolve(true); };
          this.pending = { stdout: [], values: [], resolve: ok, reject: ok };
          loop.then(ok, ok);
        });
      } else {
        // A plain exec ends with its traceback and the raw prompt.
        back = repl.resync(1500);
      }
      await repl.interrupt().catch(() => undefined);
      const ok = await back;
      this.pending = undefined;
      if (ok) return;
    }
    // The board does not answer: drop the link so the reconnect logic takes over.
    await this.link?.close().catch(() => undefined);
  }

  private tracebackError(stderr: string): BoardError {
    const tb = parseTraceback(stderr);
    return new BoardError(this.label, tb.type || 'Exception', tb.message, cleanTraceback(stderr));
  }

  /** Runs code during connect (outside the queue), compiled under a file name for tracebacks. */
  private async rawOp(code: string, file: string, timeoutS = this.opts.timeout): Promise<void> {
    await this.op(`e${toPython([code, file])}`, timeoutS);
  }

  /** Plain raw exec; fails with the traceback if the code raised. */
  private async rawExec(code: string, what: string): Promise<void> {
    const reply = await this.repl!.exec(code, 10000);
    const err = reply.stderr.toString('utf8');
    if (err) {
      const e = this.tracebackError(err);
      e.message = `${this.label}: could not install ${what}: ${e.type}: ${e.pyMessage}`;
      throw e;
    }
  }

  private async startLoop(): Promise<void> {
    const repl = this.repl!;
    const ready = new Promise<void>((resolve) => this.once('loop-ready', resolve));
    await repl.send('__belay_loop()', 5000);
    const loop = repl.runStreaming((c) => this.onOutput(Buffer.from(c)));
    this.loop = loop;
    const ended = (): void => {
      if (this.loop !== loop) return;
      this.loop = undefined;
      // The next loop says again whether it takes JSON calls; until then calls go as literals.
      this.jsonCalls = false;
    };
    loop.then(ended, ended);
    const ok = await withTimeout(ready.then(() => true), 3000).catch(() => false);
    this.loopWorks = ok;
    if (!ok) {
      // The board could not run the loop (no sys.stdin.readline?): one raw exec per call instead.
      await this.stopLoop();
    }
  }

  private async stopLoop(): Promise<void> {
    const loop = this.loop;
    if (!loop || !this.repl) return;
    await this.repl.write('q\n');
    const ended = await withTimeout(loop.then(() => true, () => true), 1500).catch(() => false);
    if (!ended) {
      await this.repl.interrupt().catch(() => undefined);
      await withTimeout(loop, 1500).catch(() => undefined);
    }
    this.loop = undefined;
  }

  // ---------------------------------------------------------------- public calls

  exec(code: string, opts?: CallOptions): Promise<CallResult> {
    const t = this.timeoutOf(opts);
    return this.enqueue(async () => {
      const r = await this.op(`e${toPython([code, 'exec'])}`, t, opts?.onValue);
      return this.toResult(r);
    }, t);
  }

  private toResult(r: { kind: 'R' | 'G'; body: string; stdout: string; values: unknown[] }): CallResult {
    if (r.kind === 'G') return { value: r.values, stdout: r.stdout, generator: true, count: Number(r.body) };
    return { value: resultValue(r.body), stdout: r.stdout };
  }

  async define(key: string, source: string): Promise<string> {
    const name = functionName(source);
    if (!name) throw hostError(this.label, 'ValueError', 'the code must define a function: def NAME(...):');
    const def = { source, name, file: fileFor(key) };
    this.defs.set(key, def);
    if (this._state === 'connected') {
      await this.enqueue(() => this.op(`e${toPython([source, def.file])}`, this.opts.timeout), this.opts.timeout);
    }
    return name;
  }

  undefine(key: string): void {
    this.defs.delete(key);
  }

  call(name: string, args: unknown[] = [], kwargs: Record<string, unknown> = {}, opts?: CallOptions): Promise<CallResult> {
    const t = this.timeoutOf(opts);
    return this.enqueue(async () => this.toResult(await this.op(this.callLine(name, args, kwargs), t, opts?.onValue)), t);
  }

  /**
   * The request line for a call: "j" with JSON arguments where the board reads them without its
   * compiler and JSON says exactly what the literals would, else "c" with a Python call expression.
   */
  private callLine(name: string, args: unknown[], kwargs: Record<string, unknown>): string {
    if (this.jsonCalls && Object.keys(kwargs).length === 0) {
      const json = toJson(args);
      if (json !== undefined) {
        checkName(name);
        return `j${name}${json}`;
      }
    }
    return `c${callExpr(name, args, kwargs)}`;
  }

  async iterate(name: string, args: unknown[] | undefined, kwargs: Record<string, unknown> | undefined,
    onValue: (value: unknown) => void, opts?: CallOptions): Promise<{ count: number; stdout: string }> {
    const r = await this.call(name, args, kwargs, { ...opts, onValue });
    if (!r.generator) {
      onValue(r.value);
      return { count: 1, stdout: r.stdout };
    }
    return { count: r.count ?? 0, stdout: r.stdout };
  }

  startThread(name: string, args: unknown[] | undefined, kwargs: Record<string, unknown> | undefined,
    handlers: ThreadHandlers): Promise<ThreadHandle> {
    const t = this.opts.timeout;
    return this.enqueue(async () => {
      if (this._info && !this._info.threads) {
        throw hostError(this.label, 'ImportError', `this board (${this._info.implementation} ${this._info.version} on ${this._info.platform}) has no _thread module: threads cannot run on it`);
      }
      const tid = this.nextTid++;
      const entry: ThreadEntry = { handlers };
      this.threads.set(tid, entry);
      try {
        await this.op(`c__belay_start(${tid}, ${name}, ${toPython(args ?? [])}, ${toPython(kwargs ?? {})})`, t);
      } catch (e) {
        this.threads.delete(tid);
        throw e;
      }
      const handle: ThreadHandle = {
        id: tid,
        stop: () => this.stopThread(tid, entry),
      };
      return handle;
    }, t);
  }

  private async stopThread(tid: number, entry: ThreadEntry): Promise<void> {
    if (!this.threads.has(tid)) return;
    const ended = new Promise<void>((resolve) => { entry.ended = resolve; });
    await this.enqueue(() => this.op(`c__belay_halt([${tid}])`, 5), 5).catch(() => undefined);
    await withTimeout(ended, 5000).catch(() => undefined);
  }

  sync(opts: SyncOptions, onProgress?: (p: SyncProgress) => void, callOpts?: CallOptions): Promise<SyncResult> {
    const t = this.timeoutOf(callOpts);
    return this.enqueue(() => runSync(
      (line: string, timeoutS?: number) => this.op(line, timeoutS ?? t).then((r) => this.toResult(r).value),
      opts, onProgress, this.label), t);
  }

  /** Runs one agent request line directly (benchmarks and sync use it through the queue). */
  request(line: string, opts?: CallOptions): Promise<CallResult> {
    const t = this.timeoutOf(opts);
    return this.enqueue(async () => this.toResult(await this.op(line, t, opts?.onValue)), t);
  }
}

class TimeoutFired extends Error {}

/** What user code printed, with the board's \r\n line ends as \n. */
function text(parts: Buffer[]): string {
  if (parts.length === 0) return '';
  return Buffer.concat(parts).toString('utf8').replace(/\r\n/g, '\n');
}

/**
 * A request as the loop reads it: file data ("w" lines) goes after a "W" line that gives its length,
 * so the board reads it in one go (readline takes a byte per call).
 */
function loopLine(line: string): string {
  if (line[0] !== 'w') return line + '\n';
  const tab = line.indexOf('\t');
  const data = line.slice(tab + 1);
  return `W${line[1]}${data.length}\t${line.slice(2, tab)}\n${data}`;
}

/** A call's result; small ints, the commonest, skip the literal parser. */
function resultValue(body: string): unknown {
  if (body.length < 16 && /^-?\d+$/.test(body)) return Number(body) || 0;
  return parsePython(body);
}

function withTimeout<T>(p: Promise<T>, ms: number): Promise<T> {
  if (!ms) return p;
  return new Promise<T>((resolve, reject) => {
    const t = setTimeout(() => reject(new TimeoutFired('timeout')), ms);
    p.then((v) => { clearTimeout(t); resolve(v); }, (e) => { clearTimeout(t); reject(e); });
  });
}

/** The file name a definition is compiled under: its tracebacks then count lines from its own line 1. */
export function fileFor(key: string): string {
  return `belay:${key}`;
}

function callExpr(name: string, args: unknown[], kwargs: Record<string, unknown>): string {
  checkName(name);
  const parts = args.map((a) => toPython(a));
  for (const [k, v] of Object.entries(kwargs)) {
    checkName(k, 'keyword argument');
    parts.push(`${k}=${toPython(v)}`);
  }
  return `${name}(${parts.join(',')})`;
}

function checkName(name: string, what = 'function'): void {
  if (!/^[A-Za-z_][A-Za-z0-9_]*$/.test(name)) throw new Error(`not a Python ${what} name: ${name}`);
}

/** Drops the agent's own frames so a traceback shows only the user's code. */
export function cleanTraceback(tb: string): string {
  return tb.split(/\r?\n/)
    .filter((l) => !/^\s+File "<(stdin|string)>", line \d+, in (__belay_\w+|<module>)$/.test(l))
    .join('\n')
    .replace(/\n+$/, '\n');
}

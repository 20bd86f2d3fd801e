import { EventEmitter } from 'node:events';
import { LinkError, type Link } from './link/link';
import { createLink } from './link';
import { RawRepl, ProtocolError } from './raw-repl';
import { agentPart, defaultStartup } from './agent';
import { Session, withTimeout, type BoardCaps, type Reply } from './session';
import { CallQueue, type Job } from './queue';
import { BIG_STRING, hashKind, textOf, type Request } from './wire';
import { toPython, parsePython } from './python/literal';
import { runSync } from './sync';
import { Definitions } from './definitions';
import { BoardThreads } from './threads';
import type { BoardContext, BoardExtension } from './context';
import {
  BoardError, type BoardInfo, type CallOptions, type CallResult, type DeviceApi, type DeviceOptions,
  type DeviceState, type SyncOptions, type SyncProgress, type SyncResult, type ThreadHandle, type ThreadHandlers, type ThreadInfo,
} from './types';

export type { BoardContext, BoardExtension } from './context';
export { fileFor } from './definitions';

/** Errors the host raises itself: their codes are never Python class names (see BoardError). */
function hostError(board: string, type: HostErrorCode, message: string): BoardError {
  return new BoardError(board, type, message);
}
export type HostErrorCode = 'ConnectionError' | 'TimeoutError' | 'QueueFullError' | 'ConfigError' | 'ProtocolError' | 'CancelledError' | 'UnsupportedError';

const BACKOFF_MS = [500, 1000, 2000, 5000, 10000];

/**
 * How long closing may take, in one place. Node-RED gives a node 15 s to close; a board gets
 * stopping its threads and teardown (SHUTDOWN_MS) plus closing the link (LINK_CLOSE_MS): 6 s, so
 * that the nodes' own waits (a running thread's stop) fit in the rest.
 */
export const CLOSE_BUDGET = { SHUTDOWN_MS: 4000, LINK_CLOSE_MS: 2000, THREAD_STOP_MS: 3000 } as const;

/** rp2 firmware before 1.25: after a thread ran, a soft reset then a flash write can hang (micropython#16619). */
export function rp2FlashHangs(info: BoardInfo): boolean {
  if (info.platform !== 'rp2' || info.implementation !== 'micropython') return false;
  const [major, minor] = info.version.split('.').map(Number);
  return major < 1 || (major === 1 && minor < 25);
}

/**
 * One board: lifecycle (connect, reconnect with backoff, replay of start-up, setup and every
 * definition, disconnect), the FIFO of calls, threads, sync. The conversation itself is the
 * Session's; see DeviceApi in types.ts for the contract.
 */
export class Device extends EventEmitter implements DeviceApi {
  readonly label: string;
  private opts: Required<Omit<DeviceOptions, 'password' | 'startup' | 'name'>> & DeviceOptions;
  private _state: DeviceState = 'idle';
  private _info: BoardInfo | undefined;
  private link: Link | undefined;
  private session: Session | undefined;
  private readonly queue = new CallQueue((n) => this.emit('queue', n));
  private readonly defs: Definitions;
  private readonly threads: BoardThreads;
  private extensions = new Map<string, BoardExtension>();
  private wantConnected = false;
  private connecting: Promise<BoardInfo> | undefined;
  private reconnectTimer: NodeJS.Timeout | undefined;
  private attempt = 0;
  private closedForGood = false;
  /** why the last connect failed; calls that fail meanwhile say it */
  private lastError: Error | undefined;
  /** the port does not exist or its form is wrong: calls fail at once instead of waiting */
  private absent = false;
  /** Use the dispatcher loop when the board runs it (tests and benchmarks may turn it off). */
  useDispatcher = true;
  /** Keep several calls in flight where the board can take them (benchmarks compare with off). */
  pipeline = true;

  private makeLink: (port: string, o: { baud?: number; password?: string }) => Link;

  /** `makeLink` replaces the port-form dispatch (tests wrap links to count bytes or break them). */
  constructor(options: DeviceOptions, makeLink: (port: string, o: { baud?: number; password?: string }) => Link = createLink) {
    super();
    this.makeLink = makeLink;
    this.opts = {
      baud: 115200, setup: '', teardown: '', softReset: true, syncTime: true, reconnect: true, timeout: 10, maxQueue: 10000,
      ...options,
    };
    this.label = options.name ? `${options.name} (${options.port})` : options.port;
    this.queue.next = () => this.pump();
    this.defs = new Definitions(this.label, (key, err) => this.emit('define-error', key, err));
    this.threads = new BoardThreads(this.label, {
      changed: (list) => this.emit('threads', list),
      printed: (thread, line) => this.emit('thread-print', thread, line),
    });
  }

  get state(): DeviceState { return this._state; }
  get info(): BoardInfo | undefined { return this._info; }
  get queueLength(): number { return this.queue.length; }
  /** the link in use, for tests that need to break it */
  get currentLink(): Link | undefined { return this.link; }
  /** replies dropped as stale, replies the link garbled, resynchronisations: since this connection began */
  get linkStats(): { stale: number; garbled: number; resyncs: number } | undefined { return this.session?.stats; }

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
      try {
        link = this.makeLink(this.opts.port, { baud: this.opts.baud, password: this.opts.password });
      } catch (e) {
        this.absent = true;
        throw hostError(this.label, 'ConfigError', stripBoard(errorText(e), this.opts.port));
      }
      try {
        await link.open();
      } catch (e) {
        this.absent = (e instanceof LinkError && e.reason === 'missing') || /ENOENT|no such file|not found|does not exist|cannot find/i.test(errorText(e));
        throw e;
      }
      this.absent = false;
      this.link = link;
      const repl = new RawRepl(link, this.label);
      link.once('close', (err?: Error) => this.onLinkClosed(link!, err));
      // WebREPL never soft-resets: that would drop the WebREPL session itself.
      const soft = this.opts.softReset && !/^wss?:\/\//.test(this.opts.port);
      await repl.enterRaw(soft);
      const caps = await this.readInfo(repl);
      const session = new Session(repl, this.label, caps, {
        thread: (f) => this.threads.frame(f, (body) => this.defs.nameFrames(session.pyError(body))),
        event: (f) => { for (const x of this.extensions.values()) x.frame(f); },
        output: (t) => this.emit('output', t),
      }, () => { void link!.close().catch(() => undefined); });
      this.session = session;
      session.onSpace = () => this.pump();
      await session.start(this.useDispatcher);
      // Calls in flight: as many bytes as the link holds without loss. A serial port may be a UART
      // with a small receive buffer and no flow control (a link that asks for pacing); USB CDC,
      // TCP, WebREPL and the virtual board have flow control.
      session.windowBytes = !this.pipeline || session.mode !== 'loop' ? 0 : link.pacing.pauseMs > 0 ? link.pacing.chunk : 4096;
      this._info = {
        ...this._info!, callPath: session.mode, resident: session.resident, window: session.windowBytes,
        ...(session.windowBytes ? {} : { windowOff: !this.pipeline ? 'turned off' : 'one raw exec per call: each call ends before the next' }),
      };
      const startup = this.opts.startup === undefined ? defaultStartup(this._info.implementation) : this.opts.startup;
      if (startup.trim()) await this.run({ op: 'define', src: startup, file: 'startup' });
      if (this.opts.syncTime !== false) await this.run({ op: 'define', src: setClockCode(new Date()), file: 'startup' }).catch(() => undefined);
      if (this.opts.setup?.trim()) await this.run({ op: 'define', src: this.opts.setup, file: 'setup' });
      // One definition that no longer compiles must not take the board down for every other user.
      await this.defs.sendAll(this.context());
      for (const [key, x] of this.extensions) await this.connectExtension(key, x).catch(() => undefined);
      this.attempt = 0;
      this.lastError = undefined;
      this.setState('connected', this._info);
      this.pump();
      return this._info;
    } catch (e) {
      const err = e instanceof BoardError ? e : hostError(this.label, 'ConnectionError', stripBoard(errorText(e), this.label, this.opts.port));
      this.lastError = err;
      if (link && this.link === link) {
        this.dropLink();
        await link.close().catch(() => undefined);
      }
      this.setState('disconnected', err);
      // A port that is not there (or not a port) fails what waits at once; a board that does not
      // answer yet keeps its callers until their own timeouts.
      if (this.absent) this.queue.failAll(err);
      this.scheduleReconnect();
      throw err;
    }
  }

  private dropLink(): void {
    this.session?.close(hostError(this.label, 'ConnectionError', 'connection lost'));
    this.session = undefined;
    this.link = undefined;
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
    const lost = hostError(this.label, 'ConnectionError', `connection lost${err ? ': ' + stripBoard(err.message, this.label, this.opts.port) : ''}`);
    this.session?.close(lost);
    this.session = undefined;
    this.link = undefined;
    this.threads.endAll('connection lost while the thread was running');
    if (this.closedForGood || !this.wantConnected) return;
    this.lastError = lost;
    this.setState('disconnected', lost);
    for (const j of this.queue.waiting) this.armWaitTimer(j as TimedJob);
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
      await withTimeout(this.queue.exclusive(() => this.shutdownBoard()), CLOSE_BUDGET.SHUTDOWN_MS).catch(() => undefined);
      this.dropLink();
      await withTimeout(link.close(), CLOSE_BUDGET.LINK_CLOSE_MS).catch(() => undefined);
    }
    this.threads.endAll();
    this.queue.failAll(hostError(this.label, 'ConnectionError', 'disconnected'));
    this.setState('disconnected');
  }

  private async shutdownBoard(): Promise<void> {
    const s = this.session;
    if (!s || s.dead) return;
    // Stop every thread at its next yield before teardown.
    if (this.threads.ids.length) await this.run({ op: 'expr', expr: `_bhalt(${toPython(this.threads.ids)})` }, 2).catch(() => undefined);
    await s.stopLoop();
    if (this.opts.teardown?.trim()) await this.run({ op: 'define', src: this.opts.teardown, file: 'teardown' }, 3).catch(() => undefined);
    if (!s.dead) await this.exitRaw();
  }

  private async exitRaw(): Promise<void> {
    const link = this.link;
    if (link) await link.write(Buffer.from([0x0d, 0x02])).catch(() => undefined);
  }

  /**
   * Interrupts the call running on the board (Ctrl-C): it fails with KeyboardInterrupt, the next
   * call starts the dispatcher again. Nothing happens while no call runs.
   */
  async interrupt(): Promise<void> {
    if (this.queue.busy && this.link && this.session && !this.session.dead) await this.link.write(Buffer.from([0x03]));
  }

  async close(): Promise<void> {
    await this.disconnect();
    this.closedForGood = true;
    this.setState('closed');
    this.removeAllListeners();
  }

  // ---------------------------------------------------------------- board info

  private async readInfo(repl: RawRepl): Promise<BoardCaps> {
    const reply = await repl.exec(agentPart('info'), 10000);
    const text = reply.stdout.toString('utf8');
    const m = /\x1eB(.*)/.exec(text);
    if (!m) throw hostError(this.label, 'ConnectionError', `could not read board info: ${reply.stderr.toString().trim() || text.trim() || 'no answer'}`);
    const [implementation, version, platform, machine, threads, compile, stdio, io, json, belayHash, memFree, stat] =
      parsePython(m[1].replace(/\r$/, '')) as [string, string, string, string, number, number, number, number, number, number, number, number];
    const hash = hashKind(belayHash);
    this._info = {
      implementation, version, platform, machine, threads: !!threads, rawPaste: repl.rawPasteSupported === true,
      memFree, folders: !!stat, callPath: 'exec', resident: [],
    };
    // Boards whose hash() is none of MicroPython's widths get the loop only with a CRC (core.py says).
    return { implementation, threads: !!threads, compile: !!compile, stdio: !!stdio, io: !!io, json: !!json, hash: hash ?? 'hash32', memFree, stat: !!stat };
  }

  // ---------------------------------------------------------------- the queue

  /** wait: seconds the job may wait for a connection (CallOptions.connectWait; 0 = no limit). */
  private enqueue<T>(run: () => Promise<T>, wait: number, pipelined = false): Promise<T> {
    if (this.closedForGood) return Promise.reject(hostError(this.label, 'ConnectionError', 'this board connection was closed'));
    if (this.absent && this.lastError) return Promise.reject(this.lastError);
    if (this.queue.length >= this.opts.maxQueue) {
      return Promise.reject(hostError(this.label, 'QueueFullError', `${this.queue.length} calls are already waiting; the board is not keeping up`));
    }
    return new Promise<T>((resolve, reject) => {
      const job: TimedJob = { run, resolve, reject, wait, pipelined };
      this.queue.add(job);
      if (this._state !== 'connected') this.armWaitTimer(job);
      if (!this.wantConnected) this.connect().catch(() => undefined);
      this.pump();
    });
  }

  /** A queued call waiting for a (re)connection fails after its own connect wait, saying why. */
  private armWaitTimer(job: TimedJob): void {
    if (job.waitTimer || job.wait <= 0) return;
    job.waitTimer = setTimeout(() => {
      if (!this.queue.remove(job)) return;
      const why = this.lastError ? `: ${this.lastError instanceof BoardError ? this.lastError.pyMessage : this.lastError.message}` : ` (${this._state})`;
      job.reject(hostError(this.label, 'TimeoutError', `not connected after ${job.wait} s${why}`));
    }, job.wait * 1000);
  }

  private pump(): void {
    const s = this.session;
    this.queue.pump(this._state === 'connected', () => !!s && s.canTake());
  }

  private timeoutOf(opts?: CallOptions): number {
    return opts?.timeout ?? this.opts.timeout;
  }

  private connectWaitOf(opts?: CallOptions): number {
    return opts?.connectWait ?? this.timeoutOf(opts);
  }

  // ---------------------------------------------------------------- requests

  /** One request through the session (the caller holds the queue, or is connecting). */
  private async run(r: Request, timeoutS = this.opts.timeout, onValue?: (v: unknown) => void): Promise<Reply> {
    const s = this.session;
    if (!s || s.dead) throw hostError(this.label, 'ConnectionError', 'not connected');
    try {
      return await s.request(r, timeoutS > 0 ? timeoutS * 1000 : 0, onValue);
    } catch (e) {
      throw e instanceof BoardError ? this.defs.nameFrames(e) : e;
    }
  }

  private toResult(r: Reply, opts?: CallOptions): CallResult {
    if (r.kind === 'G') return { value: r.values, stdout: r.stdout, generator: true, count: r.count };
    const value = r.kind === 'S' ? textOf(r.body) : resultValue(r.body);
    const result: CallResult = { value, stdout: r.stdout };
    if (opts?.repr) result.repr = r.kind === 'S' ? toPython(value) : r.body;
    return result;
  }

  // ---------------------------------------------------------------- public calls

  exec(code: string, opts?: CallOptions): Promise<CallResult> {
    const t = this.timeoutOf(opts);
    const run = async () => this.toResult(await this.run({ op: 'eval', src: code, file: opts?.file ?? 'exec' }, t, opts?.onValue), opts);
    // The first code with a long string literal leaves agent/long.py on the board (alone: the part
    // goes first); from then on such literals go apart from the code and long results as text.
    if (code.length > BIG_STRING && !this.session?.has('long')) {
      return this.enqueueCall(async () => {
        const s = this.session;
        if (s && s.mode === 'loop') await s.ensure('long');
        return run();
      }, opts, true);
    }
    return this.enqueueCall(run, opts);
  }

  /**
   * A call through the queue: pipelined, unless it has an abort signal; then it runs alone, and an
   * abort takes it out of the queue or interrupts it on the board.
   */
  private enqueueCall<T>(run: () => Promise<T>, opts: CallOptions | undefined, alone = false): Promise<T> {
    const signal = opts?.signal;
    if (!signal) return this.enqueue(run, this.connectWaitOf(opts), !alone);
    const cancelled = () => hostError(this.label, 'CancelledError', 'not run: it was cancelled before its turn');
    if (signal.aborted) return Promise.reject(cancelled());
    let running = false;
    const onAbort = () => {
      if (!running) {
        const job = this.queue.waiting.find((j) => j.run === guarded);
        if (job && this.queue.remove(job)) job.reject(cancelled());
        return;
      }
      const link = this.link;
      if (link && this.session && !this.session.dead) link.write(Buffer.from([0x03])).catch(() => undefined);
    };
    const guarded = async (): Promise<T> => {
      running = true;
      try {
        return await run();
      } finally {
        signal.removeEventListener('abort', onAbort);
      }
    };
    signal.addEventListener('abort', onAbort, { once: true });
    return this.enqueue(guarded, this.connectWaitOf(opts), false);
  }

  async define(key: string, source: string, label?: string): Promise<string> {
    return this.register(key, source, label, false);
  }

  async addSetup(key: string, source: string, label?: string): Promise<void> {
    await this.register(key, source, label, true);
  }

  private async register(key: string, source: string, label: string | undefined, setup: boolean): Promise<string> {
    const d = this.defs.add(key, source, label, setup);
    if (this._state === 'connected') await this.enqueue(() => this.defs.send(this.context(), key, d), this.opts.timeout);
    return d.name;
  }

  defined(key: string, opts?: CallOptions): Promise<string> {
    const now = this.defs.get(key);
    if (!now) return Promise.reject(hostError(this.label, 'ConfigError', `no definition is registered as ${key}`));
    // Connected with the definition sent: its fate is known, no need to queue behind running calls.
    if (this._state === 'connected' && now.state !== 'pending') return now.state === 'defined' ? Promise.resolve(now.name) : Promise.reject(now.error);
    return this.enqueue(async () => {
      const d = this.defs.get(key);
      if (!d) throw hostError(this.label, 'ConfigError', `no definition is registered as ${key}`);
      if (d.state === 'pending') await this.defs.send(this.context(), key, d);
      if (d.state === 'failed') throw d.error!;
      return d.name;
    }, this.connectWaitOf(opts));
  }

  /** How a definition stands on the board: pending (not sent yet), defined, or failed with its error. */
  definition(key: string): ReturnType<Definitions['state']> {
    return this.defs.state(key);
  }

  undefine(key: string): void {
    this.defs.remove(key);
  }

  /** Adds a board-side feature (see BoardExtension); connects it now when the board is connected. */
  async extend(key: string, x: BoardExtension): Promise<void> {
    this.extensions.set(key, x);
    if (this._state === 'connected') await this.enqueue(() => this.connectExtension(key, x), this.opts.timeout);
  }

  /** Forgets a feature; `cleanup` runs through the queue first when connected (unregistering it on the board). */
  async unextend(key: string, cleanup?: (ctx: BoardContext) => Promise<void>): Promise<void> {
    this.extensions.delete(key);
    if (cleanup && this._state === 'connected') {
      await this.enqueue(() => cleanup(this.context()), this.opts.timeout).catch(() => undefined);
    }
  }

  /** Runs `fn` on the board through the queue, with what a feature may do there. */
  withBoard<T>(fn: (ctx: BoardContext) => Promise<T>, opts?: CallOptions): Promise<T> {
    return this.enqueue(() => fn(this.context()), this.connectWaitOf(opts));
  }

  private async connectExtension(key: string, x: BoardExtension): Promise<void> {
    try {
      await x.connect(this.context());
    } catch (e) {
      const err = e instanceof BoardError ? e : hostError(this.label, 'ConnectionError', errorText(e));
      if (this.extensions.get(key) === x) this.emit('define-error', key, err);
      throw err;
    }
  }

  private context(): BoardContext {
    const s = this.session;
    if (!s || s.dead) throw hostError(this.label, 'ConnectionError', 'not connected');
    return {
      info: this._info!,
      mode: s.mode,
      ensure: (part) => s.ensure(part),
      has: (part) => s.has(part),
      // The host's own expressions print nothing: what came while one ran is the board's (a thread
      // that _bstart started and that printed before the start's answer went out).
      expr: async (e, timeoutS) => {
        const r = this.toResult(await this.run({ op: 'expr', expr: e }, timeoutS));
        if (r.stdout) this.emit('output', r.stdout);
        return r.value;
      },
      run: async (src, file, timeoutS) => this.toResult(await this.run({ op: 'eval', src, file }, timeoutS)).value,
      define: async (src, file, timeoutS) => { await this.run({ op: 'define', src, file }, timeoutS); },
      write: async (path, data, flags, timeoutS) => { await this.run({ op: 'write', path, data, flags }, timeoutS); },
      // serial ports and TCP carry raw bytes; WebREPL sends text frames, the virtual board is in process
      feed: /^(virtual|wss?:\/\/)/i.test(this.opts.port.trim()) ? undefined : async (name, args, answer, timeoutS) => {
        const link = this.link;
        if (s.mode !== 'loop' || !link) throw hostError(this.label, 'UnsupportedError', 'raw data needs the dispatcher loop');
        let failed: unknown;
        try {
          await this.run({ op: 'call', name, args, kwargs: {}, generator: true }, timeoutS, (v) => {
            try {
              const b = answer(v);
              if (b?.length) link.write(b).catch(() => undefined);
            } catch (e) {
              // the board waits for bytes that will not come: end its wait (KeyboardInterrupt)
              failed ??= e;
              link.write(Buffer.from([0x03])).catch(() => undefined);
            }
          });
        } catch (e) {
          throw failed ?? e;
        }
        if (failed) throw failed;
      },
    };
  }

  call(name: string, args: unknown[] = [], kwargs: Record<string, unknown> = {}, opts?: CallOptions): Promise<CallResult> {
    const t = this.timeoutOf(opts);
    const r: Request = { op: 'call', name, args, kwargs, generator: this.defs.isGenerator(name) };
    return this.enqueueCall(async () => this.toResult(await this.run(r, t, opts?.onValue), opts), opts);
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
    handlers: ThreadHandlers, opts?: CallOptions): Promise<ThreadHandle> {
    const t = this.timeoutOf(opts);
    return this.enqueue(async () => {
      const tid = await this.threads.start(this.context(), name, args ?? [], kwargs ?? {}, handlers, t);
      return { id: tid, stop: () => this.stopThread(tid) } satisfies ThreadHandle;
    }, this.connectWaitOf(opts));
  }

  runningThreads(): ThreadInfo[] {
    return this.threads.list();
  }

  private async stopThread(tid: number): Promise<void> {
    if (!this.threads.has(tid)) return;
    await this.enqueue(() => this.run({ op: 'expr', expr: `_bhalt([${tid}])` }, 5), 5).catch(() => undefined);
    await withTimeout(this.threads.ended(tid), CLOSE_BUDGET.THREAD_STOP_MS).catch(() => undefined);
  }

  sync(opts: SyncOptions, onProgress?: (p: SyncProgress) => void, callOpts?: CallOptions): Promise<SyncResult> {
    const t = this.timeoutOf(callOpts);
    return this.enqueue(async () => {
      const info = this._info!;
      if (this.threads.ran && rp2FlashHangs(info)) {
        throw hostError(this.label, 'UnsupportedError', `MicroPython ${info.version} on rp2 can hang in a flash write after a thread ran (micropython#16619): ` +
          'reset the board (power or machine.reset()) before syncing, or update the firmware to 1.25 or later');
      }
      return runSync(this.context(), opts, onProgress, this.label, t);
    }, this.connectWaitOf(callOpts));
  }
}

interface TimedJob extends Job {
  /** seconds it may wait for a connection; 0 = no limit */
  wait: number;
}

/**
 * Python that sets the board's clock to the host's local time (Belay's auto_sync_time), where the
 * board has one: machine.RTC on MicroPython, rtc.RTC on CircuitPython; nothing elsewhere.
 */
export function setClockCode(d: Date): string {
  const [y, mo, day, h, mi, s] = [d.getFullYear(), d.getMonth() + 1, d.getDate(), d.getHours(), d.getMinutes(), d.getSeconds()];
  const wd = (d.getDay() + 6) % 7; // Monday = 0, as both ports count
  const yd = Math.floor((Date.UTC(y, mo - 1, day) - Date.UTC(y, 0, 1)) / 86400000) + 1;
  return [
    'try:',
    `    __import__('machine').RTC().datetime((${y}, ${mo}, ${day}, ${wd}, ${h}, ${mi}, ${s}, 0))`,
    'except Exception:',
    '    try:',
    `        __import__('rtc').RTC().datetime = __import__('time').struct_time((${y}, ${mo}, ${day}, ${h}, ${mi}, ${s}, ${wd}, ${yd}, -1))`,
    '    except Exception:',
    '        pass',
  ].join('\n');
}

/** A call's result; small ints, the commonest, skip the literal parser. */
function resultValue(body: string): unknown {
  if (body.length < 16 && /^-?\d+$/.test(body)) return Number(body) || 0;
  return parsePython(body);
}

function errorText(e: unknown): string {
  return e instanceof BoardError ? e.pyMessage : e instanceof Error ? e.message : String(e);
}

/** "port: port: message" reads badly: the board is named once, by BoardError. */
function stripBoard(message: string, ...names: string[]): string {
  let m = message;
  for (let again = true; again;) {
    again = false;
    for (const n of names) {
      if (n && m.startsWith(`${n}: `)) { m = m.slice(n.length + 2); again = true; }
    }
  }
  return m;
}

export { ProtocolError };

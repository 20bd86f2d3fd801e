/**
 * Board-side callbacks as events on the host: the host half of agent/events.py, as a
 * BoardExtension of one Device. Each source (an event node) is Python code, run on the board on
 * every connect in its own copy of the globals, where emit(value, topic) sends one event. A source
 * can be switched off (its IRQ handlers set to None, its timers deinit) and on (its code runs again),
 * and removed.
 *
 *   const events = BoardEvents.of(device);
 *   await events.define('btn', "Pin(14, Pin.IN).irq(lambda p: emit(p.value()))", {
 *     onEvent: (e) => console.log(e.value, e.time), onError: (err) => console.error(err),
 *   });
 *
 * Frames: V<source id> (value, topic, ticks_ms, dropped) for an event, V<source id> (ticks_ms,
 * (type, message, traceback)) for an error in a callback. The board's ticks_ms are turned into host
 * time by a clock estimate (BoardClock) made on connect and narrowed by every event and a probe now
 * and then.
 *
 * A callback's error is caught on the board by a wrapper around it, so it reaches its source even
 * while another node's call runs (the firmware would print it into that call's output): before the
 * code goes to the board, wrapHandlers() hands what it gives to `.irq(...)`, `callback=`,
 * `handler=` and `schedule(...)` to the agent's _bvw.
 */
import type { BoardContext, BoardExtension } from './device';
import { parsePython, toPython } from './python/literal';
import { tokenize, type Token } from './python/tokens';
import { cleanTraceback } from './session';
import { BoardError, describeBoard, type BoardInfo, type CallOptions } from './types';
import type { Frame } from './wire';

/** One event as the host sees it. */
export interface BoardEvent {
  value: unknown;
  /** the topic given to emit(), or null */
  topic: string | null;
  /** the board's ticks_ms() at the emit */
  boardMs: number;
  /** the host time (ms since the epoch) the emit corresponds to */
  time: number;
  /** events of this source dropped (on the board or the host) since the last one delivered */
  dropped: number;
}

export interface EventHandlers {
  onEvent(e: BoardEvent): void;
  /** an error in the source's code or in one of its callbacks (once per distinct error per second) */
  onError(err: BoardError): void;
}

/** What the extension needs of a Device (the board layer's Device has all of it). */
export interface ExtensibleDevice {
  readonly label: string;
  readonly state: string;
  readonly info: BoardInfo | undefined;
  readonly queueLength: number;
  extend(key: string, x: BoardExtension): Promise<void>;
  withBoard<T>(fn: (ctx: BoardContext) => Promise<T>, opts?: CallOptions): Promise<T>;
  /** what the board printed outside any call: where the firmware reports an unwrapped handler's error */
  on?(event: 'output', fn: (text: string) => void): unknown;
}

export interface EventOptions {
  /** ring entries on the board (default 64) */
  boardQueue?: number;
  /** events waiting on the host to be delivered before the oldest are dropped (default 1000) */
  hostQueue?: number;
  /** ms between clock probes while connected (default 30 s; 0 = only on connect) */
  probeMs?: number;
}

interface Source {
  id: number;
  key: string;
  code: string;
  file: string;
  enabled: boolean;
  handlers: EventHandlers;
  /** dropped on the host since the last delivered event */
  dropped: number;
  /** last report time per distinct error */
  errors: Map<string, number>;
}

/** Events delivered per turn of the host's event loop before it gets a turn of its own. */
const BATCH = 64;
const ERROR_EVERY_MS = 1000;
/** How fast two crystals may drift apart, for how much an old clock bound loosens (per ms). */
const DRIFT = 500e-6;

const NOT_CODE = new Set<Token['kind']>(['ws', 'comment', 'newline', 'cont']);
/** Names before a '(' that make it no call (or a definition, whose defaults are not handlers). */
const NOT_CALLS = new Set(['and', 'as', 'assert', 'await', 'def', 'class', 'del', 'elif', 'else', 'except', 'for', 'from',
  'global', 'if', 'import', 'in', 'is', 'lambda', 'nonlocal', 'not', 'or', 'raise', 'return', 'while', 'with', 'yield']);
const HANDLER_KEYWORDS = new Set(['callback', 'handler']);

/**
 * The node's code with every handler it registers handed to `_bvw(...)` first: the first positional
 * argument of a `.irq(...)` or `schedule(...)` call, and any call's `callback=` or `handler=`
 * keyword (Pin.irq, Timer and Timer.init, rp2's StateMachine.irq, micropython.schedule). Nothing
 * else changes, not even a line break, so the board's tracebacks keep the node's own lines. A
 * handler registered out of sight (by a module the code imports) is not wrapped: its error is what
 * the firmware prints, which reaches the source only while the board is idle.
 */
export function wrapHandlers(code: string): string {
  const t = tokenize(code);
  const before = new Map<number, string>();
  const after = new Map<number, string>();
  const isCode = (i: number) => !NOT_CODE.has(t[i].kind);
  const prev = (i: number) => { for (let j = i - 1; j >= 0; j--) if (isCode(j)) return j; return -1; };
  const next = (i: number) => { for (let j = i + 1; j < t.length; j++) if (isCode(j)) return j; return t.length; };
  const wrap = (from: number, to: number) => {
    before.set(from, (before.get(from) ?? '') + '_bvw(');
    after.set(to, `)${after.get(to) ?? ''}`);
  };
  for (let i = 0; i < t.length; i++) {
    if (t[i].text !== '(') continue;
    const p = prev(i);
    const callee = p >= 0 ? t[p] : undefined;
    if (!callee || !(callee.kind === 'name' || callee.kind === 'close') || NOT_CALLS.has(callee.text)) continue;
    if (callee.kind === 'name' && t[prev(p)]?.text === 'def') continue;
    const pp = prev(p);
    const positional = callee.text === 'schedule' || (callee.text === 'irq' && pp >= 0 && t[pp].text === '.');
    // the arguments, split at the commas of this call (a lambda's parameters hold commas of its own)
    const args: [number, number][] = [];
    let depth = 0, lambdas = 0, start = -1, last = -1, end = -1;
    for (let j = i + 1; j < t.length; j++) {
      const k = t[j];
      if (!isCode(j)) continue;
      if (depth === 0 && (k.text === ')' || (k.text === ',' && lambdas === 0))) {
        if (start >= 0) args.push([start, last]);
        start = -1;
        if (k.text === ')') { end = j; break; }
        continue;
      }
      if (k.kind === 'open') depth++;
      else if (k.kind === 'close') depth--;
      else if (depth === 0 && k.text === 'lambda') lambdas++;
      else if (depth === 0 && k.text === ':' && lambdas > 0 && t[j + 1]?.text !== '=') lambdas--;
      if (start < 0) start = j;
      last = j;
    }
    if (end < 0) continue;
    let n = 0;
    for (const [a, b] of args) {
      if (t[a].text === '*') { n++; continue; }
      const eq = next(a);
      if (t[a].kind === 'name' && eq <= b && t[eq].text === '=' && t[eq + 1]?.text !== '=') {
        if (HANDLER_KEYWORDS.has(t[a].text) && next(eq) <= b) wrap(next(eq), b);
        continue;
      }
      if (positional && n === 0) wrap(a, b);
      n++;
    }
  }
  return t.map((k, i) => `${before.get(i) ?? ''}${k.text}${after.get(i) ?? ''}`).join('');
}

/**
 * Board ticks → host time. The offset (host ms − board ms) lies between bounds: a probe that asked
 * for ticks_ms at host time `sent` and had its answer at `got` says sent − t ≤ offset ≤ got − t;
 * an event emitted at t and received at `arrived` says offset ≤ arrived − t. Bounds loosen with
 * age (drift), the newest wins where they cross, the estimate is their middle.
 */
export class BoardClock {
  private lo = -Infinity;
  private hi = Infinity;
  private at = 0;
  /** ticks_ms wraps at this (2**30 on MicroPython, 2**29 on CircuitPython) */
  period = 2 ** 30;
  /** board ticks of the last reading, unwrapped, and the unwrapped count at `base` */
  private lastTicks: number | undefined;
  private turns = 0;

  get known(): boolean {
    return Number.isFinite(this.lo) || Number.isFinite(this.hi);
  }

  reset(period: number): void {
    this.lo = -Infinity;
    this.hi = Infinity;
    this.period = period;
    this.lastTicks = undefined;
    this.turns = 0;
  }

  private age(now: number): void {
    const d = (now - this.at) * DRIFT;
    this.lo -= d;
    this.hi += d;
    this.at = now;
  }

  /** Board ticks as a count that does not wrap (ticks arrive roughly in order). */
  private unwrap(ticks: number): number {
    if (this.lastTicks !== undefined && ticks < this.lastTicks - this.period / 2) this.turns++;
    else if (this.lastTicks !== undefined && ticks > this.lastTicks + this.period / 2 && this.turns > 0) {
      return ticks + (this.turns - 1) * this.period;
    }
    this.lastTicks = ticks;
    return ticks + this.turns * this.period;
  }

  probe(sent: number, got: number, ticks: number): void {
    this.age(got);
    const t = this.unwrap(ticks);
    this.raiseLo(sent - t);
    this.lowerHi(got - t);
  }

  /** An event emitted at `ticks` arrived at host time `arrived`: returns its host time. */
  event(ticks: number, arrived: number): number {
    this.age(arrived);
    const t = this.unwrap(ticks);
    this.lowerHi(arrived - t);
    return Math.round(t + this.offset(arrived - t));
  }

  private offset(fallback: number): number {
    if (Number.isFinite(this.lo) && Number.isFinite(this.hi)) return (this.lo + this.hi) / 2;
    if (Number.isFinite(this.hi)) return this.hi;
    if (Number.isFinite(this.lo)) return this.lo;
    return fallback;
  }

  private raiseLo(v: number): void {
    if (v > this.lo) this.lo = v;
    if (this.hi < this.lo) this.hi = this.lo;
  }

  private lowerHi(v: number): void {
    if (v < this.hi) this.hi = v;
    if (this.lo > this.hi) this.lo = this.hi;
  }

  /** the width of the bounds, ms (Infinity while one is missing) */
  get uncertainty(): number {
    return this.hi - this.lo;
  }
}

const registry = new WeakMap<object, BoardEvents>();

/** The events of one board: every event source (node) on it, one BoardExtension. */
export class BoardEvents implements BoardExtension {
  /** The one BoardEvents of a device, made (and added to it) on first use. */
  static of(device: ExtensibleDevice, opts?: EventOptions): BoardEvents {
    let x = registry.get(device);
    if (!x) {
      x = new BoardEvents(device, opts);
      registry.set(device, x);
    }
    return x;
  }

  readonly clock = new BoardClock();
  private readonly sources = new Map<string, Source>();
  private readonly byId = new Map<number, Source>();
  private nextId = 1;
  private added: Promise<void> | undefined;
  /** the sources on the board on this connection, by id */
  private onBoard = new Set<number>();
  private queue: { s: Source; e: BoardEvent }[] = [];
  private draining = false;
  private probeTimer: NodeJS.Timeout | undefined;
  private readonly boardQueue: number;
  private readonly hostQueue: number;
  private readonly probeMs: number;
  /** whether the board can have events at all on this connection (undefined: not connected yet) */
  private unsupported: BoardError | undefined;

  private constructor(private readonly device: ExtensibleDevice, opts: EventOptions = {}) {
    this.boardQueue = Math.max(4, Math.floor(opts.boardQueue ?? 64));
    this.hostQueue = Math.max(1, Math.floor(opts.hostQueue ?? 1000));
    this.probeMs = opts.probeMs ?? 30000;
    device.on?.('output', (text) => this.onOutput(text));
  }

  private printed = '';

  /**
   * A handler that wrapHandlers() did not see (registered by a module the code imports) is the
   * firmware's to call, so its error is what the firmware prints, outside any call when the board
   * was idle: a traceback naming a source's file is that source's error.
   */
  private onOutput(text: string): void {
    this.printed = (this.printed + text).slice(-8192);
    const re = /Traceback \(most recent call last\):\n((?: {2}File .*\n)+)([A-Za-z_][\w.]*)(?:: (.*))?\n/g;
    let end = 0;
    for (let m = re.exec(this.printed); m; m = re.exec(this.printed)) {
      end = re.lastIndex;
      for (const s of this.sources.values()) {
        const own = m[1].split('\n').filter((l) => l.startsWith(`  File "${s.file}"`));
        if (own.length === 0) continue;
        const tb = `Traceback (most recent call last):\n${own.join('\n')}\n${m[2]}${m[3] ? `: ${m[3]}` : ''}\n`;
        this.reportError(s, new BoardError(this.device.label, m[2], m[3] ?? '', tb));
        break;
      }
    }
    this.printed = this.printed.slice(end);
    const start = this.printed.lastIndexOf('Traceback (');
    this.printed = start >= 0 ? this.printed.slice(start) : this.printed.slice(-32);
  }

  private ensureAdded(): Promise<void> {
    this.added ??= this.device.extend('events', this);
    return this.added;
  }

  // ------------------------------------------------------------ sources

  /**
   * Adds or replaces a source: its code runs on the board now when connected (resolving once it
   * has, rejecting with its error) and again on every connect.
   */
  async define(key: string, code: string, handlers: EventHandlers, file = key): Promise<void> {
    const old = this.sources.get(key);
    const s: Source = {
      id: old?.id ?? this.nextId++, key, code, file: file.replace(/["\\\r\n]/g, '_'), enabled: old?.enabled ?? true,
      handlers, dropped: 0, errors: new Map(),
    };
    this.sources.set(key, s);
    this.byId.set(s.id, s);
    const first = !this.added;
    await this.ensureAdded();
    // the first define adds the extension, whose connect registers every source (this one too)
    if (!first && this.device.state === 'connected' && s.enabled) await this.device.withBoard((ctx) => this.register(ctx, s));
  }

  /** Switches a source off (its handlers go on the board) or on (its code runs again). */
  async enable(key: string, on: boolean, opts?: CallOptions): Promise<void> {
    const s = this.sources.get(key);
    if (!s || s.enabled === on) return;
    s.enabled = on;
    if (this.device.state !== 'connected') return;
    await this.device.withBoard((ctx) => (on ? this.register(ctx, s) : this.unregister(ctx, s)), opts);
  }

  /** Removes a source; its handlers go on the board when connected. */
  async remove(key: string): Promise<void> {
    const s = this.sources.get(key);
    if (!s) return;
    this.sources.delete(key);
    this.byId.delete(s.id);
    this.queue = this.queue.filter((q) => q.s !== s);
    if (this.onBoard.has(s.id) && this.device.state === 'connected') {
      await this.device.withBoard((ctx) => this.unregister(ctx, s)).catch(() => undefined);
    }
    this.onBoard.delete(s.id);
    if (this.sources.size === 0) this.stopProbes();
  }

  isEnabled(key: string): boolean | undefined {
    return this.sources.get(key)?.enabled;
  }

  /** What the board has registered: ([source ids on], idle sources, ring entries, errors lost). */
  boardState(): Promise<[number[], number, number, number]> {
    return this.device.withBoard(async (ctx) => {
      this.check(ctx.info);
      return await ctx.expr('_bvstat()') as [number[], number, number, number];
    });
  }

  /** The board-side id of a source (the V frames' id), for tests. */
  idOf(key: string): number | undefined {
    return this.sources.get(key)?.id;
  }

  // ------------------------------------------------------------ the extension

  async connect(ctx: BoardContext): Promise<void> {
    this.onBoard.clear();
    this.unsupported = undefined;
    try {
      this.check(ctx.info);
    } catch (e) {
      this.unsupported = e as BoardError;
      for (const s of this.sources.values()) s.handlers.onError(this.unsupported);
      return;
    }
    await ctx.ensure('events');
    await ctx.expr(`_bvinit(${this.boardQueue})`);
    this.clock.reset(2 ** 30);
    await this.probe(ctx, 3);
    for (const s of this.sources.values()) {
      if (s.enabled) await this.register(ctx, s).catch(() => undefined);
    }
    this.startProbes();
  }

  frame(f: Frame): void {
    const arrived = Date.now();
    const s = this.byId.get(Number(f.id));
    if (!s) return;
    let v: unknown;
    try {
      v = parsePython(f.body);
    } catch {
      return;
    }
    if (!Array.isArray(v)) return;
    if (v.length === 2) {
      const [ticks, [type, message, tb]] = v as [number, [string, string, string]];
      const err = new BoardError(this.device.label, type, message, cleanTraceback(tb, s.file));
      // dated by the board: how often an error repeats is the board's, whatever the link delays
      this.reportError(s, err, this.clock.event(Number(ticks), arrived));
      return;
    }
    const [value, topic, ticks, dropped] = v as [unknown, string | null, number, number];
    if (!s.enabled) return;
    const boardMs = Number(ticks);
    const e: BoardEvent = { value, topic: topic ?? null, boardMs, time: this.clock.event(boardMs, arrived), dropped: Number(dropped) || 0 };
    if (this.queue.length >= this.hostQueue) {
      const old = this.queue.shift()!;
      old.s.dropped += 1 + old.e.dropped;
    }
    this.queue.push({ s, e });
    if (!this.draining) {
      this.draining = true;
      setImmediate(this.drain);
    }
  }

  /** Delivers queued events a batch at a time, so a flood leaves the event loop room. */
  private readonly drain = (): void => {
    const batch = this.queue.splice(0, BATCH);
    for (const { s, e } of batch) {
      if (this.byId.get(s.id) !== s || !s.enabled) continue;
      if (s.dropped) {
        e.dropped += s.dropped;
        s.dropped = 0;
      }
      try {
        s.handlers.onEvent(e);
      } catch {
        // a handler's own failure is its own business
      }
    }
    if (this.queue.length) setImmediate(this.drain);
    else this.draining = false;
  };

  // ------------------------------------------------------------ board work

  private check(info: BoardInfo): void {
    if (info.callPath !== 'loop') {
      throw new BoardError(this.device.label, 'UnsupportedError',
        `this board (${describeBoard(info)}) takes one raw exec per call, with nothing resident between calls: board events need the agent's loop, which does not run on it`);
    }
  }

  private async register(ctx: BoardContext, s: Source): Promise<void> {
    if (this.unsupported) throw this.unsupported;
    this.check(ctx.info);
    const r = await ctx.expr(`_bvdef(${s.id},${toPython(wrapHandlers(s.code))},${toPython(s.file)})`);
    if (Array.isArray(r)) {
      const [type, message, tb] = r as [string, string, string];
      const err = new BoardError(this.device.label, type, message, cleanTraceback(tb, s.file));
      s.handlers.onError(err);
      throw err;
    }
    this.onBoard.add(s.id);
  }

  private async unregister(ctx: BoardContext, s: Source): Promise<void> {
    this.onBoard.delete(s.id);
    const r = await ctx.expr(`_bvoff(${s.id})`);
    if (Array.isArray(r)) {
      const [type, message, tb] = r as [string, string, string];
      this.reportError(s, new BoardError(this.device.label, type, message, cleanTraceback(tb, s.file)));
    }
  }

  /** Asks the board for its ticks `n` times; the clock keeps what each says. */
  private async probe(ctx: BoardContext, n: number): Promise<void> {
    for (let i = 0; i < n; i++) {
      const sent = Date.now();
      const [ticks, period] = await ctx.expr('_bvclk()', 5) as [number, number];
      const got = Date.now();
      if (this.clock.period !== period) this.clock.reset(period);
      this.clock.probe(sent, got, ticks);
    }
  }

  private startProbes(): void {
    this.stopProbes();
    if (!this.probeMs) return;
    this.probeTimer = setInterval(() => {
      // only while the board has nothing else to do: a probe must not delay anyone's call
      if (this.device.state !== 'connected' || this.device.queueLength > 0 || this.sources.size === 0) return;
      this.device.withBoard((ctx) => this.probe(ctx, 1), { timeout: 5 }).catch(() => undefined);
    }, this.probeMs);
    this.probeTimer.unref();
  }

  private stopProbes(): void {
    clearInterval(this.probeTimer);
    this.probeTimer = undefined;
  }

  /** Once per distinct error per second at most (`now`: when it happened, host ms). */
  private reportError(s: Source, err: BoardError, now = Date.now()): void {
    const id = `${err.type}\n${err.pyMessage}\n${err.traceback}`;
    const last = s.errors.get(id);
    if (last !== undefined && now - last < ERROR_EVERY_MS) return;
    s.errors.set(id, now);
    if (s.errors.size > 100) {
      for (const [k, t] of s.errors) if (now - t >= ERROR_EVERY_MS) s.errors.delete(k);
    }
    s.handlers.onError(err);
  }
}

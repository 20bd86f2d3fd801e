/**
 * The background threads of one board (agent/threads.py on the board): starting one, the frames
 * that report what it yields, prints, returns or raises, and ending them all when the link goes.
 */
import type { BoardContext } from './context';
import type { Frame } from './wire';
import { toPython, parsePython } from './python/literal';
import { checkName } from './wire';
import { BoardError, type ThreadHandlers, type ThreadInfo } from './types';

/** What the Device hears of every thread, whoever started it (the belay tab lists them). */
export interface ThreadWatch {
  /** a thread started or ended */
  changed(threads: ThreadInfo[]): void;
  printed(thread: ThreadInfo, line: string): void;
}

interface ThreadEntry {
  info: ThreadInfo;
  handlers: ThreadHandlers;
  ended: Promise<void>;
  end: () => void;
}

export class BoardThreads {
  private readonly threads = new Map<number, ThreadEntry>();
  private nextTid = 1;
  /** a thread has run on this board since we know it (rp2 before 1.25: micropython#16619) */
  ran = false;

  constructor(private readonly board: string, private readonly watch?: ThreadWatch) {}

  /** the threads running now, oldest first */
  list(): ThreadInfo[] {
    return [...this.threads.values()].map((t) => t.info);
  }

  /** threads the board has not reported ended */
  get size(): number {
    return this.threads.size;
  }

  get ids(): number[] {
    return [...this.threads.keys()];
  }

  has(tid: number): boolean {
    return this.threads.has(tid);
  }

  /** Starts `name(*args, **kwargs)` in a board thread; resolves with its id once it runs. */
  async start(ctx: BoardContext, name: string, args: unknown[], kwargs: Record<string, unknown>, handlers: ThreadHandlers,
    timeoutS: number): Promise<number> {
    const info = ctx.info;
    if (!info.threads) {
      throw new BoardError(this.board, 'UnsupportedError', `this board (${info.implementation} ${info.version} on ${info.platform}) has no _thread module: threads cannot run on it`);
    }
    checkName(name);
    await ctx.ensure('threads');
    const tid = this.nextTid++;
    let end!: () => void;
    const ended = new Promise<void>((resolve) => { end = resolve; });
    this.threads.set(tid, { info: { id: tid, name, since: Date.now() }, handlers, ended, end });
    try {
      await ctx.expr(`_bstart(${tid}, ${name}, ${toPython(args)}, ${toPython(kwargs)})`, timeoutS);
    } catch (e) {
      this.threads.delete(tid);
      throw e;
    }
    this.ran = true;
    this.watch?.changed(this.list());
    return tid;
  }

  /** Resolves when the thread has ended (at once for one that has). */
  ended(tid: number): Promise<void> {
    return this.threads.get(tid)?.ended ?? Promise.resolve();
  }

  /** A Y/P/X/D frame; `error` turns an X frame's body into the thread's error. */
  frame(f: Frame, error: (body: string) => BoardError): void {
    const tid = Number(f.id);
    const th = this.threads.get(tid);
    if (!th) return;
    switch (f.kind) {
      case 'Y': th.handlers.onYield(parsePython(f.body)); return;
      case 'P': {
        const line = String(parsePython(f.body));
        th.handlers.onPrint(line);
        this.watch?.printed(th.info, line);
        return;
      }
      case 'X': th.handlers.onError(error(f.body)); break;
      case 'D': {
        const v = parsePython(f.body);
        if (v !== null) th.handlers.onReturn?.(v);
        break;
      }
      default: return;
    }
    this.threads.delete(tid);
    th.handlers.onEnd();
    th.end();
    this.watch?.changed(this.list());
  }

  /** Ends every thread's handlers (the link is gone or closed); `why` is told as their error. */
  endAll(why?: string): void {
    if (this.threads.size === 0) return;
    for (const [tid, t] of this.threads) {
      if (why) t.handlers.onError(new BoardError(this.board, 'ConnectionError', why));
      t.handlers.onEnd();
      t.end();
      this.threads.delete(tid);
    }
    this.watch?.changed([]);
  }
}

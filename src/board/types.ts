/** Shared types of the board layer: what the Node-RED nodes (or any other user) see. */

/** What a board says about itself, read once per connect. */
export interface BoardInfo {
  /** 'micropython' | 'circuitpython' | other sys.implementation.name */
  implementation: string;
  /** e.g. "1.27.0" */
  version: string;
  /** sys.platform, e.g. "rp2", "esp32", "webassembly" */
  platform: string;
  /** sys.implementation._machine where available, e.g. "Raspberry Pi Pico with RP2040" */
  machine: string;
  /** whether `import _thread` works */
  threads: boolean;
  /** whether the board accepted raw-paste mode */
  rawPaste: boolean;
  /** heap free after connect and gc.collect(), before the agent (bytes) */
  memFree: number;
  /** whether the filesystem has folders (os.stat); false on a flat one such as the micro:bit's */
  folders: boolean;
  /** how calls reach the board: the agent's dispatcher loop, or one raw-REPL exec per call */
  callPath: 'loop' | 'exec';
  /** the agent's parts left on the board on this connection (see README for their sizes) */
  resident: string[];
  /** bytes of calls that may be on their way to the board at once; 0 = one call at a time */
  window?: number;
  /** why calls go one at a time, when they do */
  windowOff?: string;
}

/** Short text for statuses: "MicroPython 1.27.0 on rp2". */
export function describeBoard(info: BoardInfo): string {
  const impl = info.implementation === 'circuitpython' ? 'CircuitPython'
    : info.implementation === 'micropython' ? 'MicroPython' : info.implementation;
  return `${impl} ${info.version} on ${info.platform}`;
}

export type DeviceState = 'idle' | 'connecting' | 'connected' | 'disconnected' | 'closed';

export interface DeviceOptions {
  /** Port form: serial path, ws://host[:port], tcp://host:port, virtual, virtual:NAME */
  port: string;
  baud?: number;
  password?: string;
  /** Python run after every connect before setup; undefined = Belay's convenience imports fitting the board; '' = none */
  startup?: string;
  setup?: string;
  teardown?: string;
  softReset?: boolean;
  /** set the board's clock (RTC) from the host's on every connect, where the board has one; default true */
  syncTime?: boolean;
  reconnect?: boolean;
  /** seconds per call, 0 = no limit */
  timeout?: number;
  /** largest number of queued calls before new ones are refused */
  maxQueue?: number;
  /** optional label used in error messages instead of the port */
  name?: string;
}

/** Per-call options. */
/**
 * A call waits in three places: for the board to connect or reconnect (connectWait), in the queue
 * behind other calls (no time limit: the queue's length is bounded by maxQueue, and each call ahead
 * has its own timeout), and on the board while it runs (timeout).
 */
export interface CallOptions {
  /** seconds the call may run on the board; overrides the device default; 0 = no limit */
  timeout?: number;
  /**
   * seconds the call may wait for the board to connect or reconnect before it fails with a
   * TimeoutError that says why the board is not there; default: `timeout`; 0 = no limit. A port
   * that does not exist fails at once, whatever this says.
   */
  connectWait?: number;
  /**
   * Aborting it cancels the call: one still waiting fails with CancelledError without having run,
   * one running on the board is interrupted (Ctrl-C) and fails with the board's KeyboardInterrupt.
   * A call with a signal runs alone on the board (no other call in flight beside it), so the
   * Ctrl-C stops it and nothing else.
   */
  signal?: AbortSignal;
  /** when the called function turns out to be a generator, each value is handed here as it arrives */
  onValue?: (value: unknown) => void;
  /** also give the value as the board wrote it (CallResult.repr), as a REPL shows it */
  repr?: boolean;
  /** exec: the file name tracebacks give the code (e.g. the node's label) */
  file?: string;
}

/** The result of exec/call: the value (Python → JS per CONTRACT) and what the code printed. */
export interface CallResult {
  /** the return value; for a generator without onValue, the list of its values */
  value: unknown;
  stdout: string;
  /** true when the function returned a generator (its values were streamed) */
  generator?: boolean;
  /** number of values a generator produced */
  count?: number;
  /** with CallOptions.repr: the value's repr() on the board, e.g. Pin(GPIO25) or {1: (2, 3.5)} */
  repr?: string;
}

/** A Python exception or protocol failure, with the board named. */
export class BoardError extends Error {
  /** Python exception class name (e.g. 'ZeroDivisionError'), or for host-side failures one of ConnectionError, TimeoutError, QueueFullError, ConfigError, ProtocolError, CancelledError, UnsupportedError */
  type: string;
  /** the exception message without the type prefix */
  pyMessage: string;
  /** traceback text with line numbers mapped to the user's own code ('' when there is none) */
  traceback: string;
  /** the board's label or port */
  board: string;
  /** what the call printed before it failed ('' for none, and for host-side failures) */
  stdout = '';
  constructor(board: string, type: string, pyMessage: string, traceback = '') {
    super(`${board}: ${type}${pyMessage ? ': ' + pyMessage : ''}`);
    this.name = 'BoardError';
    this.board = board;
    this.type = type;
    this.pyMessage = pyMessage;
    this.traceback = traceback;
  }
  /** The shape put on msg.error by the nodes. */
  toJSON(): { type: string; message: string; traceback: string; board: string } {
    return { type: this.type, message: this.pyMessage, traceback: this.traceback, board: this.board };
  }
}

/** Handlers for a background thread's events. */
export interface ThreadHandlers {
  /** a value the thread function yielded */
  onYield(value: unknown): void;
  /** one line the thread printed (without the newline) */
  onPrint(line: string): void;
  /** the thread raised; err carries type, message and node-relative traceback */
  onError(err: BoardError): void;
  /** the thread function returned a value other than None (before onEnd) */
  onReturn?(value: unknown): void;
  /** the thread returned or was stopped */
  onEnd(): void;
}

export interface SyncOptions {
  /** absolute host folder */
  source: string;
  /** board folder, default '/' */
  dest?: string;
  /** board paths never deleted (absolute, or relative to dest) */
  keep?: string[];
  /** gitignore-style patterns */
  ignore?: string[];
  /** strip comments and docstrings from .py files, keeping line numbers; default true */
  minify?: boolean;
}

export interface SyncResult {
  uploaded: string[];
  deleted: string[];
  unchanged: string[];
  bytes: number;
  ms: number;
}

export interface SyncProgress {
  done: number;
  total: number;
  path?: string;
}

/** A running background thread on the board. */
/** A thread running on the board, as the board layer knows it. */
export interface ThreadInfo {
  readonly id: number;
  /** the function it runs */
  readonly name: string;
  /** when it started (ms since the epoch) */
  readonly since: number;
}

export interface ThreadHandle {
  readonly id: number;
  /** Asks the thread to return at its next yield; resolves when it has ended (or after the timeout). */
  stop(): Promise<void>;
}

/**
 * The Device API (implemented by src/board/device.ts): one board, one FIFO of calls.
 *
 * Events:
 *  - 'state' (state: DeviceState, detail?: BoardInfo | Error)
 *  - 'queue' (length: number)          calls waiting or running, for "busy (3)" statuses
 *  - 'output' (text: string)           what the board printed outside any call and outside any thread
 *  - 'threads' (threads: ThreadInfo[])  a thread started or ended: the ones running now
 *  - 'thread-print' (thread: ThreadInfo, line: string)  a line a thread printed (also handed to its onPrint)
 *  - 'define-error' (key: string, err: BoardError)  a registered definition failed when replayed on
 *                                       (re)connect; the connection itself goes on
 */
export interface DeviceApi {
  readonly label: string;
  readonly state: DeviceState;
  readonly info: BoardInfo | undefined;
  readonly queueLength: number;
  on(event: 'state', fn: (state: DeviceState, detail?: BoardInfo | Error) => void): this;
  on(event: 'queue', fn: (length: number) => void): this;
  on(event: 'output', fn: (text: string) => void): this;
  on(event: 'define-error', fn: (key: string, err: BoardError) => void): this;
  on(event: 'threads', fn: (threads: ThreadInfo[]) => void): this;
  on(event: 'thread-print', fn: (thread: ThreadInfo, line: string) => void): this;
  off(event: string, fn: (...args: any[]) => void): this;

  /** Connects (link, raw REPL, soft reset, startup, setup, every defined function). */
  connect(): Promise<BoardInfo>;
  /** Stops threads, runs teardown, leaves raw REPL, closes the link; no reconnect until connect(). */
  disconnect(): Promise<void>;
  /** disconnect() and forget everything; the Device cannot be used again. */
  close(): Promise<void>;

  /** Runs statements or one expression; value is the expression's value or null. */
  exec(code: string, opts?: CallOptions): Promise<CallResult>;
  /**
   * Registers a function definition under a key (a node id): sent now when connected and again after
   * every (re)connect. Returns the function's name (the last top-level def). Redefining a key
   * replaces its source. Tracebacks from it name `label` (default: the key) and count the lines
   * of `source` (line 1 = its first line).
   */
  define(key: string, source: string, label?: string): Promise<string>;
  /**
   * Registers code under a key that runs like a definition (now when connected, again after every
   * connect, after the device's own setup; a failure is told as 'define-error') but defines no
   * function to call: the setup of one of several config nodes on a port. undefine() forgets it.
   */
  addSetup(key: string, source: string, label?: string): Promise<void>;
  /**
   * The name of the function a definition calls, once the board has the definition: waits for the
   * board as a call does (connectWait); rejects with the board's error when the definition failed
   * (a SyntaxError, an import the board lacks) until the next connect tries it again.
   */
  defined(key: string, opts?: CallOptions): Promise<string>;
  /** Forgets a definition (it stays on the board until the next reset). */
  undefine(key: string): void;
  /** Calls a defined function. */
  call(name: string, args?: unknown[], kwargs?: Record<string, unknown>, opts?: CallOptions): Promise<CallResult>;
  /** Calls a generator function, handing over each value as it arrives. */
  iterate(name: string, args: unknown[] | undefined, kwargs: Record<string, unknown> | undefined,
    onValue: (value: unknown) => void, opts?: CallOptions): Promise<{ count: number; stdout: string }>;
  /** Starts a defined function in a board thread. Rejects with a clear error when the board has no _thread. */
  startThread(name: string, args: unknown[] | undefined, kwargs: Record<string, unknown> | undefined,
    handlers: ThreadHandlers, opts?: CallOptions): Promise<ThreadHandle>;
  /** The threads running on the board now, oldest first. */
  runningThreads(): ThreadInfo[];
  /** Mirrors a host folder onto the board. */
  sync(opts: SyncOptions, onProgress?: (p: SyncProgress) => void, callOpts?: CallOptions): Promise<SyncResult>;
}

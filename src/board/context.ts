/**
 * What the parts of the board layer beside the Device (definitions, threads, sync, events) may do
 * on a board's connection: run requests through its session, leave agent parts there, read what the
 * board said about itself. The Device makes one per queued job (it owns the queue and the session).
 */
import type { AgentPart } from './agent';
import type { Frame } from './wire';
import type { BoardInfo } from './types';

export interface BoardContext {
  /** leaves an agent part on the board, once per connection */
  ensure(part: AgentPart): Promise<void>;
  /** whether a part is on the board on this connection */
  has(part: AgentPart): boolean;
  /** evaluates an expression built from literals; returns its value */
  expr(e: string, timeoutS?: number): Promise<unknown>;
  /** runs user code (statements or an expression) under `file`, for node-relative tracebacks */
  run(src: string, file: string, timeoutS?: number): Promise<unknown>;
  /** defines code (statements) under `file`; on boards without the loop it is sent as it is */
  define(src: string, file: string, timeoutS?: number): Promise<void>;
  /** file data for sync as base64 or hex text (the loop only), flags as agent/sync.py's _bw takes them */
  write(path: string, data: string, flags: number, timeoutS?: number): Promise<void>;
  /**
   * Calls a board generator function (the loop only) and answers each value it yields with the
   * bytes `answer` gives for it, written to the link as they are (nothing for undefined). Absent
   * where raw bytes may not pass or do not pay: WebREPL (text frames), the virtual board (in
   * process, where a byte costs less than the round trip an answer adds).
   */
  feed?(name: string, args: unknown[], answer: (value: unknown) => Uint8Array | undefined, timeoutS?: number): Promise<void>;
  /** how calls reach the board on this connection */
  readonly mode: 'loop' | 'exec';
  /** the board as it described itself on this connection */
  readonly info: BoardInfo;
}

/**
 * A board-side feature that lives beside the calls (events): set up on every connect after the
 * definitions, told of the frames of its kind, run through the queue like any call.
 */
export interface BoardExtension {
  /** on every connect, after start-up, setup and definitions; a failure is reported as define-error */
  connect(ctx: BoardContext): Promise<void>;
  /** a frame of a kind the calls do not use ('V') */
  frame(f: Frame): void;
}

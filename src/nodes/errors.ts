import { BoardError } from '../board/types';
import type { NodeMessage } from './red';

/** The shape of msg.error (CONTRACT: type, message, traceback), plus the board it came from. */
export interface MsgError {
  type: string;
  message: string;
  traceback: string;
  board?: string;
}

/** Any failure as a msg.error: a board's Python exception as it is, a host-side error by its class. */
export function describeError(err: unknown): MsgError {
  if (err instanceof BoardError) return err.toJSON();
  if (err instanceof Error) return { type: err.name || 'Error', message: err.message, traceback: '' };
  return { type: 'Error', message: String(err), traceback: '' };
}

/**
 * The error handed to done(err) / node.error(err, msg).
 *
 * A Catch node never sees the msg.error we set: Node-RED moves it to msg._error and writes its own
 * msg.error from the error object, copying only toString(), `code`, `stack` and `cause`. So the
 * details ride along there too: code = the Python exception type, stack = the board's traceback,
 * cause = the whole { type, message, traceback, board }.
 */
export class NodeFailure extends Error {
  readonly code: string;
  readonly cause: MsgError;

  constructor(detail: MsgError, text: string) {
    super(text);
    this.name = detail.type;
    this.code = detail.type;
    this.cause = detail;
    this.stack = detail.traceback || text;
  }

  /** Node-RED logs and reports toString(): the text without a class prefix, which it already holds. */
  override toString(): string {
    return this.message;
  }
}

/** Puts the CONTRACT's msg.error on the message and returns the error for done(). */
export function failWith(msg: NodeMessage | undefined, err: unknown): NodeFailure {
  const detail = describeError(err);
  if (msg) msg.error = detail;
  const text = err instanceof Error ? err.message : String(err);
  return new NodeFailure(detail, text);
}

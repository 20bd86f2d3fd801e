import { BoardError } from '../board';
import type { NodeMessage } from '@node-red/registry';

/** The shape of msg.error (CONTRACT: type, message, traceback), plus the board it came from. */
export interface MsgError {
  type: string;
  message: string;
  traceback: string;
  board?: string;
}

/**
 * The codes of failures on the host side (README "Errors"): never a Python class name, so a Catch
 * node can tell "the board raised ValueError" from "this node could not even ask the board".
 *  - ConnectionError: the board cannot be reached or went away
 *  - TimeoutError: no answer (or no connection) within the timeout
 *  - QueueFullError: too many calls are waiting for the board
 *  - ConfigError: a setting or a message property this node cannot use
 *  - ProtocolError: the board's answer made no sense
 *  - UnsupportedError: the board lacks what the node needs (_thread, for one)
 */
export const HOST_CODES = ['ConnectionError', 'TimeoutError', 'QueueFullError', 'ConfigError', 'ProtocolError', 'UnsupportedError'] as const;
export type HostCode = typeof HOST_CODES[number];

/** A failure found on the host, with its code. */
export class HostError extends Error {
  constructor(readonly code: HostCode, message: string) {
    super(message);
    this.name = code;
  }
}

/** A setting or message property the node cannot use. */
export function configError(message: string): HostError {
  return new HostError('ConfigError', message);
}

/**
 * The code of a failure: a board's exception keeps its Python class; anything the host raised gets
 * one of HOST_CODES. A link that could not open or died is a ConnectionError; a plain JavaScript
 * error is reported as 'Error' (an unexpected bug), never as a Python-looking TypeError.
 */
function codeOf(err: Error): string {
  const code = (err as { code?: unknown }).code;
  if (typeof code === 'string' && (HOST_CODES as readonly string[]).includes(code)) return code;
  if ((HOST_CODES as readonly string[]).includes(err.name)) return err.name;
  if (err.name === 'LinkError') return 'ConnectionError';
  return 'Error';
}

/** Any failure as a msg.error: a board's Python exception as it is, a host-side one by its code. */
export function describeError(err: unknown): MsgError {
  if (err instanceof BoardError) return err.toJSON();
  if (err instanceof NodeFailure) return err.cause;
  if (err instanceof Error) return { type: codeOf(err), message: err.message, traceback: '' };
  return { type: 'Error', message: String(err), traceback: '' };
}

/**
 * The error handed to done(err) / node.error(err, msg).
 *
 * A Catch node never sees the msg.error we set: Node-RED moves it to msg._error and writes its own
 * msg.error from the error object, copying only toString(), `code`, `stack` and `cause`. So the
 * details ride along there too: code = the Python exception type or host code, stack = the board's
 * traceback, cause = the whole { type, message, traceback, board }.
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

/**
 * What a user reads: a board error as "board: Type: message" (its own text); a host error as
 * "Code: message", so every failure names its code the same way.
 */
function textOf(err: unknown, detail: MsgError): string {
  if (err instanceof BoardError || err instanceof NodeFailure) return err.message;
  return detail.message ? `${detail.type}: ${detail.message}` : detail.type;
}

/** Puts the CONTRACT's msg.error on the message and returns the error for done(). */
export function failWith(msg: NodeMessage | undefined, err: unknown): NodeFailure {
  const detail = describeError(err);
  if (msg) msg.error = detail;
  return new NodeFailure(detail, textOf(err, detail));
}

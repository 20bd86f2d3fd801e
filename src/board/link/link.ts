import { EventEmitter } from 'node:events';

/**
 * A byte link to a board: serial port, WebREPL socket, raw TCP stream or the virtual board.
 * Every link behaves alike to the layers above: bytes in, bytes out, and one 'close' event
 * when it ends for any reason (closed by us, unplugged, socket dropped, process gone).
 *
 * Events:
 *  - 'data'  (chunk: Buffer)        bytes from the board
 *  - 'close' (err?: Error)          the link is gone; err is set when it died rather than was closed
 */
export interface Link extends EventEmitter {
  /** Human-readable description used in error messages, e.g. "/dev/ttyACM0" or "virtual:demo". */
  readonly description: string;
  /** True between a successful open() and the 'close' event. */
  readonly isOpen: boolean;
  /** Opens the link; rejects with a clear error naming the port if it cannot. */
  open(): Promise<void>;
  /** Writes bytes; resolves once they are handed to the OS/socket (drained where the link can tell). */
  write(data: Uint8Array): Promise<void>;
  /** Closes the link; resolves after 'close' has been emitted. Safe to call twice. */
  close(): Promise<void>;
  /**
   * Preferred largest chunk and pause between chunks for plain raw-REPL writes without flow control
   * (boards drop bytes beyond their UART buffer). Links with their own flow control return 0 pause.
   */
  readonly pacing: { chunk: number; pauseMs: number };
}

/** Options common to all links, read from the belay-device config. */
export interface LinkOptions {
  baud?: number;
  password?: string;
}

/** Error raised when a link cannot be opened or dies; `board` names the port. */
export class LinkError extends Error {
  /** `missing`: the port is not there at all (no such device or host), as opposed to not answering */
  constructor(public readonly board: string, message: string, public readonly reason?: 'missing') {
    super(`${board}: ${message}`);
    this.name = 'LinkError';
  }
}

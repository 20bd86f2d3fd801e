import { EventEmitter } from 'node:events';
import type { Link } from './link/link';
import { sleep } from './link/base-link';

/** Control bytes of the REPL. */
const CTRL_A = 0x01, CTRL_B = 0x02, CTRL_C = 0x03, CTRL_D = 0x04, CTRL_E = 0x05;
const RAW_BANNER = Buffer.from('raw REPL; CTRL-B to exit\r\n>');
const FRIENDLY_PROMPT = Buffer.from('>>> ');

/** A protocol failure: the board did not answer as the raw REPL should. */
export class ProtocolError extends Error {
  constructor(public readonly board: string, message: string, public readonly kind: 'timeout' | 'protocol' | 'closed' | 'lost' = 'protocol') {
    super(`${board}: ${message}`);
    this.name = 'ProtocolError';
  }
}

export interface ExecReply {
  /** the code's stdout (between OK and the first \x04) */
  stdout: Buffer;
  /** the code's stderr (a traceback), between the first and second \x04 */
  stderr: Buffer;
}

interface Waiter {
  test(buf: Buffer): number; // index just past the match, or -1
  resolve(consumed: Buffer): void;
  reject(err: Error): void;
  timer?: NodeJS.Timeout;
}


/**
 * The raw REPL and raw-paste protocol over one link (mpremote's pyboard.py is the reference).
 *
 * Incoming bytes are matched against what the protocol waits for. Bytes nobody waits for are
 * 'unsolicited' (a thread printing between calls, a reset banner): they are emitted, never dropped.
 * While a long-running exec owns the stream (the dispatcher loop), divert() hands every byte to its
 * reader instead: then a \x04 that user code prints is just a byte, not the end of the exec.
 *
 * Events: 'unsolicited' (Buffer)
 */
export class RawRepl extends EventEmitter {
  private buf: Buffer = Buffer.alloc(0);
  private waiter: Waiter | undefined;
  /** set while exec streams stdout to a consumer */
  private streamTo: ((chunk: Buffer) => void) | undefined;
  private closedErr: Error | undefined;
  /** undefined = not yet known; false after the board refused raw-paste */
  rawPasteSupported: boolean | undefined;
  /** while set, every incoming byte goes here and nowhere else */
  private diverted: ((chunk: Buffer) => void) | undefined;

  constructor(private readonly link: Link, private readonly label: string) {
    super();
    link.on('data', this.onData);
    link.once('close', (err?: Error) => {
      this.closedErr = new ProtocolError(label, `connection lost${err ? ` (${err.message})` : ''}`, 'closed');
      this.waiter?.reject(this.closedErr);
      this.waiter = undefined;
    });
  }

  detach(): void {
    this.link.off('data', this.onData);
  }

  private onData = (chunk: Buffer): void => {
    if (this.diverted) this.diverted(chunk);
    else this.ingest(chunk);
  };

  /**
   * Hands every incoming byte to `reader` (undefined: back to the protocol). Bytes already buffered
   * go to the reader first; `rest` are bytes the reader took but did not use, which the protocol
   * reads first when the stream comes back.
   */
  divert(reader: ((chunk: Buffer) => void) | undefined, rest?: Buffer): void {
    if (!reader && rest?.length) this.ingest(Buffer.from(rest));
    this.diverted = reader;
    if (reader && this.buf.length) {
      const b = this.buf;
      this.buf = Buffer.alloc(0);
      reader(b);
    }
  }

  private ingest = (data: Buffer): void => {
    if (data.length === 0) return;
    this.buf = this.buf.length ? Buffer.concat([this.buf, data]) : data;
    this.pump();
  };

  private pump(): void {
    if (this.waiter) {
      if (this.streamTo) {
        // While streaming, hand everything before a possible \x04 to the consumer at once.
        const end = this.buf.indexOf(CTRL_D);
        const upto = end === -1 ? this.buf.length : end;
        if (upto > 0) {
          this.streamTo(this.buf.subarray(0, upto));
          this.buf = this.buf.subarray(upto);
        }
      }
      const idx = this.waiter.test(this.buf);
      if (idx >= 0) {
        const w = this.waiter;
        this.waiter = undefined;
        if (w.timer) clearTimeout(w.timer);
        const consumed = this.buf.subarray(0, idx);
        this.buf = this.buf.subarray(idx);
        w.resolve(consumed);
        if (this.buf.length) this.pump();
      }
    } else if (this.buf.length && !this.idleCheck && this.writing === 0) {
      // Bytes with no reader may still belong to the read the caller installs within this tick (the
      // rest of a reply that came in one chunk): only bytes unclaimed after it count as unsolicited.
      // While a write is pending they wait for it (see write()).
      this.idleCheck = setImmediate(() => {
        this.idleCheck = undefined;
        if (this.waiter || this.writing > 0) return this.pump();
        const out = this.buf;
        this.buf = Buffer.alloc(0);
        if (out.length) this.emit('unsolicited', out);
      });
    }
  }

  private idleCheck: NodeJS.Immediate | undefined;

  /** Waits until the buffered input ends with / contains `pattern`; returns all bytes up to and including it. */
  private waitFor(pattern: Buffer | ((b: Buffer) => number), timeoutMs: number, what: string): Promise<Buffer> {
    if (this.closedErr) return Promise.reject(this.closedErr);
    if (this.waiter) return Promise.reject(new ProtocolError(this.label, `internal: two readers (${what})`));
    return new Promise<Buffer>((resolve, reject) => {
      const test = typeof pattern === 'function' ? pattern : (b: Buffer) => {
        const i = b.indexOf(pattern);
        return i === -1 ? -1 : i + pattern.length;
      };
      const w: Waiter = { test, resolve, reject };
      if (timeoutMs > 0) {
        w.timer = setTimeout(() => {
          if (this.waiter === w) this.waiter = undefined;
          reject(new ProtocolError(this.label, `no answer from the board while waiting for ${what} (${timeoutMs} ms)`, 'timeout'));
        }, timeoutMs);
      }
      this.waiter = w;
      this.pump();
    });
  }

  /**
   * Drops buffered input (after an interrupt, before entering raw mode) until the board is quiet
   * for quietMs, or at most maxMs: a board thread may print without pause.
   */
  private async drain(quietMs: number, maxMs = 1500): Promise<Buffer> {
    const parts: Buffer[] = [];
    const until = Date.now() + maxMs;
    for (;;) {
      const before = this.buf.length;
      await sleep(quietMs);
      if (this.buf.length === before || Date.now() > until) break;
    }
    parts.push(this.buf);
    this.buf = Buffer.alloc(0);
    return Buffer.concat(parts);
  }

  private holdInput(): void {
    // Installing a waiter that never matches keeps incoming bytes in the buffer (not unsolicited).
    this.waiter = { test: () => -1, resolve: () => undefined, reject: () => undefined };
  }

  private releaseInput(): void {
    this.waiter = undefined;
  }

  /** writes not yet resolved by the link */
  private writing = 0;

  /**
   * The answer to a write may arrive before the write resolves: a serial link resolves after the OS
   * drained its buffer (tcdrain), which on a busy machine can be after the board already replied.
   * Such bytes belong to the read the caller installs once the write resolves (a raw-paste window
   * grant, the raw banner, OK), so they are not unsolicited while the write is pending.
   */
  async write(data: Uint8Array | string): Promise<void> {
    if (this.closedErr) throw this.closedErr;
    this.writing++;
    try {
      await this.link.write(typeof data === 'string' ? Buffer.from(data, 'utf8') : data);
    } finally {
      this.writing--;
      this.pump();
    }
  }

  /** Writes in paced chunks for boards without flow control. */
  private async writePaced(data: Buffer): Promise<void> {
    const { chunk, pauseMs } = this.link.pacing;
    if (pauseMs <= 0 || data.length <= chunk) return this.write(data);
    for (let i = 0; i < data.length; i += chunk) {
      await this.write(data.subarray(i, i + chunk));
      if (i + chunk < data.length) await sleep(pauseMs);
    }
  }

  /**
   * Interrupts whatever runs and enters the raw REPL, optionally soft-resetting.
   * Two Ctrl-C sent apart: some boards miss one sent together with other bytes (pyboard.py does the same).
   */
  async enterRaw(softReset: boolean, timeoutMs = 5000): Promise<Buffer> {
    this.holdInput();
    await this.write(Buffer.from([0x0d, CTRL_C]));
    await sleep(100);
    await this.write(Buffer.from([CTRL_C]));
    const noise = await this.drain(60);
    this.releaseInput();
    // CircuitPython may sit at "Press any key to enter the REPL" and swallow one byte: \r is that byte.
    await this.write(Buffer.from([0x0d, CTRL_A]));
    await this.waitFor(RAW_BANNER, timeoutMs, 'the raw REPL banner');
    if (softReset) {
      await this.write(Buffer.from([CTRL_D]));
      // MicroPython: OK, "soft reboot", banner. CircuitPython 8+: OK, banner, no reboot line.
      await this.waitFor(Buffer.from('OK'), timeoutMs, 'OK after soft reset');
      await this.waitFor(RAW_BANNER, timeoutMs, 'the raw REPL banner after soft reset');
    }
    return noise;
  }

  /** Back to the friendly REPL (on close). */
  async exitRaw(): Promise<void> {
    await this.write(Buffer.from([0x0d, CTRL_B]));
  }

  /** Sends Ctrl-C (to stop a running call). */
  async interrupt(): Promise<void> {
    await this.write(Buffer.from([CTRL_C]));
  }

  /** Waits for the raw prompt after an interrupted exec; true if the board came back. */
  async resync(timeoutMs: number): Promise<boolean> {
    try {
      await this.waitFor(Buffer.from('\x04>'), timeoutMs, 'the raw prompt');
      return true;
    } catch {
      return false;
    }
  }

  /**
   * Sends code to run (raw-paste when the board offers it, else paced plain raw mode) and waits for
   * the board's "OK" (plain) or acceptance (paste). The reply is then read with readReply().
   */
  async send(code: string | Buffer, timeoutMs: number): Promise<void> {
    const data = typeof code === 'string' ? Buffer.from(code, 'utf8') : code;
    if (this.rawPasteSupported !== false) {
      await this.write(Buffer.from([CTRL_E, 0x41, CTRL_A]));
      const ans = await this.waitFor((b) => (b.length >= 2 ? 2 : -1), timeoutMs, 'the raw-paste answer');
      if (ans[0] === 0x52 && ans[1] === 0x01) {
        this.rawPasteSupported = true;
        return this.sendRawPaste(data, timeoutMs);
      }
      this.rawPasteSupported = false;
      if (!(ans[0] === 0x52 && ans[1] === 0x00)) {
        // Firmware before raw-paste (MicroPython < 1.14) echoes the request and shows the raw banner again.
        await this.waitFor(Buffer.from('w REPL; CTRL-B to exit\r\n>'), timeoutMs, 'the raw REPL banner');
      }
    }
    await this.writePaced(data);
    await this.write(Buffer.from([CTRL_D]));
    await this.waitFor(Buffer.from('OK'), timeoutMs, 'OK after sending code');
  }

  private async sendRawPaste(data: Buffer, timeoutMs: number): Promise<void> {
    const head = await this.waitFor((b) => (b.length >= 2 ? 2 : -1), timeoutMs, 'the raw-paste window size');
    const window = head.readUInt16LE(0);
    let remaining = window;
    let i = 0;
    while (i < data.length) {
      // Flow control: the board grants another window with \x01, or aborts with \x04.
      while (remaining === 0 || this.buf.length > 0) {
        const b = await this.waitFor((x) => (x.length >= 1 ? 1 : -1), timeoutMs, 'a raw-paste window grant');
        if (b[0] === CTRL_A) remaining += window;
        else if (b[0] === CTRL_D) {
          await this.write(Buffer.from([CTRL_D]));
          throw new ProtocolError(this.label, 'the board aborted the raw-paste upload');
        }
      }
      const n = Math.min(remaining, data.length - i);
      await this.write(data.subarray(i, i + n));
      i += n;
      remaining -= n;
    }
    await this.write(Buffer.from([CTRL_D]));
    // The board acknowledges the end of the upload with \x04 (grants may still precede it).
    await this.waitFor((b) => {
      const j = b.indexOf(CTRL_D);
      return j === -1 ? -1 : j + 1;
    }, timeoutMs, 'the end of the raw-paste upload');
  }

  /**
   * Reads the reply of a sent exec: stdout up to \x04, stderr up to \x04, then '>'.
   * `onStdout` receives stdout as it arrives (for streaming); it is also returned whole.
   * timeoutMs 0 = wait forever.
   */
  async readReply(timeoutMs: number, onStdout?: (chunk: Buffer) => void): Promise<ExecReply> {
    const parts: Buffer[] = [];
    this.streamTo = (c) => {
      parts.push(Buffer.from(c));
      onStdout?.(c);
    };
    try {
      await this.waitFor((b) => (b.length && b[0] === CTRL_D ? 1 : -1), timeoutMs, 'the end of the output');
    } finally {
      this.streamTo = undefined;
    }
    const errPart = await this.waitFor(Buffer.from('\x04>'), 5000, 'the end of the error output');
    return { stdout: Buffer.concat(parts), stderr: errPart.subarray(0, errPart.length - 2) };
  }

  /** send() + readReply(). */
  async exec(code: string | Buffer, timeoutMs: number, onStdout?: (chunk: Buffer) => void): Promise<ExecReply> {
    await this.send(code, Math.min(timeoutMs || 10000, 10000));
    return this.readReply(timeoutMs, onStdout);
  }

  /**
   * For a long-running exec (the board-side dispatcher): after send(), route stdout to `onStdout`
   * until the exec ends; resolves with its reply. Bytes the host writes meanwhile go to the code's stdin.
   */
  runStreaming(onStdout: (chunk: Buffer) => void): Promise<ExecReply> {
    return this.readReply(0, onStdout);
  }

  get closed(): boolean {
    return this.closedErr !== undefined;
  }
}

export const CONTROL = { CTRL_A, CTRL_B, CTRL_C, CTRL_D, CTRL_E, FRIENDLY_PROMPT };

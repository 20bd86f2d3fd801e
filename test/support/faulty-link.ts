/**
 * A link that sits between a Device and a real link (the virtual board's) and does to the bytes
 * from the board what a bad UART, a TCP bridge or WebREPL over bad Wi-Fi does: duplicate a reply,
 * send it again later, flip a byte, cut it short, insert garbage. Faults are armed one at a time
 * and hit the next reply frame (a line starting with \x1e) that the board sends.
 */
import { EventEmitter } from 'node:events';
import type { Link } from '../../src/board/link/link';

export type Fault =
  | { kind: 'duplicate' }
  /** the reply again, just before the next reply */
  | { kind: 'late-duplicate' }
  | { kind: 'flip'; at: number; mask: number }
  /** the reply without its last `n` bytes */
  | { kind: 'truncate'; n: number }
  | { kind: 'insert'; at: number; bytes: Buffer }
  /** the reply replaced by garbage of the same length */
  | { kind: 'garbage' };

export class FaultyLink extends EventEmitter implements Link {
  private armed: Fault | undefined;
  private held = Buffer.alloc(0);
  private late: Buffer | undefined;
  /** faults that were applied */
  applied = 0;

  constructor(private readonly inner: Link) {
    super();
    inner.on('data', (b: Buffer) => this.onData(b));
    inner.on('close', (e?: Error) => this.emit('close', e));
  }

  get description(): string { return this.inner.description; }
  get isOpen(): boolean { return this.inner.isOpen; }
  get pacing(): { chunk: number; pauseMs: number } { return this.inner.pacing; }
  open(): Promise<void> { return this.inner.open(); }
  write(data: Uint8Array): Promise<void> { return this.inner.write(data); }
  close(): Promise<void> { return this.inner.close(); }

  /** The next reply frame the board sends gets this fault. */
  arm(f: Fault): void {
    this.armed = f;
  }

  private onData(b: Buffer): void {
    if (!this.armed && !this.late) return void this.emit('data', b);
    let buf = Buffer.concat([this.held, b]);
    this.held = Buffer.alloc(0);
    for (;;) {
      const rs = buf.indexOf(0x1e);
      if (rs === -1) break;
      const nl = buf.indexOf(0x0a, rs);
      if (nl === -1) {
        // hold a partial frame until its end arrives
        if (rs > 0) this.emit('data', buf.subarray(0, rs));
        this.held = Buffer.from(buf.subarray(rs));
        return;
      }
      if (!/^\x1e\d+ \d+ [RGEI]/.test(buf.subarray(rs, rs + 30).toString('latin1'))) {
        this.emit('data', buf.subarray(0, nl + 1));
        buf = buf.subarray(nl + 1);
        continue;
      }
      if (rs > 0) this.emit('data', buf.subarray(0, rs));
      const frame = Buffer.from(buf.subarray(rs, nl + 1));
      buf = buf.subarray(nl + 1);
      if (this.late) {
        const l = this.late;
        this.late = undefined;
        this.emit('data', l);
      }
      const f = this.armed;
      this.armed = undefined;
      if (!f) { this.emit('data', frame); continue; }
      this.applied++;
      switch (f.kind) {
        case 'duplicate': this.emit('data', Buffer.concat([frame, frame])); break;
        case 'late-duplicate': this.emit('data', frame); this.late = frame; break;
        case 'flip': { const c = Buffer.from(frame); c[Math.min(f.at, c.length - 2)] ^= f.mask; this.emit('data', c); break; }
        case 'truncate': this.emit('data', frame.subarray(0, frame.length - f.n)); break;
        case 'insert': this.emit('data', Buffer.concat([frame.subarray(0, f.at), f.bytes, frame.subarray(f.at)])); break;
        case 'garbage': this.emit('data', Buffer.from(Array.from(frame, (_, i) => (i * 97 + 13) & 0xff))); break;
      }
      if (!this.armed && !this.late) break;
    }
    if (buf.length) this.emit('data', buf);
  }
}

import { EventEmitter } from 'node:events';
import type { Link } from '../src/board/link/link';

/**
 * Wraps a link and counts what crosses it: bytes each way and round trips (a host write that
 * follows bytes received from the board starts a new round trip).
 */
export class CountingLink extends EventEmitter implements Link {
  bytesOut = 0;
  bytesIn = 0;
  roundTrips = 0;
  private heardSinceWrite = true;

  constructor(private readonly inner: Link) {
    super();
    inner.on('data', (c: Buffer) => {
      this.bytesIn += c.length;
      this.heardSinceWrite = true;
      this.emit('data', c);
    });
    inner.on('close', (e?: Error) => this.emit('close', e));
  }

  get description(): string { return this.inner.description; }
  get isOpen(): boolean { return this.inner.isOpen; }
  get pacing(): { chunk: number; pauseMs: number } { return this.inner.pacing; }
  open(): Promise<void> { return this.inner.open(); }
  close(): Promise<void> { return this.inner.close(); }

  write(data: Uint8Array): Promise<void> {
    this.bytesOut += data.length;
    if (this.heardSinceWrite) {
      this.roundTrips++;
      this.heardSinceWrite = false;
    }
    return this.inner.write(data);
  }

  reset(): void {
    this.bytesOut = 0;
    this.bytesIn = 0;
    this.roundTrips = 0;
    this.heardSinceWrite = true;
  }
}

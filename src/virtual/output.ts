import type { ByteRing } from './shared';

/**
 * What an interpreter prints, on its way to the host. The port writes bare "\n"; a board's UART
 * writes "\r\n", so a lone LF becomes CRLF. Bytes go straight into a shared ring that the host reads
 * when told (one message per batch): "OK" followed by a busy loop still reaches the host at once.
 */
export class Output {
  /** while muted, output is kept for takeCaptured() instead of being sent */
  muted = false;
  private lastCR = false;
  private captured: number[] = [];
  private tail: number[] = [];
  /** bytes still to drop if they arrive exactly as expected (the raw REPL's "OK" in raw-paste mode) */
  private drop: number[] = [];
  private pending: number[] = [];

  constructor(private readonly ring: ByteRing, private readonly tell: () => void) {}

  write(bytes: Uint8Array): void {
    for (let i = 0; i < bytes.length; i++) {
      const c = bytes[i];
      if (this.drop.length) {
        if (this.drop[0] === c) { this.drop.shift(); continue; }
        this.drop = [];
      }
      if (c === 10 && !this.lastCR) this.push(13);
      this.push(c);
      this.lastCR = c === 13;
    }
    this.flush();
  }

  text(s: string): void {
    this.write(Buffer.from(s, 'latin1'));
  }

  /** Drops `text` if it is the next thing the interpreter prints. */
  dropNext(text: string): void {
    this.drop = [...Buffer.from(text, 'latin1')];
  }

  /** The last bytes printed (muted or not), to recognise prompts. */
  recent(): string {
    return Buffer.from(this.tail).toString('latin1');
  }

  private push(c: number): void {
    this.tail.push(c);
    if (this.tail.length > 40) this.tail.shift();
    if (this.muted) this.captured.push(c);
    else this.pending.push(c);
  }

  /** Publishes pending bytes; waits while the host has not read earlier ones and the ring is full. */
  flush(): void {
    let data = Uint8Array.from(this.pending);
    this.pending = [];
    while (data.length) {
      const n = this.ring.put(data);
      data = data.subarray(n);
      if (n > 0 && this.ring.claimNotify()) this.tell();
      if (data.length) this.ring.waitRoom(50);
    }
  }

  takeCaptured(): string {
    const s = Buffer.from(this.captured).toString('latin1');
    this.captured = [];
    return s;
  }
}

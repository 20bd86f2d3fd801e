import type { ByteRing } from './shared';

/**
 * What an interpreter prints, on its way to the host. The port writes bare "\n"; a board's UART
 * writes "\r\n", so a lone LF becomes CRLF. Bytes go straight into a shared ring that the host reads
 * when told (one Atomics.notify per batch): "OK" followed by a busy loop still reaches the host at once.
 */
const TAIL = 64; // power of two, more than recent() needs

export class Output {
  /** while muted, output is kept for takeCaptured() instead of being sent */
  muted = false;
  private lastCR = false;
  private captured: number[] = [];
  /** the last TAIL bytes printed, as a ring */
  private tail = new Uint8Array(TAIL);
  private tailPos = 0;
  /** bytes still to drop if they arrive exactly as expected (the raw REPL's "OK" in raw-paste mode) */
  private drop: number[] = [];
  /** bytes not yet in the shared ring; reused, so a print allocates nothing */
  private pending = new Uint8Array(256);
  private pendingLen = 0;

  /** bytes to write just before a chunk, by its start (CircuitPython's title before a prompt) */
  prefix: ((chunk: Uint8Array) => Uint8Array | undefined) | undefined;

  /** the ring to the host; until a board is attached, output stays pending (a spare is muted anyway) */
  ring: ByteRing | undefined;

  /** Back to how a fresh interpreter's output starts (an in-place soft reset). */
  reset(): void {
    this.muted = false;
    this.lastCR = false;
    this.captured = [];
    this.drop = [];
    this.prefix = undefined;
  }

  write(bytes: Uint8Array): void {
    const before = this.prefix?.(bytes);
    if (before) this.put(before);
    this.put(bytes);
    this.flush();
  }

  private put(bytes: Uint8Array): void {
    // Room for every byte doubled (LF -> CRLF).
    if (this.pendingLen + bytes.length * 2 > this.pending.length) this.grow(this.pendingLen + bytes.length * 2);
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
    const n = Math.min(40, this.tailPos);
    let s = '';
    for (let i = this.tailPos - n; i < this.tailPos; i++) s += String.fromCharCode(this.tail[i & (TAIL - 1)]);
    return s;
  }

  private push(c: number): void {
    this.tail[this.tailPos++ & (TAIL - 1)] = c;
    if (this.muted) this.captured.push(c);
    else this.pending[this.pendingLen++] = c;
  }

  private grow(min: number): void {
    let size = this.pending.length * 2;
    while (size < min) size *= 2;
    const next = new Uint8Array(size);
    next.set(this.pending.subarray(0, this.pendingLen));
    this.pending = next;
  }

  /**
   * Publishes pending bytes; waits while the host has not read earlier ones and the ring is full.
   * What fits in the ring goes in whole, never a part now and the rest later: the host reads each
   * interpreter's ring on its own, so a write split across two reads could have another
   * interpreter's output land in its middle (a thread printing flat out lost one line in 200,000
   * that way, issue #16).
   */
  flush(): void {
    if (!this.ring) return;
    if (this.pendingLen <= this.ring.capacity) {
      while (this.ring.capacity - this.ring.available() < this.pendingLen) this.ring.waitRoom(50);
    }
    let from = 0;
    while (from < this.pendingLen) {
      const n = this.ring.put(this.pending.subarray(from, this.pendingLen));
      from += n;
      if (n > 0 && this.ring.claimNotify()) this.ring.tell();
      if (from < this.pendingLen) this.ring.waitRoom(50);
    }
    this.pendingLen = 0;
  }

  takeCaptured(): string {
    const s = Buffer.from(this.captured).toString('latin1');
    this.captured = [];
    return s;
  }
}

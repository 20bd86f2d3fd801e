/**
 * What an interpreter prints, on its way to the host. The port writes bare "\n"; a board's UART
 * writes "\r\n", so a lone LF becomes CRLF. Output is posted in chunks: at each newline, at 256 bytes,
 * and whenever the worker is about to wait or has finished a REPL byte.
 */
export class Output {
  /** while muted, output is kept for takeCaptured() instead of being sent */
  muted = false;
  private buf = new Uint8Array(1024);
  private len = 0;
  private lastCR = false;
  private captured: number[] = [];
  /** bytes still to drop if they arrive exactly as expected (the raw REPL's "OK" in raw-paste mode) */
  private drop: number[] = [];
  private tail: number[] = [];

  constructor(private readonly send: (data: Uint8Array) => void) {}

  write(bytes: Uint8Array): void {
    let newline = false;
    for (let i = 0; i < bytes.length; i++) {
      const c = bytes[i];
      if (this.drop.length) {
        if (this.drop[0] === c) { this.drop.shift(); continue; }
        this.drop = [];
      }
      if (c === 10 && !this.lastCR) this.push(13);
      this.push(c);
      this.lastCR = c === 13;
      if (c === 10) newline = true;
    }
    if (newline || this.len >= 256) this.flush();
  }

  /** Drops `text` if it is the next thing the interpreter prints. */
  dropNext(text: string): void {
    this.drop = [...Buffer.from(text, 'latin1')];
  }

  text(s: string): void {
    this.write(Buffer.from(s, 'latin1'));
  }

  /** The last bytes printed (muted or not), to recognise prompts. */
  recent(): string {
    return Buffer.from(this.tail).toString('latin1');
  }

  private push(c: number): void {
    this.tail.push(c);
    if (this.tail.length > 40) this.tail.shift();
    if (this.muted) { this.captured.push(c); return; }
    if (this.len === this.buf.length) {
      const b = new Uint8Array(this.buf.length * 2);
      b.set(this.buf);
      this.buf = b;
    }
    this.buf[this.len++] = c;
  }

  flushIfAny(): void {
    if (this.len) this.flush();
  }

  flush(): void {
    if (!this.len) return;
    const data = this.buf.slice(0, this.len);
    this.len = 0;
    this.send(data);
  }

  takeCaptured(): string {
    const s = Buffer.from(this.captured).toString('latin1');
    this.captured = [];
    return s;
  }
}

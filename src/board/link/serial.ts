import { SerialPortStream } from '@serialport/stream';
import { BaseLink, sleep } from './base-link';
import { serialBinding } from './serial-binding';
import { LinkError, LinkOptions } from './link';

export const DEFAULT_BAUD = 115200;

/** A board on a serial port (USB CDC or a UART adapter). */
export class SerialLink extends BaseLink {
  readonly description: string;
  /** Plain raw REPL has no flow control: boards drop what overflows their UART buffer (BELAY.md). */
  readonly pacing = { chunk: 256, pauseMs: 10 };
  private port?: SerialPortStream;

  constructor(readonly path: string, private readonly options: LinkOptions = {}) {
    super();
    this.description = path;
  }

  async open(): Promise<void> {
    if (this.port) throw new LinkError(this.path, 'open() was already called on this link');
    const baudRate = this.options.baud ?? DEFAULT_BAUD;
    // Leave DTR/RTS as the OS raises them on open (as mpremote does on Linux/macOS): pulsing them resets
    // ESP32 auto-reset circuits, and rp2/samd USB CDC only sends output while DTR is set. hupcl false
    // keeps them set on close too, so closing does not reset the board either.
    let port!: SerialPortStream;
    // A port this process closed a moment ago may stay locked while the binding lets go of it
    // (a redeploy closes and reopens at once): try again for a second before calling it busy.
    for (let attempt = 0; ; attempt++) {
      port = new SerialPortStream({ binding: serialBinding, path: this.path, baudRate, autoOpen: false, hupcl: false });
      this.port = port;
      const err = await new Promise<Error | undefined>((resolve) => port.open((e) => resolve(e ?? undefined)));
      if (!err) break;
      if (attempt >= 10 || !/lock|temporarily unavailable/i.test(err.message)) throw openError(this.path, err);
      await sleep(100);
    }
    port.on('data', (chunk: Buffer) => this.received(chunk));
    port.on('close', (err?: Error | null) => this.ended(err ? lostError(this.path, err) : undefined));
    port.on('error', (err: Error) => {
      this.ended(lostError(this.path, err));
      if (port.isOpen) port.close(() => undefined);
    });
    this.opened();
  }

  async write(data: Uint8Array): Promise<void> {
    this.assertWritable();
    const port = this.port!;
    await new Promise<void>((resolve, reject) => {
      port.write(Buffer.from(data.buffer, data.byteOffset, data.byteLength), (err) => {
        if (err) reject(lostError(this.path, err));
      });
      port.drain((err) => (err ? reject(lostError(this.path, err)) : resolve()));
    });
  }

  protected shutdown(): void {
    const port = this.port!;
    if (!port.isOpen) {
      this.ended();
      return;
    }
    port.close((err) => {
      // A port that was unplugged while we closed it may refuse to close; it is gone all the same.
      if (err) this.ended();
    });
  }
}

/** Turns an open failure into an error that says what happened and what to do, naming the port once. */
function openError(path: string, err: Error): LinkError {
  const text = err.message;
  if (/no such file|ENOENT|cannot find|file not found/i.test(text)) {
    return new LinkError(path, 'no such serial port (the path does not exist): is the board plugged in, and is this its path?', 'missing');
  }
  if (/lock|busy|temporarily unavailable/i.test(text) || (process.platform === 'win32' && /access (is )?denied/i.test(text))) {
    return new LinkError(path, 'the serial port is busy: another program has the port open (Thonny, mpremote, screen, a serial monitor); close it and retry.');
  }
  if (/permission denied|EACCES|access (is )?denied/i.test(text)) {
    return new LinkError(path, process.platform === 'linux'
      ? 'no permission to open the serial port: add your user to the dialout group (sudo usermod -aG dialout $USER), then log in again.'
      : 'no permission to open the serial port.');
  }
  // the binding's own words, without the path it repeats
  return new LinkError(path, `cannot open the serial port (${text.split(path).join('the port')}); check that the board is connected.`);
}

/** The port went away while open (unplugged, board reset into another USB mode, driver error). */
function lostError(path: string, err: Error): LinkError {
  if ((err as { disconnected?: boolean }).disconnected) {
    return new LinkError(path, `serial port disconnected (${err.message}); was the board unplugged or reset?`);
  }
  return new LinkError(path, `serial port error: ${err.message}`);
}

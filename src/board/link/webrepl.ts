import WebSocket from 'ws';
import { BaseLink, sleep } from './base-link';
import { LinkError } from './link';

export interface WebReplOptions {
  password?: string;
  /** How long the login (connect, password prompt, welcome) may take; default 5000 ms. */
  loginTimeoutMs?: number;
  /** Largest WebSocket frame and the pause after each `chunk` bytes; default 256 bytes per 15 ms. */
  pacing?: { chunk: number; pauseMs: number };
}

/**
 * A board's WebREPL: MicroPython's REPL over a WebSocket (port 8266 by default). The link logs in
 * with the password and then carries REPL bytes: text frames to the board, text or binary frames back.
 */
export class WebReplLink extends BaseLink {
  readonly description: string;
  /** ESP32 WebREPL drops input beyond its small buffer: write() itself sends at most this per pause. */
  readonly pacing: { chunk: number; pauseMs: number };
  private socket?: WebSocket;
  private readonly loginTimeoutMs: number;
  /** Serialises writes so paced blocks of two writes never interleave. */
  private writing: Promise<void> = Promise.resolve();
  private windowStart = 0;
  private windowBytes = 0;

  constructor(readonly url: string, private readonly options: WebReplOptions = {}) {
    super();
    this.description = url.replace(/\/$/, '');
    this.loginTimeoutMs = options.loginTimeoutMs ?? 5000;
    this.pacing = options.pacing ?? { chunk: 256, pauseMs: 15 };
  }

  async open(): Promise<void> {
    if (this.socket) throw new LinkError(this.description, 'open() was already called on this link');
    // The board's text frames may hold any bytes (print(b'\xff')), so skip UTF-8 checks; it has no deflate.
    const socket = new WebSocket(this.url, {
      perMessageDeflate: false,
      skipUTF8Validation: true,
      handshakeTimeout: this.loginTimeoutMs,
    });
    this.socket = socket;
    // Listen for good from the start: frames or a close may follow the welcome in the same tick.
    let phase: 'login' | 'early' | 'open' = 'login';
    const early: Buffer[] = [];
    let lastError: Error | undefined;
    let lost: LinkError | undefined;
    socket.on('message', (data) => {
      if (phase === 'early') early.push(asBuffer(data));
      else if (phase === 'open') this.received(asBuffer(data));
    });
    socket.on('error', (err) => { lastError = err; });
    socket.on('close', (code) => {
      lost = new LinkError(this.description, lastError
        ? `WebREPL connection lost (${lastError.message})`
        : `the board closed the WebREPL connection (code ${code}); did it reset or lose Wi-Fi?`);
      if (phase === 'open') this.ended(lost);
    });
    try {
      early.push(await this.logIn(socket, () => { phase = 'early'; }));
    } catch (err) {
      socket.terminate();
      throw err;
    }
    this.opened();
    phase = 'open';
    for (const chunk of early) if (chunk.length > 0) this.received(chunk);
    if (lost) this.ended(lost);
  }

  /**
   * Waits for "Password: ", answers it, then waits for the welcome ending in ">>> ". Resolves with any
   * bytes that came after the welcome; calls loggedIn() at that moment. A board without a password
   * greets at once.
   */
  private logIn(socket: WebSocket, loggedIn: () => void): Promise<Buffer> {
    return new Promise((resolve, reject) => {
      let seen = '';
      let prompted = false;
      let connected = false;
      const done = (err?: Error, rest?: Buffer) => {
        clearTimeout(timer);
        socket.off('message', onMessage);
        socket.off('error', onError);
        socket.off('close', onClose);
        if (err) {
          reject(err);
        } else {
          loggedIn();
          resolve(rest ?? Buffer.alloc(0));
        }
      };
      const fail = (why: string) => done(new LinkError(this.description, why));
      const timer = setTimeout(() => fail(connected
        ? `no WebREPL password prompt within ${this.loginTimeoutMs / 1000} s; is this a MicroPython WebREPL port?`
        : `no WebREPL connection within ${this.loginTimeoutMs / 1000} s; is the board on the network and the address right?`),
      this.loginTimeoutMs);
      const onMessage = (data: WebSocket.RawData) => {
        seen += asBuffer(data).toString('latin1');
        if (/Access denied/.test(seen)) {
          fail(`wrong WebREPL password for ${hostOf(this.url)}; check the password in the device's config (it is PASS in the board's webrepl_cfg.py)`);
        } else if (!prompted && /Password: ?$/.test(seen)) {
          if (this.options.password === undefined || this.options.password === '') {
            fail(`the board at ${hostOf(this.url)} asks for a WebREPL password; set it in the device's config`);
            return;
          }
          prompted = true;
          // Only "\r" ends the password, as in MicroPython's webrepl_cli.py: a "\n" would reach the REPL as input.
          socket.send(Buffer.from(`${this.options.password}\r`, 'utf8'), { binary: false });
          seen = '';
        } else {
          const welcome = /WebREPL connected\r?\n>>> /.exec(seen);
          if (welcome) done(undefined, Buffer.from(seen.slice(welcome.index + welcome[0].length), 'latin1'));
        }
      };
      const onError = (err: NodeJS.ErrnoException) => fail(connectHint(err));
      const onClose = () => fail(prompted
        ? 'the board closed the connection during login'
        : 'the board closed the connection before asking for the password; only one WebREPL client may be connected at a time: close the other one (a browser tab, Thonny, mpremote)');
      socket.on('open', () => { connected = true; });
      socket.on('message', onMessage);
      socket.on('error', onError);
      socket.on('close', onClose);
    });
  }

  async write(data: Uint8Array): Promise<void> {
    this.assertWritable();
    const next = this.writing.then(() => this.sendPaced(Buffer.from(data.buffer, data.byteOffset, data.byteLength)));
    this.writing = next.catch(() => undefined);
    await next;
  }

  /** Sends at most `chunk` bytes per `pauseMs` window, each block as one text frame. */
  private async sendPaced(data: Buffer): Promise<void> {
    const { chunk, pauseMs } = this.pacing;
    for (let at = 0; at < data.length; at += chunk) {
      const block = data.subarray(at, at + chunk);
      const now = Date.now();
      if (now - this.windowStart >= pauseMs) {
        this.windowStart = now;
        this.windowBytes = 0;
      } else if (this.windowBytes + block.length > chunk) {
        await sleep(this.windowStart + pauseMs - now);
        this.windowStart = Date.now();
        this.windowBytes = 0;
      }
      if (!this.isOpen) throw new LinkError(this.description, 'the WebREPL connection closed while writing');
      this.windowBytes += block.length;
      await new Promise<void>((resolve, reject) => {
        this.socket!.send(block, { binary: false }, (err) => (err
          ? reject(new LinkError(this.description, `WebREPL write failed: ${err.message}`))
          : resolve()));
      });
    }
  }

  protected shutdown(): void {
    const socket = this.socket!;
    socket.close();
    // A board that no longer answers would keep a closing handshake waiting for 30 s.
    setTimeout(() => socket.terminate(), 1000).unref();
  }
}

function asBuffer(data: WebSocket.RawData): Buffer {
  if (Buffer.isBuffer(data)) return data;
  if (Array.isArray(data)) return Buffer.concat(data);
  return Buffer.from(data);
}

function hostOf(url: string): string {
  return /^ws:\/\/([^/]+)/i.exec(url)?.[1] ?? url;
}

function connectHint(err: NodeJS.ErrnoException): string {
  if (err.code === 'ECONNREFUSED') {
    return 'connection refused: is WebREPL started on the board (import webrepl_setup) and the port right (8266 by default)?';
  }
  if (err.code === 'ENOTFOUND' || err.code === 'EAI_AGAIN') return `unknown host (${err.code}); check the address or use the board's IP`;
  if (err.code === 'EHOSTUNREACH' || err.code === 'ETIMEDOUT') return `the board is unreachable (${err.code}); is it powered and on this network?`;
  return `cannot connect to WebREPL: ${err.message}`;
}

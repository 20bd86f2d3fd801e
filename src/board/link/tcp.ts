import * as net from 'node:net';
import { BaseLink } from './base-link';
import { LinkError } from './link';

/** How long to wait for the TCP connection before giving up. */
const CONNECT_TIMEOUT_MS = 10000;

/** A raw byte stream over TCP: ser2net, esp-link, a board emulator. */
export class TcpLink extends BaseLink {
  readonly description: string;
  /** TCP has its own flow control; what is beyond it (a UART behind ser2net) the raw-paste window covers. */
  readonly pacing = { chunk: 4096, pauseMs: 0 };
  private socket?: net.Socket;

  constructor(readonly host: string, readonly port: number, private readonly connectTimeoutMs = CONNECT_TIMEOUT_MS) {
    super();
    this.description = `tcp://${host.includes(':') ? `[${host}]` : host}:${port}`;
  }

  async open(): Promise<void> {
    if (this.socket) throw new LinkError(this.description, 'open() was already called on this link');
    const socket = net.connect({ host: this.host, port: this.port });
    this.socket = socket;
    await new Promise<void>((resolve, reject) => {
      const timer = setTimeout(() => {
        socket.destroy();
        reject(new LinkError(this.description,
          `no answer within ${this.connectTimeoutMs / 1000} s; is the host reachable and the port right?`));
      }, this.connectTimeoutMs);
      socket.once('connect', () => { clearTimeout(timer); resolve(); });
      socket.once('error', (err) => { clearTimeout(timer); reject(connectError(this.description, err)); });
    });
    socket.setNoDelay(true);
    socket.setKeepAlive(true, 10000);
    let lastError: Error | undefined;
    socket.on('data', (chunk: Buffer) => this.received(chunk));
    socket.on('error', (err) => { lastError = err; });
    socket.on('close', () => this.ended(new LinkError(this.description, lastError
      ? `connection lost (${lastError.message})`
      : 'the remote end closed the connection')));
    this.opened();
  }

  async write(data: Uint8Array): Promise<void> {
    this.assertWritable();
    const socket = this.socket!;
    await new Promise<void>((resolve, reject) => {
      socket.write(data, (err) => (err ? reject(new LinkError(this.description, `write failed: ${err.message}`)) : resolve()));
    });
  }

  protected shutdown(): void {
    this.socket!.destroy();
  }
}

function connectError(description: string, err: NodeJS.ErrnoException): LinkError {
  const hints: Record<string, string> = {
    ECONNREFUSED: 'connection refused: nothing listens on that port; is the bridge (ser2net, esp-link) running?',
    ENOTFOUND: 'unknown host name; check the spelling or use the IP address.',
    EAI_AGAIN: 'the host name could not be resolved right now; check the network or use the IP address.',
    EHOSTUNREACH: 'host unreachable; is it on the same network and powered?',
    ENETUNREACH: 'network unreachable; check this machine\'s network connection.',
    ETIMEDOUT: 'the connection timed out; is the host reachable and the port right?',
  };
  return new LinkError(description, `cannot connect (${err.code ?? err.message}): ${hints[err.code ?? ''] ?? err.message}`);
}

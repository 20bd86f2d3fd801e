import { EventEmitter, once } from 'node:events';
import { AddressInfo } from 'node:net';
import WebSocket, { WebSocketServer } from 'ws';

/** Whatever stands behind the WebREPL: the virtual board, or a fake for link tests. */
export interface BytePeer {
  write(data: Uint8Array): unknown;
  on(event: 'data', listener: (chunk: Uint8Array) => void): unknown;
  removeListener(event: 'data', listener: (chunk: Uint8Array) => void): unknown;
}

export interface WebReplServerOptions {
  /** The board's WebREPL password; null greets without asking, as a board started without one. Default 'belay'. */
  password?: string | null;
  /** What the REPL bytes are relayed to; default an echo. */
  peer?: BytePeer;
  /** Send the peer's bytes as binary frames instead of text frames. */
  binaryReplies?: boolean;
  /** Like an ESP32's small input buffer: bytes beyond `bytes` within any `ms` window are lost. */
  dropBeyond?: { bytes: number; ms: number };
  /** Sent in its own frame right after the welcome, as board output that follows it at once. */
  afterWelcome?: string;
  /** Accept sockets but never send the password prompt. */
  silent?: boolean;
}

export interface WebReplServer {
  /** ws://127.0.0.1:PORT */
  url: string;
  port: number;
  /** Bytes lost to `dropBeyond`. */
  dropped: number;
  /** REPL bytes passed on to the peer. */
  relayed: number;
  /** Frames the client sent as binary (a WebREPL client sends text). */
  binaryFramesIn: number;
  /** Closes every client socket from the board's side. */
  disconnectAll(): void;
  close(): Promise<void>;
}

/** A peer that sends back whatever it is given. */
export function echoPeer(): BytePeer {
  const peer = new EventEmitter();
  return Object.assign(peer, { write: (data: Uint8Array) => peer.emit('data', Buffer.from(data)) });
}

/**
 * A real WebSocket server on 127.0.0.1 speaking MicroPython's WebREPL login and relaying REPL bytes
 * to a peer. Like a board it takes one client at a time and closes any second one at once.
 */
export async function startWebReplServer(options: WebReplServerOptions = {}): Promise<WebReplServer> {
  const password = options.password === undefined ? 'belay' : options.password;
  const peer = options.peer ?? echoPeer();
  // A board accepts any bytes in text frames, so this server must too.
  const wss = new WebSocketServer({ host: '127.0.0.1', port: 0, perMessageDeflate: false, skipUTF8Validation: true });
  await once(wss, 'listening');
  const port = (wss.address() as AddressInfo).port;
  let current: WebSocket | undefined;
  const arrivals: { at: number; n: number }[] = [];

  const server: WebReplServer = {
    url: `ws://127.0.0.1:${port}`,
    port,
    dropped: 0,
    relayed: 0,
    binaryFramesIn: 0,
    disconnectAll: () => { for (const c of wss.clients) c.close(1001, 'board going away'); },
    close: async () => {
      for (const c of wss.clients) c.terminate();
      await new Promise((resolve) => wss.close(resolve));
    },
  };

  /** Keeps what fits in the simulated input buffer and counts the rest as dropped. */
  const admit = (bytes: Buffer): Buffer => {
    if (!options.dropBeyond) return bytes;
    const now = Date.now();
    while (arrivals.length > 0 && now - arrivals[0].at >= options.dropBeyond.ms) arrivals.shift();
    const used = arrivals.reduce((sum, a) => sum + a.n, 0);
    const kept = bytes.subarray(0, Math.max(0, options.dropBeyond.bytes - used));
    arrivals.push({ at: now, n: kept.length });
    server.dropped += bytes.length - kept.length;
    return kept;
  };

  wss.on('connection', (socket) => {
    if (current) {
      socket.terminate();
      return;
    }
    current = socket;
    let typed: number[] | undefined = password === null ? undefined : [];
    const toClient = (chunk: Uint8Array) => socket.send(chunk, { binary: options.binaryReplies === true });
    const welcome = () => {
      socket.send('\r\nWebREPL connected\r\n>>> ');
      if (options.afterWelcome) socket.send(options.afterWelcome);
      peer.on('data', toClient);
    };
    const relay = (bytes: Buffer) => {
      const kept = admit(bytes);
      server.relayed += kept.length;
      if (kept.length > 0) peer.write(kept);
    };
    socket.on('message', (data: Buffer, isBinary) => {
      if (isBinary) server.binaryFramesIn++;
      if (typed === undefined) {
        relay(data);
        return;
      }
      // Login: bytes up to "\r" or "\n" are the password; the rest of the frame is REPL input.
      const end = data.findIndex((b) => b === 13 || b === 10);
      typed.push(...data.subarray(0, end < 0 ? data.length : end));
      if (end < 0) return;
      if (Buffer.from(typed).toString('utf8') !== password) {
        socket.send('\r\nAccess denied\r\n');
        socket.close();
        return;
      }
      typed = undefined;
      welcome();
      if (end + 1 < data.length) relay(data.subarray(end + 1));
    });
    socket.on('close', () => {
      peer.removeListener('data', toClient);
      current = undefined;
    });
    if (options.silent) return;
    if (typed) socket.send('Password: ');
    else welcome();
  });
  return server;
}

/**
 * The virtual board as an endpoint for other tools (mpremote, a terminal, the tcp:// link): a TCP
 * server carrying the raw byte stream, or a pseudo-terminal made by socat that looks like a serial
 * port. Runnable:
 *
 *   node dist/src/virtual/serve.js --tcp 127.0.0.1:2217 [--name N] [--fs DIR]
 *   node dist/src/virtual/serve.js --pty /tmp/ttyVIRTUAL [--name N] [--fs DIR]
 */
import * as fs from 'node:fs';
import * as net from 'node:net';
import { spawn, type ChildProcess } from 'node:child_process';
import { getVirtualBoard } from './registry';
import type { VirtualBoard, VirtualBoardOptions } from './board';

export interface ServeOptions extends VirtualBoardOptions {
  /** serve this board instead of getVirtualBoard(name) */
  board?: VirtualBoard;
}

export interface Endpoint {
  board: VirtualBoard;
  /** "127.0.0.1:PORT" or the pty path */
  address: string;
  /** Stops serving and closes the board. */
  close(): Promise<void>;
}

async function boardFor(opts: ServeOptions): Promise<VirtualBoard> {
  const board = opts.board ?? getVirtualBoard(opts.name ?? 'default', opts);
  await board.start();
  return board;
}

/** Serves the board's byte stream to every TCP client (all see its output). */
export async function serveTcp(host: string, port: number, opts: ServeOptions = {}): Promise<Endpoint & { port: number }> {
  const board = await boardFor(opts);
  const sockets = new Set<net.Socket>();
  const server = net.createServer((sock) => {
    sockets.add(sock);
    const onData = (d: Buffer) => sock.write(d);
    board.on('data', onData);
    sock.on('data', (d) => { if (!board.isClosed) board.write(d); });
    sock.on('error', () => undefined);
    sock.on('close', () => { sockets.delete(sock); board.off('data', onData); });
  });
  await new Promise<void>((resolve, reject) => {
    server.once('error', (e) => reject(new Error(`virtual:${board.name}: cannot listen on ${host}:${port}: ${e.message}`)));
    server.listen(port, host, () => resolve());
  });
  const actual = (server.address() as net.AddressInfo).port;
  board.once('close', () => server.close());
  return {
    board, port: actual, address: `${host}:${actual}`,
    async close() {
      for (const s of sockets) s.destroy();
      await new Promise<void>((resolve) => server.close(() => resolve()));
      await board.close();
    },
  };
}

/**
 * Makes a pseudo-terminal at linkPath (socat `pty,raw,echo=0,link=PATH`) whose other end is the
 * board: open linkPath as a serial port. Needs socat (Debian package socat).
 */
export async function servePty(linkPath: string, opts: ServeOptions = {}): Promise<Endpoint & { process: ChildProcess }> {
  const board = await boardFor(opts);
  const child = spawn('socat', [`pty,raw,echo=0,link=${linkPath}`, 'STDIO'], { stdio: ['pipe', 'pipe', 'inherit'] });
  const failed = new Promise<never>((_, reject) => {
    child.once('error', (e) => reject(new Error(`virtual:${board.name}: cannot run socat for a pty (${e.message}); install it: apt-get install socat`)));
    child.once('exit', (code) => reject(new Error(`virtual:${board.name}: socat exited (${code}) before the pty ${linkPath} was ready`)));
  });
  failed.catch(() => undefined);
  const onData = (d: Buffer) => child.stdin!.write(d);
  board.on('data', onData);
  child.stdout!.on('data', (d: Buffer) => { if (!board.isClosed) board.write(d); });
  child.stdin!.on('error', () => undefined);
  const deadline = Date.now() + 5000;
  while (!fs.existsSync(linkPath)) {
    if (Date.now() > deadline) {
      child.kill();
      throw new Error(`virtual:${board.name}: socat made no pty at ${linkPath} within 5 s`);
    }
    await Promise.race([new Promise((r) => setTimeout(r, 10)), failed]);
  }
  return {
    board, process: child, address: linkPath,
    async close() {
      board.off('data', onData);
      if (child.exitCode === null) {
        const gone = new Promise((r) => child.once('exit', r));
        child.kill();
        await gone;
      }
      await board.close();
    },
  };
}

function parseArgs(argv: string[]): Record<string, string> {
  const out: Record<string, string> = {};
  for (let i = 0; i < argv.length; i++) {
    const a = argv[i];
    if (!a.startsWith('--')) throw new Error(`unexpected argument ${a}`);
    out[a.slice(2)] = argv[++i] ?? '';
  }
  return out;
}

async function cli(): Promise<void> {
  const args = parseArgs(process.argv.slice(2));
  const opts: ServeOptions = { name: args.name || 'default', fsDir: args.fs || undefined };
  let ep: Endpoint;
  if (args.tcp) {
    const [host, port] = args.tcp.includes(':') ? args.tcp.split(':') : ['127.0.0.1', args.tcp];
    ep = await serveTcp(host, Number(port), opts);
  } else if (args.pty) {
    ep = await servePty(args.pty, opts);
  } else {
    throw new Error('usage: serve.js (--tcp HOST:PORT | --pty PATH) [--name NAME] [--fs DIR]');
  }
  console.log(`virtual:${ep.board.name} (files in ${ep.board.fsDir}) serving on ${ep.address}`);
  const stop = () => { void ep.close().then(() => process.exit(0)); };
  process.on('SIGINT', stop);
  process.on('SIGTERM', stop);
}

if (require.main === module) {
  cli().catch((e) => {
    console.error((e as Error).message);
    process.exit(1);
  });
}

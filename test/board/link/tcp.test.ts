import { test } from 'node:test';
import assert from 'node:assert/strict';
import { once } from 'node:events';
import * as net from 'node:net';
import { TcpLink } from '../../../src/board/link/tcp';
import { LinkError } from '../../../src/board/link/link';
import { collect, patternBytes } from '../../support/bytes';

/** A TCP server on a free local port; resolves with it and the first connection it accepts. */
async function listen(): Promise<{ server: net.Server; port: number; accepted: Promise<net.Socket> }> {
  const server = net.createServer();
  const accepted = once(server, 'connection').then(([socket]) => socket as net.Socket);
  server.listen(0, '127.0.0.1');
  await once(server, 'listening');
  return { server, port: (server.address() as net.AddressInfo).port, accepted };
}

async function stop(server: net.Server, ...sockets: (net.Socket | undefined)[]): Promise<void> {
  for (const s of sockets) s?.destroy();
  await new Promise((resolve) => server.close(resolve));
}

test('TcpLink moves bytes both ways, including 100 KB in one write', { timeout: 20000 }, async () => {
  const { server, port, accepted } = await listen();
  const link = new TcpLink('127.0.0.1', port);
  let peer: net.Socket | undefined;
  try {
    await link.open();
    peer = await accepted;
    assert.equal(link.isOpen, true);
    assert.equal(link.description, `tcp://127.0.0.1:${port}`);
    assert.deepEqual(link.pacing, { chunk: 4096, pauseMs: 0 });

    const data = patternBytes(100 * 1024);
    const atPeer = collect(peer, data.length);
    await link.write(data);
    assert.deepEqual(await atPeer, data);

    const back = Buffer.from('hello from the board\r\n>');
    const atLink = collect(link, back.length);
    peer.write(back);
    assert.deepEqual(await atLink, back);
  } finally {
    await link.close();
    await stop(server, peer);
  }
});

test('TcpLink emits one close with an Error when the peer drops the connection', { timeout: 10000 }, async () => {
  const { server, port, accepted } = await listen();
  const link = new TcpLink('127.0.0.1', port);
  try {
    await link.open();
    const closes: (Error | undefined)[] = [];
    link.on('close', (err?: Error) => closes.push(err));
    const closed = once(link, 'close');
    (await accepted).destroy();
    await closed;
    assert.equal(closes.length, 1);
    assert.ok(closes[0] instanceof LinkError);
    assert.match(closes[0].message, /closed the connection/);
    assert.equal(link.isOpen, false);
    await assert.rejects(link.write(Buffer.from('x')), LinkError);
    await link.close();
    assert.equal(closes.length, 1);
  } finally {
    await stop(server);
  }
});

test('TcpLink.close() emits close without an error', { timeout: 10000 }, async () => {
  const { server, port, accepted } = await listen();
  const link = new TcpLink('127.0.0.1', port);
  try {
    await link.open();
    const peer = await accepted;
    const peerClosed = once(peer, 'close');
    const closes: unknown[] = [];
    link.on('close', (err?: Error) => closes.push(err));
    await link.close();
    await link.close();
    assert.deepEqual(closes, [undefined]);
    await peerClosed;
  } finally {
    await stop(server);
  }
});

test('TcpLink.open() on a refused port rejects with a LinkError and a hint', { timeout: 10000 }, async () => {
  // Take a free port and release it again, so nothing listens there.
  const { server, port } = await listen();
  await stop(server);
  const link = new TcpLink('127.0.0.1', port);
  const err = await link.open().then(() => undefined, (e: unknown) => e);
  assert.ok(err instanceof LinkError, `expected a LinkError, got ${err}`);
  assert.equal(err.board, `tcp://127.0.0.1:${port}`);
  assert.match(err.message, /ECONNREFUSED/);
  assert.match(err.message, /is the bridge .* running/);
  assert.equal(link.isOpen, false);
});

test('TcpLink closed while opening ends up closed, not open', { timeout: 10000 }, async () => {
  const { server, port, accepted } = await listen();
  const link = new TcpLink('127.0.0.1', port);
  const closes: unknown[] = [];
  link.on('close', (err?: Error) => closes.push(err));
  try {
    const opening = link.open();
    await link.close();
    await assert.rejects(opening, /closed while it was being opened/);
    assert.equal(link.isOpen, false);
    const peer = await accepted;
    if (!peer.closed) await once(peer, 'close');
    assert.deepEqual(closes, []);
    await link.close();
  } finally {
    await stop(server);
  }
});

import { test } from 'node:test';
import assert from 'node:assert/strict';
import { once } from 'node:events';
import { SerialPortStream } from '@serialport/stream';
import { autoDetect } from '@serialport/bindings-cpp';
import { SerialLink } from '../../../src/board/link/serial';
import { LinkError } from '../../../src/board/link/link';
import { openPtyPair, PtyPair } from '../../support/pty';
import { collect, patternBytes } from '../../support/bytes';

/** A plain port (bindings-cpp without our hang-up fix) on the far end of the pty pair, standing in for the board. */
async function openPeer(path: string): Promise<SerialPortStream> {
  const peer = new SerialPortStream({ binding: autoDetect(), path, baudRate: 115200, autoOpen: false });
  await new Promise<void>((resolve, reject) => peer.open((err) => (err ? reject(err) : resolve())));
  return peer;
}

async function withPair(fn: (pair: PtyPair, link: SerialLink, peer: SerialPortStream) => Promise<void>): Promise<void> {
  const pair = await openPtyPair();
  const link = new SerialLink(pair.a, { baud: 115200 });
  let peer: SerialPortStream | undefined;
  try {
    await link.open();
    peer = await openPeer(pair.b);
    await fn(pair, link, peer);
  } finally {
    await link.close();
    if (peer?.isOpen) await new Promise((resolve) => peer!.close(resolve));
    await pair.kill();
  }
}

test('SerialLink carries every byte value both ways over a pty', { timeout: 20000 }, async () => {
  await withPair(async (_pair, link, peer) => {
    assert.equal(link.isOpen, true);
    assert.equal(link.description, _pair.a);
    const all = Buffer.from(Array.from({ length: 256 }, (_, i) => i));

    const atPeer = collect(peer, all.length);
    await link.write(all);
    assert.deepEqual(await atPeer, all);

    const reversed = Buffer.from(all).reverse();
    const atLink = collect(link, reversed.length);
    peer.write(reversed);
    assert.deepEqual(await atLink, reversed);
  });
});

test('SerialLink moves 100 KB each way, written in paced chunks', { timeout: 60000 }, async () => {
  await withPair(async (_pair, link, peer) => {
    const data = patternBytes(100 * 1024);
    const { chunk, pauseMs } = link.pacing;
    assert.ok(chunk > 0 && pauseMs >= 0);

    const atPeer = collect(peer, data.length);
    for (let at = 0; at < data.length; at += chunk) {
      await link.write(data.subarray(at, at + chunk));
      await new Promise((resolve) => setTimeout(resolve, pauseMs));
    }
    assert.deepEqual(await atPeer, data);

    const atLink = collect(link, data.length);
    peer.write(data);
    assert.deepEqual(await atLink, data);
  });
});

test('SerialLink emits one close with an Error when the pty vanishes', { timeout: 20000 }, async () => {
  const pair = await openPtyPair();
  const link = new SerialLink(pair.a);
  try {
    await link.open();
    const closes: (Error | undefined)[] = [];
    link.on('close', (err?: Error) => closes.push(err));
    const closed = once(link, 'close');
    // The port's own 'close' is the last thing it emits after a hang-up: a second close of the
    // link could only come from it or before it.
    const portClosed = once((link as unknown as { port: SerialPortStream }).port, 'close');
    await pair.kill();
    await closed;
    await portClosed;
    assert.equal(closes.length, 1);
    assert.ok(closes[0] instanceof LinkError, `expected a LinkError, got ${closes[0]}`);
    assert.match(closes[0].message, new RegExp(pair.a));
    assert.equal(link.isOpen, false);
    await assert.rejects(link.write(Buffer.from('x')), LinkError);
  } finally {
    await link.close();
    await pair.kill();
  }
});

test('SerialLink.close() emits close without an error, and is safe to call twice', { timeout: 20000 }, async () => {
  const pair = await openPtyPair();
  const link = new SerialLink(pair.a);
  try {
    await link.open();
    const closes: unknown[] = [];
    link.on('close', (err?: Error) => closes.push(err));
    await link.close();
    await link.close();
    assert.deepEqual(closes, [undefined]);
    assert.equal(link.isOpen, false);
  } finally {
    await pair.kill();
  }
});

test('SerialLink.open() on a missing path rejects with a LinkError naming the path', { timeout: 10000 }, async () => {
  const path = '/dev/ttyBELAY-does-not-exist';
  const link = new SerialLink(path);
  const err = await link.open().then(() => undefined, (e: unknown) => e);
  assert.ok(err instanceof LinkError, `expected a LinkError, got ${err}`);
  assert.equal(err.board, path);
  assert.match(err.message, /ttyBELAY-does-not-exist/);
  assert.match(err.message, /plugged in/);
  assert.equal(link.isOpen, false);
  await link.close();
});

test('SerialLink.open() waits for a port another link is closing, and names a port that stays busy', { timeout: 20000 }, async () => {
  const pair = await openPtyPair();
  try {
    const first = new SerialLink(pair.b);
    await first.open();
    const second = new SerialLink(pair.b);
    // while the first holds the port the second tries again; the first closes: the second gets it
    const opening = second.open();
    setImmediate(() => { void first.close(); });
    await opening;
    assert.equal(second.isOpen, true);
    const third = new SerialLink(pair.b);
    await assert.rejects(third.open(), (e: unknown) => e instanceof LinkError && /another program has the port open/.test(e.message));
    await second.close();
  } finally {
    await pair.kill();
  }
});

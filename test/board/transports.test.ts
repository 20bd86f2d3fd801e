import { test, after } from 'node:test';
import assert from 'node:assert/strict';
import { Device } from '../../src/board/device';
import { VirtualBoard } from '../../src/virtual';
import { BoardError } from '../../src/board/types';
import { startWebReplServer } from '../support/webrepl-server';
import { openPtyPair } from '../support/pty';
import { SerialLink } from '../../src/board/link/serial';
import { rng, randomValue } from './python/random-values';

const cleanups: (() => Promise<unknown>)[] = [];
after(async () => {
  for (const c of cleanups.reverse()) await c().catch(() => undefined);
});

test('values round-trip through a task on the virtual board (property test, 300 random values)', { timeout: 60000 }, async () => {
  const d = new Device({ port: `virtual:values-${process.pid}` });
  cleanups.push(() => d.close());
  await d.connect();
  await d.define('echo', 'def echo(v):\n    return v\n');
  const r = rng(20261123);
  for (let i = 0; i < 300; i++) {
    // Lone surrogates cannot cross a UTF-8 byte stream; every other string can.
    const v = randomValue(r, 3, false);
    const { value } = await d.call('echo', [v]);
    assert.deepEqual(value, v, `value #${i}: ${JSON.stringify(v, (_k, x) => (typeof x === 'bigint' ? `${x}n` : x))}`);
  }
});

test('a board behind WebREPL: login, calls, no soft reset, wrong password named', { timeout: 60000 }, async () => {
  const board = new VirtualBoard({ name: `webrepl-${process.pid}` });
  await board.start();
  cleanups.push(() => board.close());
  const server = await startWebReplServer({ password: 'secret', peer: board });
  cleanups.push(() => server.close());

  const d = new Device({ port: server.url, password: 'secret' });
  cleanups.push(() => d.close());
  await d.connect();
  await d.exec('kept = 41');
  await d.define('k', 'def inc(x):\n    return x + 1\n');
  assert.equal((await d.call('inc', [1])).value, 2);
  await d.disconnect();
  // Over WebREPL the board is never soft-reset: a new session still sees the old globals.
  const again = new Device({ port: server.url, password: 'secret' });
  cleanups.push(() => again.close());
  await again.connect();
  assert.equal((await again.exec('kept + 1')).value, 42);
  await again.disconnect();

  const wrong = new Device({ port: server.url, password: 'nope', reconnect: false });
  cleanups.push(() => wrong.close());
  await assert.rejects(wrong.connect(), (e: unknown) => e instanceof Error && /password/i.test(e.message) && e.message.includes('127.0.0.1'));
});

test('a board behind a real pty (socat): calls, printed output, errors', { timeout: 60000 }, async () => {
  const pair = await openPtyPair();
  cleanups.push(() => pair.kill());
  const board = new VirtualBoard({ name: `pty-${process.pid}` });
  await board.start();
  cleanups.push(() => board.close());
  const end = new SerialLink(pair.a);
  await end.open();
  cleanups.push(() => end.close());
  end.on('data', (c: Buffer) => board.write(c));
  board.on('data', (c: Buffer) => { void end.write(c).catch(() => undefined); });

  const d = new Device({ port: pair.b });
  cleanups.push(() => d.close());
  const info = await d.connect();
  assert.equal(info.platform, 'webassembly');
  await d.define('k', 'def shout(s):\n    print("got", s)\n    return s.upper()\n');
  const r = await d.call('shout', ['hi']);
  assert.deepEqual(r, { value: 'HI', stdout: 'got hi\n' });
  await assert.rejects(d.exec('1/0'), (e: unknown) => e instanceof BoardError && e.type === 'ZeroDivisionError');
  const all = await Promise.all(Array.from({ length: 200 }, (_, i) => d.call('shout', [`x${i}`])));
  assert.deepEqual(all.map((x) => x.value), Array.from({ length: 200 }, (_, i) => `X${i}`));
});

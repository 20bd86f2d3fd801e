/**
 * The whole path over a real serial line: flow message → belay-task → Device → SerialLink on a socat
 * pty → a virtual board holding the other end of the pty, and back.
 */
import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import { connected, device, load, roundTrip, sink, unload } from '../support/nr';
import { openPtyPair, type PtyPair } from '../support/pty';
import { SerialLink } from '../../src/board/link/serial';
import { VirtualBoard } from '../../src/virtual';

const z = 'tab';
let pair: PtyPair;
let board: VirtualBoard;
let end: SerialLink;

before(async () => {
  pair = await openPtyPair();
  board = new VirtualBoard({ name: `nodes-pty-${process.pid}` });
  await board.start();
  end = new SerialLink(pair.a);
  await end.open();
  end.on('data', (c: Buffer) => board.write(c));
  board.on('data', (c: Buffer) => { void end.write(c).catch(() => undefined); });
  await load([
    { id: z, type: 'tab', label: 'pty' },
    device('dev', pair.b),
    { id: 'task', z, type: 'belay-task', device: 'dev', name: '', code: 'def area(w, h=1):\n    print("w", w)\n    return w * h\n', timeout: '', wires: [['out']] },
    { ...sink('out'), z },
  ]);
  await connected('task');
});

after(async () => {
  await unload();
  await end.close().catch(() => undefined);
  await board.close();
  await pair.kill();
});

test('a task over a real pty: arguments in, return value and printed text out', { timeout: 60000 }, async () => {
  const msg = await roundTrip('task', 'out', { payload: { w: 3, h: 4 }, topic: 'size' });
  assert.equal(msg.payload, 12);
  assert.equal(msg.stdout, 'w 3\n');
  assert.equal(msg.topic, 'size');
  const seq = await roundTrip('task', 'out', { payload: [5] });
  assert.equal(seq.payload, 5);
});

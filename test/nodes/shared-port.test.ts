/**
 * One port is one board (issue #10): config nodes naming the same port share one Device (one
 * connection, one queue), each one's setup and teardown runs, the definitions of all are there;
 * a serial path and a symlink to it are the same port. Also: two nodes defining one function name
 * are named by their labels, never their ids.
 */
import assert from 'node:assert/strict';
import fs from 'node:fs';
import { after, test } from 'node:test';
import { connected, deploy, device, load, messages, node, roundTrip, sink, statusOf, unload, virtualPort, type FlowNode } from '../support/nr';
import { openPtyPair } from '../support/pty';
import { SerialLink } from '../../src/board/link/serial';
import { VirtualBoard } from '../../src/virtual';

const z = 'tab';

after(async () => {
  await unload();
});

const exec = (id: string, dev: string, extra: Record<string, unknown> = {}): FlowNode =>
  ({ id, z, type: 'belay-exec', device: dev, name: '', code: '', timeout: '', wires: [['out']], ...extra });
const task = (id: string, dev: string, code: string, extra: Record<string, unknown> = {}): FlowNode =>
  ({ id, z, type: 'belay-task', device: dev, name: '', code, timeout: '', wires: [['out']], ...extra });
/** A teardown that leaves a file behind, so a later connection can tell it ran. */
const leaves = (file: string) => `f = open('${file}', 'w')\nf.write('x')\nf.close()`;

test('two config nodes on one virtual port share one connection; setups, teardowns and definitions of both', { timeout: 120000 }, async () => {
  const port = virtualPort('shared');
  const a = device('devA', port, { name: 'board A', setup: "from_a = 'a'", teardown: leaves('torn_a') });
  // `virtual:NAME` names one board however it is written
  const b = device('devB', ` ${port} `, { name: 'board B', setup: "from_b = 'b'", teardown: leaves('torn_b') });
  const both: FlowNode[] = [
    { id: z, type: 'tab', label: 'shared' },
    a, b,
    exec('execA', 'devA'), exec('execB', 'devB'),
    task('taskA', 'devA', 'def tag_a(n):\n    return [from_a, n]'),
    task('taskB', 'devB', 'def tag_b(n):\n    return [from_b, n]'),
    { ...sink('out'), z },
  ];
  await load(both);
  await connected('execA');
  await connected('execB');
  assert.equal(node('devA').board.device, node('devB').board.device, 'one Device for the port');

  // Before the fix each config node opened its own connection to the board and both broke.
  const run = async (id: string, code: string) => (await roundTrip(id, 'out', { code })).payload;
  assert.deepEqual(await run('execA', '[from_a, from_b]'), ['a', 'b'], 'each config node\'s setup ran');
  await run('execA', "import os\nfor f in ('torn_a', 'torn_b'):\n    try:\n        os.remove(f)\n    except OSError:\n        pass");

  // Calls from both config nodes' nodes share one queue: every answer is the right one.
  const replies = messages('out', 50);
  for (let i = 0; i < 50; i++) node(i % 2 ? 'taskA' : 'taskB').receive({ payload: i });
  const got = await replies;
  assert.deepEqual(got.map((m) => m.payload[1]), [...Array(50).keys()], 'in order, one queue');
  for (const m of got) assert.equal(m.payload[0], m.payload[1] % 2 ? 'a' : 'b');

  // Removing board B and its nodes: B's teardown runs, board A goes on without a restart.
  await run('execA', "kept = 'still here'");
  await deploy(both.filter((n) => !['devB', 'execB', 'taskB'].includes(n.id)), 'nodes');
  await connected('execA');
  assert.equal(await run('execA', 'kept'), 'still here', 'the board was not restarted');
  assert.deepEqual(await run('execA', "[f for f in ('torn_a', 'torn_b') if f in __import__('os').listdir()]"), ['torn_b']);
  assert.deepEqual((await roundTrip('taskA', 'out', { payload: 1 })).payload, ['a', 1]);

  // A full stop: A's teardown runs too.
  await unload();
  await load([{ id: z, type: 'tab', label: 'shared' }, device('devC', port), exec('execC', 'devC'), { ...sink('out'), z }]);
  await connected('execC');
  assert.deepEqual(await run('execC', "[f for f in ('torn_a', 'torn_b') if f in __import__('os').listdir()]"), ['torn_a', 'torn_b']);
  await unload();
});

test('a later config node on the port whose connection settings differ is told whose are used, by name', { timeout: 60000 }, async () => {
  const port = virtualPort('shared-warn');
  await load([
    { id: z, type: 'tab', label: 'warn' },
    device('cfg111', port, { name: 'the first board' }),
    device('cfg222', port, { name: 'the second', softReset: false }),
    exec('e1', 'cfg111'), exec('e2', 'cfg222'),
    { ...sink('out'), z },
  ]);
  await connected('e2');
  const warned = (node('cfg222').warn as { getCalls(): { args: unknown[] }[] }).getCalls().map((c) => String(c.args[0]));
  assert.ok(warned.some((w) => w.includes('"the first board"') && w.includes('soft reset')), JSON.stringify(warned));
  assert.ok(warned.every((w) => !/cfg111|cfg222/.test(w)), 'no node ids');
  await unload();
});

test('a serial path and a symlink to it are one board: one Device, both config nodes work', { timeout: 90000 }, async () => {
  const pair = await openPtyPair();
  const board = new VirtualBoard({ name: `shared-pty-${process.pid}` });
  await board.start();
  const end = new SerialLink(pair.a);
  await end.open();
  end.on('data', (c: Buffer) => board.write(c));
  board.on('data', (c: Buffer) => { void end.write(c).catch(() => undefined); });
  try {
    // pair.b is a symlink to /dev/pts/N, as /dev/serial/by-id/... is to /dev/ttyACM0
    await load([
      { id: z, type: 'tab', label: 'pty' },
      device('byLink', pair.b, { name: 'by link' }),
      device('byPath', fs.realpathSync(pair.b), { name: 'by path' }),
      exec('e1', 'byLink'), exec('e2', 'byPath'),
      { ...sink('out'), z },
    ]);
    await connected('e1');
    await connected('e2');
    assert.equal(node('byLink').board.device, node('byPath').board.device);
    assert.equal((await roundTrip('e1', 'out', { code: 'shared = 6 * 7' })).payload, null);
    assert.equal((await roundTrip('e2', 'out', { code: 'shared' })).payload, 42, 'the same board behind both');
    await unload();
  } finally {
    await end.close().catch(() => undefined);
    await board.close();
    await pair.kill();
  }
});

test('two nodes defining one function name: both are warned, by label, and show it in their status', { timeout: 60000 }, async () => {
  await load([
    { id: z, type: 'tab', label: 'clash' },
    device('dev', virtualPort('clash')),
    task('task111', 'dev', 'def same():\n    return 1', { name: 'first one' }),
    task('task222', 'dev', 'def helper():\n    pass\n\ndef same():\n    return 2'),
    { ...sink('out'), z },
  ]);
  await statusOf('task111', (s) => s.text === 'same() defined twice');
  await statusOf('task222', (s) => s.text === 'same() defined twice');
  const warnings = ['task111', 'task222'].flatMap((id) => (node(id).warn as { getCalls(): { args: unknown[] }[] }).getCalls().map((c) => String(c.args[0])));
  assert.ok(warnings.length > 0);
  for (const w of warnings) {
    assert.doesNotMatch(w, /task111|task222/, `no node ids in "${w}"`);
    assert.match(w, /"first one"|"belay-task same\(\)"/, w);
  }
  await unload();
});

/**
 * The connection's life as a flow sees it, on the virtual board: setup again after a lost link,
 * teardown on redeploy, partial deploys (a changed task keeps the board; a changed device restarts
 * it), msg.action, and no worker left running after a full redeploy or stop.
 */
import assert from 'node:assert/strict';
import fs from 'node:fs';
import { after, test } from 'node:test';
import { connected, deploy, device, load, message, node, roundTrip, sink, statusOf, unload, virtualPort, type FlowNode } from '../support/nr';

const z = 'tab';
const port = virtualPort('life');
// Setup and teardown count their runs in files, which outlive soft resets and reconnects.
const SETUP = "try:\n    n = int(open('setups').read())\nexcept OSError:\n    n = 0\nf = open('setups', 'w')\nf.write(str(n + 1))\nf.close()\nmarker = 'set up'";
const TEARDOWN = "try:\n    n = int(open('teardowns').read())\nexcept OSError:\n    n = 0\nf = open('teardowns', 'w')\nf.write(str(n + 1))\nf.close()";

function flow(taskCode: string, deviceExtra: Record<string, unknown> = {}): FlowNode[] {
  return [
    { id: z, type: 'tab', label: 'life' },
    device('dev', port, { setup: SETUP, teardown: TEARDOWN, ...deviceExtra }),
    { id: 'task', z, type: 'belay-task', device: 'dev', name: '', code: taskCode, timeout: '', wires: [['out']] },
    { id: 'exec', z, type: 'belay-exec', device: 'dev', name: '', code: '', timeout: '', wires: [['out']] },
    { ...sink('out'), z },
  ];
}

const V1 = 'def version():\n    return 1';
const V2 = 'def version():\n    return 2';
const run = async (code: string) => (await roundTrip('exec', 'out', { code })).payload;
const counts = () => run("[int(open(f).read()) if f in __import__('os').listdir() else 0 for f in ('setups', 'teardowns')]");
const version = async () => (await roundTrip('task', 'out', {})).payload;

/** OS threads of this process: each virtual board runs in a worker thread. */
function threads(): number {
  return fs.readdirSync('/proc/self/task').length;
}

after(async () => {
  await unload();
});

test('lifecycle on one board', { timeout: 120000 }, async (t) => {
  // libuv starts its thread pool on first use: start it now so it is part of the baseline
  await fs.promises.readFile(__filename);
  const before = threads();
  await load(flow(V1));
  await connected('exec');

  await t.test('setup ran on connect, in the global scope', async () => {
    assert.deepEqual(await counts(), [1, 0]);
    assert.equal(await run('marker'), 'set up');
    assert.equal(await version(), 1);
  });

  await t.test('a lost link reconnects: setup runs again and functions are defined again', async () => {
    const dev = node('dev').board.device;
    const red = statusOf('exec', (s) => s.fill === 'red' || s.fill === 'grey');
    await dev.currentLink.close();
    await red;
    await statusOf('exec', (s) => s.fill === 'green', 30000);
    assert.deepEqual(await counts(), [2, 0]);
    assert.equal(await version(), 1);
  });

  await t.test('msg.action disconnect runs teardown and closes; connect brings it back', async () => {
    const down = statusOf('exec', (s) => s.fill === 'red' && s.text === 'disconnected');
    node('exec').receive({ action: 'disconnect' });
    await down;
    const up = statusOf('task', (s) => s.fill === 'green');
    node('task').receive({ action: 'connect' });
    await up;
    assert.deepEqual(await counts(), [3, 1]);
  });

  await t.test('a partial deploy of a changed task redefines it without restarting the board', async () => {
    await run("kept = 'still here'");
    await deploy(flow(V2), 'nodes');
    await connected('task');
    assert.equal(await version(), 2);
    assert.equal(await run('kept'), 'still here', 'no soft reset happened');
    assert.deepEqual(await counts(), [3, 1], 'no teardown, no setup');
  });

  await t.test('a partial deploy of a changed device restarts the board cleanly', async () => {
    await deploy(flow(V2, { timeout: 20 }), 'nodes');
    await connected('exec');
    assert.deepEqual(await counts(), [4, 2]);
    assert.equal(await run("'kept' in globals()"), false, 'the soft reset cleared the old globals');
    assert.equal(await version(), 2);
  });

  await t.test('a full redeploy runs teardown and leaves exactly one board running', async () => {
    const running = threads();
    await deploy(flow(V2), 'full');
    await connected('exec');
    assert.deepEqual(await counts(), [5, 3]);
    assert.equal(threads(), running, 'the old board\'s worker is gone');
  });

  await t.test('removing every node that uses the board lets it go: teardown, no worker', async () => {
    const done = message('out');
    node('exec').receive({ code: '1' });
    await done;
    await deploy([{ id: z, type: 'tab', label: 'life' }, device('dev', port, { setup: SETUP, teardown: TEARDOWN })], 'full');
    await unload();
    // The board's spare interpreter ends after the close (nothing tells when): look until it has.
    const deadline = Date.now() + 5000;
    while (threads() > before && Date.now() < deadline) await new Promise((r) => setTimeout(r, 10));
    assert.ok(threads() <= before, `threads: ${threads()} now, ${before} before the board started`);
    await load(flow(V2));
    await connected('exec');
    assert.deepEqual(await counts(), [6, 4]);
  });
});

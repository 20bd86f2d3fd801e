/**
 * belay-thread on the virtual board: yields on output 1, printed lines on output 2, the starting
 * message done once the thread runs, msg.stop, autostart, exceptions at a real Catch node with the
 * message that started the thread, and a board without _thread.
 */
import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import { catcher, connected, deploy, device, load, message, messages, node, roundTrip, sink, statusOf, unload, virtualPort, type FlowNode } from '../support/nr';

const z = 'tab';
const thread = (id: string, dev: string, code: string, extra: Record<string, unknown> = {}) => ({
  id, z, type: 'belay-thread', device: dev, name: '', code, autostart: false, timeout: '', wires: [['yields'], ['prints']], ...extra,
});

const devPort = virtualPort('thread');
const COUNTING = "import time\n\ndef counting():\n    global ticks\n    ticks = 0\n    while True:\n        ticks += 1\n        yield ticks\n        time.sleep(0.05)";

function flow(withCounting: boolean): FlowNode[] {
  return [
    { id: z, type: 'tab', label: 'thread' },
    device('dev', devPort),
    device('plain', virtualPort('nothread', '?thread=off')),
    thread('ticker', 'dev', "import time\n\ndef ticker(n, period=0.05):\n    for i in range(n):\n        print('tick', i)\n        yield i\n        time.sleep(period)", { name: 'my ticker' }),
    thread('forever', 'dev', 'import time\n\ndef forever():\n    i = 0\n    while True:\n        yield i\n        i += 1\n        time.sleep(0.05)', { wires: [['forever-out'], []] }),
    thread('crash', 'dev', "import time\n\ndef crash():\n    yield 1\n    raise ValueError('bad sensor')", { wires: [['crash-out'], []] }),
    // it keeps yielding for a while, so the test sees it however fast the board connected
    thread('auto', 'dev', "import time\n\ndef auto():\n    for i in range(40):\n        yield 'started on connect'\n        time.sleep(0.1)", { autostart: true, wires: [['auto-out'], []] }),
    thread('lonely', 'plain', 'def lonely():\n    yield 1', { wires: [[], []] }),
    ...(withCounting ? [thread('counting', 'dev', COUNTING, { wires: [['counting-out'], []] })] : []),
    { id: 'exec', z, type: 'belay-exec', device: 'dev', name: '', code: '', timeout: '', wires: [['exec-out']] },
    { id: 'complete', z, type: 'complete', scope: ['ticker'], uncaught: false, wires: [['completed']] },
    { ...catcher('catch', 'caught'), z },
    ...['yields', 'prints', 'forever-out', 'crash-out', 'auto-out', 'counting-out', 'exec-out', 'completed', 'caught'].map((id) => ({ ...sink(id), z })),
  ];
}

before(async () => {
  await load(flow(true));
  await connected('ticker');
});

after(async () => {
  await unload();
});

test('autostart starts the thread without arguments when the board connects', { timeout: 30000 }, async () => {
  const first = await message('auto-out', 10000);
  assert.equal(first.payload, 'started on connect');
  assert.equal(first.topic, 'auto', 'without a node name the topic is the function name');
  await statusOf('auto', (s) => s.fill === 'blue');
});

test('yields go out of output 1 with the node name as topic, printed lines out of output 2', { timeout: 30000 }, async () => {
  const yields = messages('yields', 3);
  const prints = messages('prints', 3);
  const completed = message('completed');
  node('ticker').receive({ payload: { n: 3 }, marker: 'start' });
  assert.equal((await completed).marker, 'start', 'the starting message is done once the thread runs');
  const ys = await yields;
  assert.deepEqual(ys.map((m) => m.payload), [0, 1, 2]);
  assert.ok(ys.every((m) => m.topic === 'my ticker' && m.marker === 'start'));
  assert.deepEqual((await prints).map((m) => m.payload), ['tick 0', 'tick 1', 'tick 2']);
});

test('a running thread shows a blue dot and msg.stop stops it at its next yield', { timeout: 30000 }, async () => {
  const running = statusOf('forever', (s) => s.fill === 'blue' && s.text === 'running');
  const firstTwo = messages('forever-out', 2);
  node('forever').receive({});
  await running;
  await firstTwo;
  node('forever').receive({ stop: true });
  await statusOf('forever', (s) => s.fill === 'green');
  // Node-RED delivers messages asynchronously: let the ones sent before the end arrive first
  await new Promise((r) => setTimeout(r, 200));
  let after = 0;
  const count = () => { after++; };
  node('forever-out').on('input', count);
  await new Promise((r) => setTimeout(r, 600));
  node('forever-out').off('input', count);
  assert.equal(after, 0, 'no values after the thread stopped');
});

test('an exception in the thread reaches Catch with the message that started it', { timeout: 30000 }, async () => {
  const caught = message('caught');
  const yielded = message('crash-out');
  node('crash').receive({ marker: 'crash-start' });
  assert.equal((await yielded).payload, 1);
  const err = await caught;
  assert.equal(err.marker, 'crash-start');
  assert.equal(err.error.source.id, 'crash');
  assert.equal(err.error.code, 'ValueError');
  assert.equal(err._error.message, 'bad sensor');
  assert.match(err._error.traceback, /line 5, in crash/, err._error.traceback);
});

test('a board without _thread refuses the start with an error naming the board', { timeout: 30000 }, async () => {
  await connected('lonely');
  const caught = message('caught');
  node('lonely').receive({ marker: 'no-thread' });
  const err = await caught;
  assert.equal(err.marker, 'no-thread');
  assert.match(err.error.message, /nothread/);
  assert.match(err.error.message, /_thread/);
});

test('removing a thread node in a partial deploy stops its thread on the board', { timeout: 40000 }, async () => {
  // The Device's own count of threads the board has not reported ended (the virtual board's threads
  // run in interpreters of their own, so their globals cannot be read from exec).
  const running = () => (node('dev').board.device as { threads: Map<number, unknown> }).threads.size;
  // the autostarted thread ends by itself after 4 s: let it, so the count below is this thread's alone
  await statusOf('auto', (s) => s.fill === 'green', 20000);
  const two = messages('counting-out', 2);
  const before = running();
  node('counting').receive({});
  await two;
  assert.equal(running(), before + 1);
  await deploy(flow(false), 'nodes');
  assert.ok(running() <= before, `threads running: ${running()}, before the start: ${before}`);
  let after = 0;
  const count = () => { after++; };
  node('counting-out').on('input', count);
  await new Promise((r) => setTimeout(r, 500));
  node('counting-out').off('input', count);
  assert.equal(after, 0, 'no values after the node was removed');
});

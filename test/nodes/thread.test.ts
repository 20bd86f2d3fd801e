/**
 * belay-thread on the virtual board: yields on output 1, printed lines on output 2, the starting
 * message done once the thread runs, msg.stop, autostart, exceptions at a real Catch node with the
 * message that started the thread, and a board without _thread.
 */
import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import { catcher, connected, deploy, device, load, message, messageWhere, messages, node, roundTrip, sink, statusOf, unload, virtualPort, type FlowNode } from '../support/nr';

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
    thread('again', 'dev', 'import time\n\ndef again(label):\n    while True:\n        yield label\n        time.sleep(0.05)', { wires: [['again-out'], []] }),
    thread('returns', 'dev', "def helper(n):\n    return n * 10\n\ndef returns(n):\n    print('working')\n    return helper(n)", { wires: [['returns-out'], ['returns-prints']] }),
    thread('stubborn', 'dev', 'import time\n\ndef stubborn():\n    yield 1\n    t = time.ticks_ms()\n    while time.ticks_diff(time.ticks_ms(), t) < 6000:\n        time.sleep(0.05)\n    yield 2\n    yield 3', { wires: [['stubborn-out'], []] }),
    ...(withCounting ? [thread('counting', 'dev', COUNTING, { wires: [['counting-out'], []] })] : []),
    { id: 'exec', z, type: 'belay-exec', device: 'dev', name: '', code: '', timeout: '', wires: [['exec-out']] },
    { id: 'complete', z, type: 'complete', scope: ['ticker'], uncaught: false, wires: [['completed']] },
    { ...catcher('catch', 'caught'), z },
    ...['yields', 'prints', 'forever-out', 'crash-out', 'auto-out', 'counting-out', 'exec-out', 'completed', 'caught', 'again-out', 'returns-out', 'returns-prints', 'stubborn-out'].map((id) => ({ ...sink(id), z })),
  ];
}

/**
 * A call through the same board and Node-RED's delivery: a message a thread node sent before it
 * arrives before this one's answer.
 */
async function settled(): Promise<void> {
  assert.equal((await roundTrip('exec', 'exec-out', { code: '1' })).payload, 1);
}

/**
 * The same, for a call that runs on the board for four periods of the threads above (0.05 s): a
 * thread still running would have yielded before its answer comes.
 */
async function outlasted(): Promise<void> {
  assert.equal((await roundTrip('exec', 'exec-out', { code: "__import__('time').sleep(0.2) or 2" })).payload, 2);
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

test('a running thread shows a blue dot and msg.stop stops it at its next yield; then it shows stopped', { timeout: 30000 }, async () => {
  const running = statusOf('forever', (s) => s.fill === 'blue' && s.text === 'running');
  const firstTwo = messages('forever-out', 2);
  node('forever').receive({});
  await running;
  await firstTwo;
  node('forever').receive({ stop: true });
  await statusOf('forever', (s) => s.text === 'stopped');
  // Node-RED delivers messages asynchronously: let the ones sent before the end arrive first
  await settled();
  let after = 0;
  const count = () => { after++; };
  node('forever-out').on('input', count);
  await outlasted();
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
  const running = () => (node('dev').board.device as { threads: { size: number } }).threads.size;
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
  await outlasted();
  node('counting-out').off('input', count);
  assert.equal(after, 0, 'no values after the node was removed');
});

test('a second start restarts the thread with the new arguments: one copy runs, never two', { timeout: 30000 }, async () => {
  const first = messageWhere('again-out', (m) => m.payload === 'first');
  node('again').receive({ payload: 'first' });
  await first;
  const second = messageWhere('again-out', (m) => m.payload === 'second');
  node('again').receive({ payload: 'second' });
  await second;
  await statusOf('again', (s) => s.text === 'running');
  // the Node-RED delivery of values sent before the restart may lag: wait for a few of the new ones
  const after = await messages('again-out', 5);
  assert.ok(after.slice(1).every((m) => m.payload === 'second'), JSON.stringify(after.map((m) => m.payload)));
  const running = (node('dev').board.device as { threads: { size: number } }).threads.size;
  node('again').receive({ stop: true });
  await statusOf('again', (s) => s.text === 'stopped');
  assert.ok((node('dev').board.device as { threads: { size: number } }).threads.size < running, 'the stop ended the only copy');
});

test('what the thread function returns goes out of output 1 with msg.final = true', { timeout: 30000 }, async () => {
  const printed = message('returns-prints');
  const returned = message('returns-out');
  node('returns').receive({ payload: 4, marker: 'ret' });
  assert.equal((await printed).payload, 'working', 'the last def runs; the helper above it is not what runs');
  const last = await returned;
  assert.equal(last.payload, 40);
  assert.equal(last.final, true);
  assert.equal(last.marker, 'ret');
  assert.equal(last.topic, 'returns');
});

test('msg.stop to a thread that does not yield shows "stopping (at its next yield)"; what it yields after the stop is not sent', { timeout: 40000 }, async () => {
  const first = message('stubborn-out');
  node('stubborn').receive({});
  assert.equal((await first).payload, 1);
  let later = 0;
  const count = () => { later++; };
  node('stubborn-out').on('input', count);
  node('stubborn').receive({ stop: true });
  await statusOf('stubborn', (s) => s.text === 'stopping (at its next yield)');
  await statusOf('stubborn', (s) => s.text === 'stopped', 20000);
  await settled();
  node('stubborn-out').off('input', count);
  assert.equal(later, 0, 'the value it yielded when it reached its yield was dropped');
});

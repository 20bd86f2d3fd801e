/**
 * belay-event through a real Node-RED runtime on the virtual board: a pin driven from the host and
 * a timer become messages (payload, topic, board_ms, time), msg.enable switches them off and on on
 * the board, a redeploy and a removal leave no handler there, a callback's error reaches Catch (a pin
 * IRQ handler's during another node's task too, apart from the task's output), and a 1 kHz timer for
 * 5 s with the event loop's lag.
 */
import assert from 'node:assert/strict';
import fs from 'node:fs';
import path from 'node:path';
import { monitorEventLoopDelay } from 'node:perf_hooks';
import { after, before, test } from 'node:test';
import { getVirtualBoard } from '../../src/virtual';
import { catcher, connected, deploy, device, load, message, messageWhere, node, roundTrip, sink, statusOf, unload, virtualPort, type FlowNode, type Msg } from '../support/nr';

const z = 'tab';
const port = virtualPort('event');
const pins = () => getVirtualBoard(port.slice('virtual:'.length)).pins;

const BUTTON = `
btn = Pin(14, Pin.IN, Pin.PULL_UP)
n = [0]
def pressed(p):
    n[0] += 1
    emit(n[0], 'button')
btn.irq(pressed, Pin.IRQ_FALLING)
Timer(period=50, callback=lambda t: emit('tick'))
`;
const BAD = 'def tick(t):\n    emit(1)\n    raise ValueError("bad sensor")\nTimer(period=20, callback=tick)\n';

const event = (id: string, code: string, extra: Record<string, unknown> = {}) => ({
  id, z, type: 'belay-event', device: 'dev', name: '', code, timeout: '', wires: [[`${id}-out`]], ...extra,
});

function flow(events: FlowNode[]): FlowNode[] {
  return [
    { id: z, type: 'tab', label: 'event' },
    device('dev', port),
    ...events,
    { id: 'exec', z, type: 'belay-exec', device: 'dev', name: '', code: '', timeout: '', wires: [['exec-out']] },
    { ...catcher('catch', 'caught', ['bad']), z },
    ...[...events.map((e) => `${e.id}-out`), 'exec-out', 'caught'].map((id) => ({ ...sink(id), z })),
  ];
}

const full = () => flow([event('ev', BUTTON, { name: 'my events' }), event('bad', BAD, { name: 'bad events' })]);

/** (IRQ handlers, timers) registered on the virtual board now. */
async function onBoard(): Promise<unknown> {
  const r = await roundTrip('exec', 'exec-out', { code: "(len(__import__('_vboard').irqs), len(__import__('_vboard').timers))" });
  return r.payload;
}

before(async () => {
  await load(full());
  await connected('ev');
});

after(async () => {
  await unload();
});

test('a timer and a pin driven from the host become messages with topic, board_ms and time', { timeout: 30000 }, async () => {
  const tick = await messageWhere('ev-out', (m) => m.payload === 'tick');
  assert.equal(tick.topic, 'my events', 'without a topic from emit() it is the node name');
  assert.equal(typeof tick.board_ms, 'number');
  assert.ok(Math.abs(tick.time - Date.now()) < 2000, 'time is the host clock');
  assert.equal(tick.dropped, undefined, 'no msg.dropped when nothing was dropped');

  const press = messageWhere('ev-out', (m) => m.topic === 'button');
  const before = Date.now();
  pins().drive(14, 0);
  const m = await press;
  pins().drive(14, 1);
  assert.equal(m.payload, 1);
  assert.ok(m.time >= before - 5 && m.time <= Date.now(), `the press is dated when it happened (${m.time - before} ms after the drive)`);
});

test('an error in a callback reaches Catch with the traceback in the node\'s lines, once per second', { timeout: 30000 }, async () => {
  const caught: Msg[] = [];
  const onCaught = (msg: Msg) => caught.push(msg);
  node('caught').on('input', onCaught);
  const first = await message('caught');
  assert.equal(first.error.code, 'ValueError');
  assert.match(first.error.message, /bad sensor/);
  assert.match(first.error.stack, /File "bad events", line 3, in tick/);
  // 40 more ticks (800 ms of them at 20 ms) bring no second report of the same error
  let ticks = 0;
  await messageWhere('bad-out', () => ++ticks >= 40);
  node('caught').off('input', onCaught);
  assert.ok(caught.length <= 2, `at most one report per second, got ${caught.length}`);
});

test('a pin IRQ handler that raises while another node\'s task runs: its errors reach Catch from the event node, not the task\'s msg.stdout; once per distinct error per second', { timeout: 30000 }, async () => {
  // the handler raises on every edge of GPIO14, one error on odd edges and another on even ones;
  // the task toggles the pin in two bursts of 10 edges, 1.1 s of board time apart
  const raising = event('raising', "out = Pin(14, Pin.OUT, value=0)\nn = [0]\ndef edge(p):\n    n[0] += 1\n    if n[0] % 2:\n        raise ValueError('odd edge')\n    [][n[0]]\nout.irq(edge, Pin.IRQ_RISING | Pin.IRQ_FALLING)\n", { name: 'raising events' });
  const task = {
    id: 'bursts', z, type: 'belay-task', device: 'dev', name: '', timeout: '', wires: [['bursts-out']],
    code: 'def bursts(k, gap):\n    p = Pin(14)\n    for r in range(2):\n        if r:\n            time.sleep_ms(gap)\n        for i in range(k):\n            p.toggle()\n            time.sleep_ms(1)\n    print("bursts done")\n    return k\n',
  };
  await deploy([...flow([raising]).map((n) => (n.id === 'catch' ? { ...n, scope: ['raising', 'bursts'] } : n)), task, { ...sink('bursts-out'), z }]);
  await connected('raising');
  const caught: Msg[] = [];
  const onCaught = (m: Msg) => caught.push(m);
  node('caught').on('input', onCaught);
  try {
    const r = await roundTrip('bursts', 'bursts-out', { payload: [10, 1100] });
    assert.equal(r.payload, 10);
    assert.equal(r.stdout, 'bursts done\n', 'the task\'s output holds none of the handler\'s errors');
    // every frame the board wrote before this answer has been read
    await roundTrip('exec', 'exec-out', { code: 'None' });
  } finally {
    node('caught').off('input', onCaught);
  }
  assert.deepEqual(caught.map((m) => `${m.error.source.id} ${m.error.code}`), ['raising ValueError', 'raising IndexError', 'raising ValueError', 'raising IndexError'], 'each distinct error once per burst, from the event node');
  assert.match(caught[0].error.message, /odd edge/);
  assert.match(caught[0].error.stack, /File "raising events", line 6, in edge/);
  assert.match(caught[1].error.stack, /File "raising events", line 7, in edge/);
  for (const m of caught) assert.doesNotMatch(m.error.stack, /belay-|_bv|_vboard/);
  await deploy(full());
  await connected('ev');
});

test('msg.enable = false takes the handlers off the board, true puts them back', { timeout: 30000 }, async () => {
  assert.deepEqual(await onBoard(), [1, 2]);
  node('ev').receive({ enable: false });
  await waitFor(async () => JSON.stringify(await onBoard()) === '[0,1]', 'the handlers of ev to go');
  let late = 0;
  const count = (m: Msg) => { if (m.payload === 'tick') late++; };
  node('ev-out').on('input', count);
  // the board sleeps where its callbacks would run; none of ev's does
  await roundTrip('exec', 'exec-out', { code: 'time.sleep_ms(200)' });
  await roundTrip('exec', 'exec-out', { code: 'None' });
  node('ev-out').off('input', count);
  assert.equal(late, 0, 'no message while off');
  node('ev').receive({ enable: true });
  await messageWhere('ev-out', (m) => m.payload === 'tick');
  assert.deepEqual(await onBoard(), [1, 2]);
});

test('a redeploy replaces the handlers and a removal takes them off the board', { timeout: 30000 }, async () => {
  await deploy(flow([event('ev', "Timer(period=30, callback=lambda t: emit('new'))\n", { name: 'my events' })]), 'nodes');
  await messageWhere('ev-out', (m) => m.payload === 'new');
  assert.deepEqual(await onBoard(), [0, 1], 'only the new timer; the old IRQ and timer and the removed node\'s are gone');
  await deploy(flow([]), 'nodes');
  await waitFor(async () => JSON.stringify(await onBoard()) === '[0,0]', 'every handler to go');
  await deploy(full(), 'nodes');
  await messageWhere('ev-out', (m) => m.payload === 'tick');
});

test('a 1 kHz timer for 5 s through Node-RED: messages, drops, event-loop lag', { timeout: 60000 }, async () => {
  await deploy(flow([event('fast', 'n = [0]\ndef tick(t):\n    n[0] += 1\n    emit(n[0])\n    if n[0] == 5000:\n        t.deinit()\nTimer(freq=1000, callback=tick)\n')]), 'nodes');
  const lag = monitorEventLoopDelay({ resolution: 1 });
  lag.enable();
  let got = 0, dropped = 0, last = 0, ordered = true;
  const t0 = Date.now();
  await messageWhere('fast-out', (m) => {
    got++;
    dropped += m.dropped ?? 0;
    if (m.payload <= last) ordered = false;
    last = m.payload;
    return m.payload === 5000;
  }, 40000);
  lag.disable();
  const p99 = lag.percentile(99) / 1e6;
  console.log(`# belay-event 1 kHz for 5 s: ${got} messages in ${Date.now() - t0} ms, ${dropped} dropped, event-loop lag p99 ${p99.toFixed(1)} ms`);
  assert.equal(got + dropped, 5000, 'every event received or counted');
  assert.ok(ordered, 'in order');
  assert.ok(p99 < 200, `event-loop lag p99 ${p99} ms`);
  await deploy(full(), 'nodes');
});

/** Polls a condition of the board (each look is a board call) until it holds. */
async function waitFor(cond: () => Promise<boolean>, what: string, ms = 10000): Promise<void> {
  const end = Date.now() + ms;
  while (!(await cond())) {
    if (Date.now() > end) throw new Error(`timed out waiting for ${what}`);
  }
}

test('example 10: its event node, on its own board, sends the button and the timer and switches off', { timeout: 30000 }, async () => {
  const file = path.join(__dirname, '..', '..', '..', 'examples', '10 - Events - button and timer.json');
  const example = JSON.parse(fs.readFileSync(file, 'utf8')) as FlowNode[];
  const ev = example.find((n) => n.type === 'belay-event')!;
  const dev = example.find((n) => n.type === 'belay-device')!;
  const examplePort = virtualPort('example');
  await deploy([
    { id: z, type: 'tab', label: 'event' },
    { ...dev, port: examplePort },
    { ...ev, z, wires: [['example-out']] },
    { ...sink('example-out'), z },
  ]);
  await messageWhere('example-out', (m) => m.topic === 'timer', 10000);
  const press = messageWhere('example-out', (m) => m.topic === 'button');
  getVirtualBoard(examplePort.slice('virtual:'.length)).pins.drive(14, 0);
  assert.equal((await press).payload, 0, 'pressed: GPIO14 reads 0');
  node(ev.id).receive({ enable: false });
  await statusOf(ev.id, (st) => st.text === 'off');
  node(ev.id).receive({ enable: true });
  await messageWhere('example-out', (m) => m.topic === 'timer', 10000);
  await deploy(full());
});

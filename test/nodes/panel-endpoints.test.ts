/**
 * The belay tab's runtime side (the belay-panel plugin) on the runtime BELAY_NODE_RED names, through
 * node-red-node-test-helper: its admin endpoints against a virtual board that flows use at the same
 * time, and the live updates it publishes over RED.comms (at most 10 a second per board).
 * Permissions need Node-RED's adminAuth, which the helper has not: the browser test checks them.
 */
import assert from 'node:assert/strict';
import path from 'node:path';
import { after, before, test } from 'node:test';
import { liveBoards } from '../../src/nodes/admin';
import type { BoardSnapshot, BoardUpdate } from '../../src/nodes/panel/board-watch';
import { connected, currentStatus, device, deploy, message, messageWhere, node, NODE_TYPES, nodesDir, request, sink, unload, virtualPort, type FlowNode } from '../support/nr';

// eslint-disable-next-line @typescript-eslint/no-require-imports
const helper = require('node-red-node-test-helper');
const plugin = require(path.join(nodesDir, 'belay-panel.js'));
const nodes = NODE_TYPES.map((t) => require(path.join(nodesDir, `${t}.js`)));

const z = 'tab';
const port = virtualPort('panel');
const SETUP = 'from machine import Pin, ADC\nled = Pin(25, Pin.OUT)\nsensor = ADC(26)';
const WATCH = [
  'import time',
  '',
  'def watch_button():',
  '    btn = Pin(14, Pin.IN, Pin.PULL_UP)',
  '    last = btn.value()',
  '    while True:',
  '        v = btn.value()',
  '        if v != last:',
  '            last = v',
  '            yield v',
  '        time.sleep(0.02)',
].join('\n');

const TALK = 'import time\n\ndef talk(n):\n    for i in range(n):\n        print("talk", i)\n        yield i\n        time.sleep(0.3)\n';

function flow(name = 'panel board'): FlowNode[] {
  return [
    { id: z, type: 'tab', label: 'panel' },
    device('dev', port, { name, setup: SETUP, timeout: 4 }),
    { id: 'flowexec', z, x: 100, y: 100, type: 'belay-exec', device: 'dev', name: 'slow', code: '__import__("time").sleep(0.4) or "flow"', timeout: '', wires: [['flowout']] },
    { id: 'watch', z, x: 100, y: 200, type: 'belay-thread', device: 'dev', name: 'button', code: WATCH, autostart: true, timeout: '', wires: [['pressed'], []] },
    { id: 'talker', z, x: 100, y: 300, type: 'belay-thread', device: 'dev', name: '', code: TALK, autostart: false, timeout: '', wires: [[], []] },
    { ...sink('flowout'), z, x: 300, y: 100 },
    { ...sink('pressed'), z, x: 300, y: 200 },
  ];
}

/** Every RED.comms message the plugin publishes, with when it came. */
const published: { topic: string; data: any; at: number }[] = [];
const waiters = new Set<() => void>();
function onComms(m: { topic: string; data: unknown }) {
  published.push({ ...m, at: performance.now() });
  for (const w of waiters) w();
}

/** The first update of the board (from now on, or since `from`) that `test` accepts. */
function update(testFn: (u: BoardUpdate) => boolean, what: string, from = published.length, ms = 20000): Promise<BoardUpdate> {
  return new Promise((resolve, reject) => {
    const check = () => {
      const hit = published.slice(from).find((m) => m.topic === 'belay-panel/board/dev' && testFn(m.data));
      if (!hit) return false;
      waiters.delete(check);
      clearTimeout(timer);
      resolve(hit.data);
      return true;
    };
    const timer = setTimeout(() => {
      waiters.delete(check);
      reject(new Error(`no board update within ${ms} ms with ${what}`));
    }, ms);
    if (!check()) waiters.add(check);
  });
}

const api = '/belay/panel/boards';
const snapshot = async (): Promise<BoardSnapshot> => (await request().get(`${api}/dev`).expect(200)).body;
const run = async (code: string) => (await request().post(`${api}/dev/exec`).send({ code }).expect(200)).body;
const pin = (s: BoardSnapshot | undefined, id: number) => s?.pins?.find((p) => p.id === id);

before(async () => {
  helper._events.on('comms', onComms);
  await helper.load([...nodes, plugin], flow());
  await connected('flowexec');
});

after(async () => {
  helper._events.off('comms', onComms);
  await unload();
});

test('GET boards lists the running belay-devices; GET boards/:id shows state in the nodes\' words, info, queue and the virtual pins', { timeout: 30000 }, async () => {
  const list = (await request().get(api).expect(200)).body;
  assert.deepEqual(list.filter((b: { id: string }) => b.id === 'dev'), [{ id: 'dev', name: 'panel board', port, state: 'connected' }]);
  const s = await snapshot();
  assert.equal(s.state, 'connected');
  assert.equal(s.virtual, true);
  const shown = currentStatus('flowexec');
  assert.equal(s.status.fill, 'green');
  assert.match(s.status.text!, /^MicroPython 1\.\d+/);
  assert.deepEqual(s.status, { fill: shown?.fill, shape: shown?.shape, text: shown?.text }, 'the words of the nodes\' status');
  assert.equal(s.info?.implementation, 'micropython');
  assert.equal(s.info?.threads, true);
  assert.equal(typeof s.info?.rawPaste, 'boolean');
  assert.equal(typeof s.queue, 'number');
  assert.deepEqual(s.users.map((u) => u.id).sort(), ['flowexec', 'talker', 'watch']);
  assert.equal(pin(s, 25)?.mode, 'out', 'the LED pin setup made');
  assert.equal(pin(s, 26)?.mode, 'adc', 'the ADC pin setup made');
  await request().get(`${api}/nope`).expect(404);
  // the editor gets snapshots by two paths (this answer, live updates): their order is told by seq
  const later = await snapshot();
  assert.ok(later.seq > s.seq, 'each snapshot counts up');
  // what is published from here on was made after that answer (the plugin publishes as it snapshots)
  const from = published.length;
  node('talker').receive({ payload: { n: 1 } });
  const pushed = await update(() => true, 'a live update', from);
  assert.ok(pushed.board.seq > later.seq, 'a live update made after an answer is newer than it');
});

test('the console runs a line: its value as Python, what it printed, a traceback when it raises', { timeout: 30000 }, async () => {
  assert.equal((await run('1+1')).value, '2');
  assert.equal((await run("'a' * 3")).value, "'aaa'");
  // the board's own repr, as its REPL shows it
  assert.equal((await run('{1: (2, 3.5)}')).value, '{1: (2, 3.5)}');
  assert.equal((await run('led')).value, 'Pin(GPIO25)');
  assert.equal((await run('float("inf")')).value, 'inf');
  const printed = await run("for i in range(3):\n    print('line', i)");
  assert.equal(printed.value, undefined, 'statements have no value');
  assert.equal(printed.stdout.replace(/\r/g, ''), 'line 0\nline 1\nline 2\n');
  assert.equal((await run('None')).value, undefined, 'None shows nothing, as at a REPL');
  const raised = await run('1/0');
  assert.equal(raised.error.type, 'ZeroDivisionError');
  assert.match(raised.error.traceback, /^Traceback \(most recent call last\):\n[\s\S]*ZeroDivisionError: divide by zero/);
  const printedThenRaised = await run('print("got this far")\n1/0');
  assert.equal(printedThenRaised.stdout.replace(/\r/g, ''), 'got this far\n', 'what it printed before the error');
  assert.equal(printedThenRaised.error.type, 'ZeroDivisionError');
  await request().post(`${api}/dev/exec`).send({ code: '  ' }).expect(400);
  await request().post(`${api}/nope/exec`).send({ code: '1' }).expect(404);
});

test('a console call waits in the same queue as the flows\' calls', { timeout: 30000 }, async () => {
  const order: string[] = [];
  const flowDone = message('flowout').then((m) => { order.push(`flow ${m.payload}`); });
  node('flowexec').receive({});
  // Queued after the flow's call (which sleeps), so it ends after it, never in between.
  await update((u) => u.board.queue >= 1, 'the flow call queued');
  const consoleDone = run('"console"').then((r) => { order.push(`console ${r.value}`); });
  await Promise.all([flowDone, consoleDone]);
  assert.deepEqual(order, ['flow flow', "console 'console'"]);
});

test('what the board prints outside any call reaches the tab as console output', { timeout: 30000 }, async () => {
  const from = published.length;
  await run('import _thread, time\ndef later():\n    time.sleep(0.2)\n    print("irq fired 7")\n_thread.start_new_thread(later, ())');
  const u = await update((x) => /irq fired 7/.test(x.output ?? ''), 'the board\'s own print', from);
  assert.match(u.output!, /irq fired 7/);
});

test('the tab lists the threads running on the board, and what a thread prints shows in the console under its name', { timeout: 30000 }, async () => {
  const from = published.length;
  assert.deepEqual((await snapshot()).threads.map((t) => t.name), ['watch_button'], 'the autostarted thread');
  node('talker').receive({ payload: { n: 2 } });
  const running = await update((u) => u.board.threads.some((t) => t.name === 'talk'), 'the talk thread listed', from);
  const talk = running.board.threads.find((t) => t.name === 'talk')!;
  assert.equal(typeof talk.id, 'number');
  assert.ok(talk.since <= Date.now());
  await update((u) => /\[talk\] talk 1\n/.test(u.output ?? ''), 'the thread\'s second line', from);
  const printed = published.slice(from).filter((m) => m.topic === 'belay-panel/board/dev').map((m) => m.data.output ?? '').join('');
  assert.match(printed, /\[talk\] talk 0\n[\s\S]*\[talk\] talk 1\n/);
  const ended = await update((u) => !u.board.threads.some((t) => t.name === 'talk'), 'the talk thread gone', published.length);
  assert.deepEqual(ended.board.threads.map((t) => t.name), ['watch_button']);
});

test('pins update live, a driven input makes a flow react, an ADC value can be forced', { timeout: 30000 }, async () => {
  await update((u) => pin(u.board, 14)?.mode === 'in', 'the thread\'s button pin set up', 0);
  let from = published.length;
  await run('led.on()');
  await update((u) => pin(u.board, 25)?.value === 1, 'the LED pin on', from);
  from = published.length;
  await run('led.off()');
  await update((u) => pin(u.board, 25)?.value === 0, 'the LED pin off', from);

  // Pressing the button (driving the pulled-up input low) is what the thread node sees.
  const pressed = messageWhere('pressed', (m) => m.payload === 0);
  const driven = (await request().post(`${api}/dev/pin`).send({ pin: 14, level: 0 }).expect(200)).body;
  assert.equal(driven.driven, 0);
  assert.equal(driven.value, 0);
  await pressed;
  const released = messageWhere('pressed', (m) => m.payload === 1);
  await request().post(`${api}/dev/pin`).send({ pin: 14, level: null }).expect(200);
  await released;

  await request().post(`${api}/dev/pin`).send({ pin: 26, analog: 12345 }).expect(200);
  assert.equal((await run('sensor.read_u16()')).value, '12345');
  assert.equal(pin(await snapshot(), 26)?.analog, 12345);
  await request().post(`${api}/dev/pin`).send({ pin: 26, analog: null }).expect(200);
  assert.equal(pin(await snapshot(), 26)?.analog, undefined);

  await request().post(`${api}/dev/pin`).send({ pin: 99, level: 1 }).expect(400);
  await request().post(`${api}/dev/pin`).send({ pin: 14, level: 5 }).expect(400);
  await request().post(`${api}/dev/pin`).send({ pin: 14 }).expect(400);
});

test('a board that changes its pins thousands of times a second costs the editor at most 10 updates a second', { timeout: 30000 }, async () => {
  const from = published.length;
  await run('import time\nt0 = time.ticks_ms()\nn = 0\nwhile time.ticks_diff(time.ticks_ms(), t0) < 1200:\n    led.toggle()\n    n += 1');
  const toggles = Number((await run('n')).value);
  assert.ok(toggles > 200, `the board toggled the pin often (${toggles} times)`);
  await update((u) => u.board.queue === 0, 'the queue empty again', from);
  const updates = published.slice(from).filter((m) => m.topic === 'belay-panel/board/dev');
  const gaps = updates.slice(1).map((m, i) => m.at - updates[i].at);
  assert.ok(updates.length >= 5, `updates kept coming while it ran (${updates.length})`);
  assert.ok(updates.length <= 16, `${updates.length} updates for ${toggles} pin changes in 1.2 s`);
  assert.ok(gaps.every((g) => g >= 95), `updates at least 100 ms apart: ${gaps.map(Math.round).join(', ')}`);
});

test('the real-board helpers answer on request: machine.Pin\'s view of the pins, free memory', { timeout: 30000 }, async () => {
  const read = (await request().post(`${api}/dev/read-pins`).expect(200)).body;
  const led = read.pins.find((p: { id: number }) => p.id === 25);
  assert.deepEqual(led, { id: 25, repr: 'Pin(GPIO25)', value: pin(await snapshot(), 25)?.value });
  assert.equal(read.pins.length, 64, 'every pin the board accepts');
  const mem = (await request().post(`${api}/dev/memory`).expect(200)).body;
  assert.ok(Number.isInteger(mem.free) && mem.free > 0, `free memory ${mem.free}`);
});

test('connect, disconnect and reset buttons do what msg.action does; reset gives a fresh board', { timeout: 60000 }, async () => {
  await run('x = 41');
  assert.equal((await run('x + 1')).value, '42');
  let from = published.length;
  const off = (await request().post(`${api}/dev/action`).send({ action: 'disconnect' }).expect(200)).body;
  assert.notEqual(off.state, 'connected');
  assert.deepEqual(off.status, { fill: 'red', shape: 'ring', text: 'disconnected' }, 'the nodes\' status words');
  await update((u) => u.board.state === 'disconnected', 'the board let go', from);
  const refused = await run('1');
  assert.equal(refused.error.type, 'ConnectionError', 'the console does not connect behind the buttons\' back');
  from = published.length;
  const on = (await request().post(`${api}/dev/action`).send({ action: 'connect' }).expect(200)).body;
  assert.equal(on.state, 'connected');
  await update((u) => u.board.state === 'connected', 'connected again', from);
  await run('x = 41');
  const reset = (await request().post(`${api}/dev/action`).send({ action: 'reset' }).expect(200)).body;
  assert.equal(reset.state, 'connected');
  assert.equal((await run('x')).error.type, 'NameError', 'the soft reset cleared the globals');
  assert.equal((await run('led.value()')).value, '0', 'setup ran again');
  await request().post(`${api}/dev/action`).send({ action: 'explode' }).expect(400);
});

test('Ctrl-C interrupts the running console call', { timeout: 30000 }, async () => {
  const looping = run('while True: pass');
  await update((u) => u.board.queue === 1, 'the loop running');
  const answer = (await request().post(`${api}/dev/interrupt`).expect(200)).body;
  const reply = await looping;
  assert.equal(reply.error?.type, 'KeyboardInterrupt');
  assert.equal(answer.interrupted, true);
  assert.equal((await run('1+1')).value, '2', 'the board works on');
});

test('Ctrl-C stops only the console\'s call: one waiting behind a flow\'s call leaves the queue, the flow\'s call ends as it would', { timeout: 30000 }, async () => {
  const flowDone = message('flowout');
  node('flowexec').receive({});
  await update((u) => u.board.queue >= 1, 'the flow call queued');
  const looping = run('while True: pass');
  await update((u) => u.board.queue >= 2, 'the console call waiting behind it');
  const answer = (await request().post(`${api}/dev/interrupt`).expect(200)).body;
  assert.equal((await looping).error?.type, 'CancelledError');
  assert.equal(answer.interrupted, true);
  assert.equal((await flowDone).payload, 'flow', 'the flow\'s call was not interrupted');
  assert.equal((await run('1+1')).value, '2');
});

test('a redeploy replaces the board: the tab hears of it and the old device keeps no panel listeners', { timeout: 60000 }, async () => {
  const old = liveBoards.get('dev')!.board.device as unknown as import('node:events').EventEmitter;
  assert.equal(old.listenerCount('queue'), 1, 'the panel listens to the board');
  const from = published.length;
  await deploy(flow('renamed board'));
  await connected('flowexec');
  const told = published.slice(from).find((m) => m.topic === 'belay-panel/boards');
  assert.ok(told, 'the board list was published after the deploy');
  assert.equal(told.data.find((b: { id: string }) => b.id === 'dev')?.name, 'renamed board');
  assert.equal(old.listenerCount('queue'), 0);
  const s = await snapshot();
  assert.equal(s.name, 'renamed board');
  assert.equal(s.state, 'connected');
});

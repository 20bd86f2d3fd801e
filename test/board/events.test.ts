/**
 * Board events (src/board/events.ts + agent/events.py) on the Device API, against the virtual
 * board: pin IRQs driven from the host, timers, both at once while a task runs; a 1 kHz flood;
 * switching off, redefining and removing leave no handler on the board; errors in callbacks (a pin
 * IRQ handler's during another node's task too), once per distinct error per second.
 */
import { test, after } from 'node:test';
import assert from 'node:assert/strict';
import * as fs from 'node:fs';
import { monitorEventLoopDelay } from 'node:perf_hooks';
import { Device } from '../../src/board/device';
import { BoardEvents, wrapHandlers, type BoardEvent } from '../../src/board/events';
import { BoardError } from '../../src/board/types';
import { defaultFsDir, getVirtualBoard, parseVirtualPort } from '../../src/virtual';
import '../../src/virtual/link';
import { firmwareAvailable, startFirmware } from '../support/firmware';

const devices: Device[] = [];
function board(name: string, query = '', dispatcher = true): { d: Device; name: string } {
  const vname = `ev-${name}-${process.pid}`;
  const d = new Device({ port: `virtual:${vname}${query}`, timeout: 10 });
  d.useDispatcher = dispatcher;
  devices.push(d);
  return { d, name: vname };
}
after(async () => {
  for (const d of devices) await d.close().catch(() => undefined);
  for (const d of devices) {
    const v = parseVirtualPort(d.label);
    if (v) fs.rmSync(defaultFsDir(v.name), { recursive: true, force: true });
  }
});

/** Collects a source's events and errors; waitFor resolves when a condition on them holds. */
class Sink {
  events: BoardEvent[] = [];
  errors: BoardError[] = [];
  private waiters: { cond: () => boolean; resolve: () => void }[] = [];
  readonly handlers = {
    onEvent: (e: BoardEvent) => { this.events.push(e); this.check(); },
    onError: (err: BoardError) => { this.errors.push(err); this.check(); },
  };

  private check(): void {
    this.waiters = this.waiters.filter((w) => (w.cond() ? (w.resolve(), false) : true));
  }

  waitFor(what: string, cond: () => boolean, ms = 10000): Promise<void> {
    if (cond()) return Promise.resolve();
    return new Promise((resolve, reject) => {
      const t = setTimeout(() => reject(new Error(`timed out waiting for ${what}; got ${JSON.stringify(this.events.slice(-5))} ${this.errors.map((e) => e.message)}`)), ms);
      this.waiters.push({ cond, resolve: () => { clearTimeout(t); resolve(); } });
    });
  }

  of(topic: string): BoardEvent[] {
    return this.events.filter((e) => e.topic === topic);
  }
}

const BUTTON_AND_TIMER = `
btn = Pin(14, Pin.IN, Pin.PULL_UP)
presses = [0]
def pressed(p):
    presses[0] += 1
    emit(presses[0], 'btn')
btn.irq(pressed, Pin.IRQ_FALLING | Pin.IRQ_RISING)
ticks = [0]
def tick(t):
    ticks[0] += 1
    emit(ticks[0], 'timer')
Timer(period=5, callback=tick)
`;

test('pin IRQs driven from the host and a timer, while a task loops: none lost, none in its result, order kept', { timeout: 60000 }, async () => {
  const { d, name } = board('both');
  await d.connect();
  await d.define('busy', 'def busy(ms):\n    end = time.ticks_add(time.ticks_ms(), ms)\n    n = 0\n    while time.ticks_diff(end, time.ticks_ms()) > 0:\n        n += 1\n        time.sleep_ms(1)\n    print("looped")\n    return "done"\n');
  const events = BoardEvents.of(d);
  const sink = new Sink();
  await events.define('both', BUTTON_AND_TIMER, sink.handlers, 'both node');
  const pins = getVirtualBoard(name).pins;

  // a task runs for 600 ms; edges come one at a time meanwhile, each waited for, and the timer runs
  const task = d.call('busy', [600]);
  for (let i = 1; i <= 20; i++) {
    pins.drive(14, (i % 2 ? 0 : 1));
    await sink.waitFor(`edge ${i}`, () => sink.of('btn').length >= i);
  }
  const r = await task;
  assert.deepEqual(r, { value: 'done', stdout: 'looped\n' }, 'the task\'s result holds nothing of the events');
  // then a burst of edges at once, with the board idle
  for (let i = 0; i < 10; i++) pins.drive(14, (i % 2 ? 1 : 0));
  await sink.waitFor('the burst', () => sink.of('btn').length >= 30);
  await sink.waitFor('60 timer events', () => sink.of('timer').length >= 60);
  await events.remove('both');

  const btn = sink.of('btn').map((e) => e.value);
  assert.deepEqual(btn, Array.from({ length: 30 }, (_, i) => i + 1), 'every edge, once, in order');
  const timer = sink.of('timer').map((e) => e.value as number);
  assert.deepEqual(timer, Array.from({ length: timer.length }, (_, i) => i + 1), 'every tick, in order');
  assert.ok(sink.events.every((e) => e.dropped === 0), 'nothing dropped');
  assert.deepEqual(sink.errors, []);
  for (let i = 1; i < sink.events.length; i++) {
    const a = sink.events[i - 1], b = sink.events[i];
    assert.ok(b.boardMs >= a.boardMs, `board_ms goes forward (${a.boardMs} then ${b.boardMs})`);
    assert.ok(b.time >= a.time, `time goes forward (${a.time} then ${b.time})`);
    assert.equal(b.time - a.time, b.boardMs - a.boardMs, 'intervals are the board\'s');
  }
  const last = sink.events[sink.events.length - 1];
  assert.ok(Math.abs(last.time - Date.now()) < 5000, 'time is the host\'s clock');
});

/** A board thread yields 100 values while a timer emits: both streams whole, no event twice. */
async function threadBeside(d: Device, events: BoardEvents): Promise<void> {
  await d.define('counter', 'def counter(n):\n    for i in range(n):\n        yield i\n        time.sleep_ms(2)\n');
  const sink = new Sink();
  await events.define('beside', 'k = [0]\ndef tick(t):\n    k[0] += 1\n    emit(k[0])\nTimer(period=3, callback=tick)\n', sink.handlers);
  const yielded: unknown[] = [];
  let ended!: () => void;
  const end = new Promise<void>((r) => { ended = r; });
  await d.startThread('counter', [100], {}, {
    onYield: (v) => yielded.push(v), onPrint: () => undefined, onError: (e) => { throw e; }, onEnd: () => ended(),
  });
  await end;
  const n = sink.events.length;
  await sink.waitFor('one more event after the thread', () => sink.events.length > n);
  await events.remove('beside');
  assert.deepEqual(yielded, Array.from({ length: 100 }, (_, i) => i), 'the thread\'s values, whole');
  const values = sink.events.map((e) => e.value);
  assert.deepEqual(values, Array.from({ length: values.length }, (_, i) => i + 1), 'every event once, in order');
  assert.ok(values.length > 20);
}

test('events beside a board thread that yields', { timeout: 60000 }, async () => {
  const { d } = board('thread');
  await d.connect();
  await threadBeside(d, BoardEvents.of(d));
});

test('a 1 kHz timer for 5 s: every event is received or counted as dropped; event-loop lag', { timeout: 60000 }, async () => {
  const { d } = board('flood');
  await d.connect();
  const events = BoardEvents.of(d);
  const sink = new Sink();
  const lag = monitorEventLoopDelay({ resolution: 1 });
  await events.define('flood', `
n = [0]
def tick(t):
    n[0] += 1
    emit(n[0])
    if n[0] == 5000:
        t.deinit()
        emit('end', 'end')
Timer(freq=1000, callback=tick)
`, sink.handlers);
  lag.enable();
  const t0 = Date.now();
  await sink.waitFor('the end marker', () => sink.of('end').length === 1, 40000);
  lag.disable();
  const wall = Date.now() - t0;
  const ticks = sink.events.filter((e) => e.topic === null);
  const dropped = sink.events.reduce((s, e) => s + e.dropped, 0);
  const p99 = lag.percentile(99) / 1e6;
  console.log(`# 1 kHz timer: ${ticks.length} messages in ${wall} ms, ${dropped} dropped, event-loop lag p99 ${p99.toFixed(1)} ms (max ${(lag.max / 1e6).toFixed(1)} ms)`);
  assert.equal(ticks.length + dropped, 5000, 'received + dropped = emitted');
  const values = ticks.map((e) => e.value as number);
  for (let i = 1; i < values.length; i++) assert.ok(values[i] > values[i - 1], 'in order');
  assert.ok(p99 < 200, `event-loop lag p99 ${p99} ms`);
  await events.remove('flood');

  // 200 emits with the heap locked, as in a hard IRQ (emit allocates nothing, the flush waits for
  // the scheduler): the board's ring (64) keeps the newest, the next message says how many went
  const burst = new Sink();
  await events.define('burst', 'import micropython\ndef many(t):\n    micropython.heap_lock()\n    try:\n        i = 1\n        while i <= 200:\n            emit(i)\n            i += 1\n    finally:\n        micropython.heap_unlock()\nTimer(mode=Timer.ONE_SHOT, period=1, callback=many)\n', burst.handlers);
  // (the virtual board runs the scheduler only while Python code runs: a call lets the flush out)
  await d.exec('time.sleep_ms(20)');
  await burst.waitFor('the last of the burst', () => burst.events.some((e) => e.value === 200));
  assert.deepEqual(burst.events.map((e) => e.value), Array.from({ length: 64 }, (_, i) => 137 + i));
  assert.equal(burst.events[0].dropped, 136);
  assert.ok(burst.events.slice(1).every((e) => e.dropped === 0));
  await events.remove('burst');
});

test('switching off, redefining and removing leave no handler on the board', { timeout: 60000 }, async () => {
  const { d, name } = board('off');
  await d.connect();
  const pins = getVirtualBoard(name).pins;
  // the handler counts into a list of the board's own globals (the node's globals are a copy that shares it)
  await d.exec('hits = [0]');
  const code = 'b = Pin(14, Pin.IN, Pin.PULL_UP)\ndef hit(p):\n    hits[0] += 1\n    emit(hits[0])\nb.irq(hit, Pin.IRQ_FALLING)\nTimer(period=20, callback=lambda t: emit("t", "timer"))\n';
  const events = BoardEvents.of(d);
  const sink = new Sink();
  await events.define('n1', code, sink.handlers);
  const registered = async () => {
    await d.exec('import _vboard');
    return (await d.exec('(len(_vboard.irqs), len(_vboard.timers))')).value;
  };
  assert.deepEqual(await registered(), [1, 1]);
  const id = events.idOf('n1')!;
  assert.deepEqual((await events.boardState())[0], [id]);

  const press = async () => { pins.drive(14, 0); pins.drive(14, 1); };
  await press();
  await sink.waitFor('a press', () => sink.events.some((e) => e.value === 1));

  /** presses the button, lets the board run its callbacks (a sleep is where they run) and reads the count */
  const hitsAfterPress = async () => {
    await press();
    await d.exec('time.sleep_ms(30)');
    return (await d.exec('hits[0]')).value;
  };

  await events.enable('n1', false);
  assert.deepEqual(await registered(), [0, 0], 'off: no IRQ handler, no timer');
  assert.deepEqual((await events.boardState())[0], []);
  assert.equal(await hitsAfterPress(), 1, 'off: the handler does not run');
  const seen = sink.events.length;

  await events.enable('n1', true);
  assert.deepEqual(await registered(), [1, 1]);
  assert.equal(await hitsAfterPress(), 2, 'on again: it runs');

  // a redeploy: the same key, new code; the old handlers go
  await events.define('n1', 'Timer(period=20, callback=lambda t: emit("new", "timer2"))\n', sink.handlers);
  assert.deepEqual(await registered(), [0, 1], 'redefined: only the new timer');
  assert.equal(await hitsAfterPress(), 2, 'redefined: the old IRQ handler does not run');
  await sink.waitFor('the new timer', () => sink.of('timer2').length > 0);

  await events.remove('n1');
  assert.deepEqual(await registered(), [0, 0], 'removed: nothing left');
  assert.deepEqual(await events.boardState(), [[], 0, 0, 0]);
  const before = sink.events.length;
  await d.exec('time.sleep_ms(50)');
  await d.exec('None');
  assert.equal(sink.events.length, before, 'removed: no more events');
  assert.ok(seen > 0);
});

/** A pin IRQ handler that fails on every edge, one way on odd edges and another on even ones. */
const RAISING = `
out = Pin(14, Pin.OUT, value=0)
n = [0]
def edge(p):
    n[0] += 1
    if n[0] % 2:
        raise ValueError('odd edge')
    emit(n[0])
    [][n[0]]
out.irq(edge, Pin.IRQ_RISING | Pin.IRQ_FALLING)
`;
const BURSTS = 'def bursts(k, gap):\n    p = Pin(14)\n    for r in range(2):\n        if r:\n            time.sleep_ms(gap)\n        for i in range(k):\n            p.toggle()\n            time.sleep_ms(1)\n    print("bursts done")\n    return k\n';

/**
 * Another node's task toggles GPIO14 in two bursts of 10 edges, 1.1 s of board time apart, while the
 * source's IRQ handler raises on every edge: the errors reach the source (node-relative lines), none
 * is in the task's output, and each of the two distinct errors is told once per burst (the board's
 * clock dates them, so the link's delays cannot make it twice or once).
 */
async function handlerErrorsDuringTask(d: Device, events: BoardEvents, file: string): Promise<void> {
  await d.define('bursts', BURSTS);
  const sink = new Sink();
  await events.define('raising', RAISING, sink.handlers, file);
  assert.deepEqual(await d.call('bursts', [10, 1100]), { value: 10, stdout: 'bursts done\n' }, 'the task\'s output holds none of the handler\'s errors');
  await sink.waitFor('the 10 even edges\' events', () => sink.events.length >= 10);
  // every frame the board wrote before this answer has been read
  await d.exec('None');
  await events.remove('raising');
  assert.deepEqual(sink.events.map((e) => e.value), [2, 4, 6, 8, 10, 12, 14, 16, 18, 20], 'the handler ran on every edge, errors and all');
  assert.deepEqual(sink.errors.map((e) => e.type), ['ValueError', 'IndexError', 'ValueError', 'IndexError'], 'each distinct error once per burst');
  const [odd, even] = sink.errors;
  assert.equal(odd.pyMessage, 'odd edge');
  assert.match(odd.traceback, new RegExp(`File "${file}", line 7, in edge`));
  assert.match(even.traceback, new RegExp(`File "${file}", line 9, in edge`));
  for (const e of sink.errors) assert.doesNotMatch(e.traceback, /belay-|_bv|_vboard/);
}

test('an error in a callback reaches the source with node-relative lines, once per second', { timeout: 30000 }, async () => {
  const { d, name } = board('err');
  await d.connect();
  const events = BoardEvents.of(d);
  const sink = new Sink();
  await events.define('bad', 'x = 1\ndef tick(t):\n    emit(1)\n    return 1 // 0\nTimer(period=10, callback=tick)\n', sink.handlers, 'bad node');
  await sink.waitFor('30 events', () => sink.events.length >= 30);
  await events.remove('bad');
  assert.equal(sink.errors.length, 1, `one report per second of board time, got ${sink.errors.length} in ${sink.events.length * 10} ms`);
  const e = sink.errors[0];
  assert.equal(e.type, 'ZeroDivisionError');
  assert.match(e.traceback, /File "bad node", line 4, in tick/);
  assert.doesNotMatch(e.traceback, /belay-|_bv/);

  // a pin IRQ handler's error while another node's task runs
  await handlerErrorsDuringTask(d, events, 'irq node');

  // a handler out of the code's sight (a module's, here one reached by getattr) is the firmware's
  // to call: its error is what the board prints while idle, named by file
  const irq = new Sink();
  await events.define('irq', 'p = Pin(15, Pin.IN, Pin.PULL_UP)\ndef h(p):\n    emit(p.value())\n    [][1]\ngetattr(p, "irq")(h, Pin.IRQ_FALLING)\n', irq.handlers, 'hidden node');
  getVirtualBoard(name).pins.drive(15, 0);
  await irq.waitFor('the IRQ handler\'s error', () => irq.errors.length > 0);
  assert.equal(irq.errors[0].type, 'IndexError');
  assert.match(irq.errors[0].traceback, /File "hidden node", line 4, in h/);
  assert.doesNotMatch(irq.errors[0].traceback, /_vboard/);
  await events.remove('irq');

  // an error in the code itself fails the define
  const sink2 = new Sink();
  await assert.rejects(events.define('bad2', 'a = 1\nundefined_name\n', sink2.handlers, 'bad2'), { type: 'NameError' });
  assert.equal(sink2.errors[0]?.type, 'NameError');
  assert.match(sink2.errors[0].traceback, /File "bad2", line 2/);
  assert.deepEqual((await events.boardState())[0], []);
});

test('wrapHandlers: what the code gives .irq(), callback=, handler= and schedule() goes through _bvw, lines kept', () => {
  const code = [
    'b = Pin(14, Pin.IN)',
    'b.irq(lambda p: emit(p.value(), "x"), Pin.IRQ_FALLING)',
    'b.irq(trigger=Pin.IRQ_RISING, handler=h)',
    'b.irq()',
    'Timer(period=10, callback=lambda t, k=1: emit(k))',
    't.init(mode=Timer.PERIODIC, callback = cb ,period=3)',
    'micropython.schedule(f, None)',
    'sm.irq(',
    '    h,  # the handler',
    '    hard=True)',
    'def g(callback=None):',
    '    if (callback):',
    '        q.irq(*a)',
    'print("p.irq(h)", x == (callback), d[0](1, callback))',
  ].join('\n');
  assert.equal(wrapHandlers(code), [
    'b = Pin(14, Pin.IN)',
    'b.irq(_bvw(lambda p: emit(p.value(), "x")), Pin.IRQ_FALLING)',
    'b.irq(trigger=Pin.IRQ_RISING, handler=_bvw(h))',
    'b.irq()',
    'Timer(period=10, callback=_bvw(lambda t, k=1: emit(k)))',
    't.init(mode=Timer.PERIODIC, callback = _bvw(cb) ,period=3)',
    'micropython.schedule(_bvw(f), None)',
    'sm.irq(',
    '    _bvw(h),  # the handler',
    '    hard=True)',
    'def g(callback=None):',
    '    if (callback):',
    '        q.irq(*a)',
    'print("p.irq(h)", x == (callback), d[0](1, callback))',
  ].join('\n'));
});

test('events come back after a reconnect; a board with one raw exec per call says it cannot', { timeout: 60000 }, async () => {
  const { d, name } = board('again');
  await d.connect();
  const events = BoardEvents.of(d);
  const sink = new Sink();
  await events.define('again', 'Timer(period=20, callback=lambda t: emit(1))\n', sink.handlers);
  await sink.waitFor('an event', () => sink.events.length > 0);
  await d.disconnect();
  const n = sink.events.length;
  await d.connect();
  await sink.waitFor('an event after reconnecting', () => sink.events.length > n);
  assert.ok(getVirtualBoard(name));
  await events.remove('again');

  const { d: e } = board('exec', '', false);
  await e.connect();
  const sink2 = new Sink();
  await BoardEvents.of(e).define('x', 'emit(1)\n', sink2.handlers);
  assert.equal(sink2.errors[0]?.type, 'UnsupportedError');
  assert.match(sink2.errors[0].message, /one raw exec per call/);
});

test('CircuitPython: Timer and idle() run while the board waits for the host (keypad events)', { timeout: 60000 }, async () => {
  const { d, name } = board('cp', '?profile=circuitpython');
  const info = await d.connect();
  assert.equal(info.implementation, 'circuitpython');
  const events = BoardEvents.of(d);
  const sink = new Sink();
  await events.define('cp', `
import keypad
keys = keypad.Keys((board.GP14,), value_when_pressed=False, pull=True)
def look():
    e = keys.events.get()
    while e:
        emit(e.pressed, 'key')
        e = keys.events.get()
def cleanup():
    keys.deinit()
idle(look)
n = [0]
def tick(t):
    n[0] += 1
    emit(n[0], 'timer')
Timer(period=50, callback=tick)
`, sink.handlers);
  const pins = getVirtualBoard(name).pins;
  await sink.waitFor('two timer ticks', () => sink.of('timer').length >= 2);
  pins.drive(14, 0);
  await sink.waitFor('a key press', () => sink.of('key').length >= 1);
  pins.drive(14, 1);
  await sink.waitFor('a key release', () => sink.of('key').length >= 2);
  assert.deepEqual(sink.of('key').map((e) => e.value), [true, false]);
  assert.deepEqual(sink.errors, []);
  assert.equal((await d.exec('1 + 1')).value, 2, 'calls still work');
  await events.remove('cp');
  assert.deepEqual(await events.boardState(), [[], 0, 0, 0]);
  // cleanup() let go of the pin: a new Keys on it works
  await d.exec('import keypad\nk = keypad.Keys((board.GP14,), value_when_pressed=False)\nk.deinit()');
});

// ------------------------------------------------------------------ the emulated Pico (real firmware)

const noPico = firmwareAvailable('pico');

test('emulated Pico: hard pin IRQs and a timer while a task runs; a handler\'s errors during a task; a 1 kHz timer; removal leaves no handler', { skip: noPico, timeout: 180000 }, async () => {
  const pico = await startFirmware('pico');
  const d = new Device({ port: pico.port, timeout: 30 });
  devices.push(d);
  try {
    const info = await d.connect();
    assert.equal(info.platform, 'rp2');
    // the Pico's pad input follows an output's level: a task toggling GPIO14 fires its IRQ
    await d.exec('hits = [0]');
    await d.define('tog', 'def tog(k):\n    p = Pin(14)\n    for i in range(k):\n        p.toggle()\n        time.sleep_ms(1)\n    print("toggled")\n    return k\n');
    const events = BoardEvents.of(d);
    const sink = new Sink();
    await events.define('pico', `
out = Pin(14, Pin.OUT, value=1)
def edge(p):
    hits[0] += 1
    emit(hits[0], 'edge')
out.irq(edge, Pin.IRQ_FALLING | Pin.IRQ_RISING, hard=True)
n = [0]
def tick(t):
    n[0] += 1
    emit(n[0], 'timer')
Timer(period=10, callback=tick)
`, sink.handlers, 'pico node');
    assert.deepEqual(await d.call('tog', [200]), { value: 200, stdout: 'toggled\n' }, 'the task\'s result holds nothing of the events');
    await sink.waitFor('200 edges', () => sink.of('edge').length >= 200, 30000);
    await sink.waitFor('some ticks', () => sink.of('timer').length >= 5, 30000);
    await events.remove('pico');
    assert.deepEqual(sink.of('edge').map((e) => e.value), Array.from({ length: 200 }, (_, i) => i + 1), 'every edge, in order');
    const timer = sink.of('timer').map((e) => e.value as number);
    assert.deepEqual(timer, Array.from({ length: timer.length }, (_, i) => i + 1));
    assert.deepEqual(sink.errors, []);
    assert.ok(sink.events.every((e) => e.dropped === 0));
    for (let i = 1; i < sink.events.length; i++) assert.ok(sink.events[i].boardMs >= sink.events[i - 1].boardMs);

    // removed: the IRQ handler does not run any more (the board's own count stays), nothing is registered
    assert.deepEqual(await d.call('tog', [10]), { value: 10, stdout: 'toggled\n' });
    assert.equal((await d.exec('hits[0]')).value, 200);
    assert.deepEqual(await events.boardState(), [[], 0, 0, 0]);

    // a thread on the second core writes its frames while the first core writes the events'
    await threadBeside(d, events);

    // a pin IRQ handler's errors while another node's task runs
    await handlerErrorsDuringTask(d, events, 'pico irq node');

    const flood = new Sink();
    const lag = monitorEventLoopDelay({ resolution: 1 });
    lag.enable();
    await events.define('flood', 'n = [0]\ndef tick(t):\n    n[0] += 1\n    emit(n[0])\n    if n[0] == 5000:\n        t.deinit()\n        emit("end", "end")\nTimer(freq=1000, callback=tick)\n', flood.handlers);
    await flood.waitFor('the end marker', () => flood.of('end').length === 1, 120000);
    lag.disable();
    const ticks = flood.events.filter((e) => e.topic === null);
    const dropped = flood.events.reduce((s, e) => s + e.dropped, 0);
    const span = ticks[ticks.length - 1].boardMs - ticks[0].boardMs;
    console.log(`# emulated Pico, 1 kHz timer: ${ticks.length} messages over ${span} ms of board time, ${dropped} dropped, event-loop lag p99 ${(lag.percentile(99) / 1e6).toFixed(1)} ms`);
    assert.equal(ticks.length + dropped, 5000, 'received + dropped = emitted');
    await events.remove('flood');
    assert.deepEqual(await events.boardState(), [[], 0, 0, 0]);
  } finally {
    await d.close().catch(() => undefined);
    await pico.stop();
  }
});

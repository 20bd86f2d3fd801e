/**
 * belay-exec on the virtual board: statements, expressions, printed text, Python-literal templating
 * (hostile strings stay data), context and env, msg.code, per-message timeouts, and errors that
 * reach a real Catch node with the original message and node-relative line numbers.
 */
import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import { catcher, connected, device, load, messages, node, roundTrip, sink, statusOf, unload, virtualPort, type Msg } from '../support/nr';

const port = virtualPort('exec');
const z = 'tab';
const exec = (id: string, code: string, extra: Record<string, unknown> = {}) => ({ id, z, type: 'belay-exec', device: 'dev', name: '', code, timeout: '', wires: [['out']], ...extra });

let connectedStatus: { text?: string };

before(async () => {
  await load([
    { id: z, type: 'tab', label: 'exec' },
    device('dev', port),
    exec('run', ''),
    exec('echo', '{{payload}}'),
    exec('len', 'len({{payload}})'),
    exec('raw', '{{{payload}}}'),
    exec('ctx', '[{{flow.limit}}, {{global.names}}, {{env.BELAY_TEST_VALUE}}, {{payload.a.b}}, {{topic}}]'),
    exec('lines', 'a = 1\nb = 2\nc = a / (b - 2)'),
    exec('named', 'a = 1\nb = 2\nc = a / (b - 2)', { name: 'divide' }),
    exec('short', 'import time\ntime.sleep(3)\n1', { timeout: '0.5' }),
    { ...catcher('catch', 'caught'), z },
    { ...sink('out'), z },
    { ...sink('caught'), z },
  ]);
  connectedStatus = await connected('run');
});

after(async () => {
  await unload();
});

const run = (msg: Msg, id = 'run') => roundTrip(id, 'out', msg);
const fails = (msg: Msg, id = 'run') => roundTrip(id, 'caught', msg);

test('a statement gives null, an expression its value, and state stays on the board', { timeout: 30000 }, async () => {
  const stmt = await run({ code: 'y = 6 * 7', topic: 'keep me' });
  assert.equal(stmt.payload, null);
  assert.equal(stmt.stdout, '');
  assert.equal(stmt.topic, 'keep me', 'other properties pass through');
  assert.equal((await run({ code: 'y' })).payload, 42);
  assert.deepEqual((await run({ code: '[i * i for i in range(4)]' })).payload, [0, 1, 4, 9]);
});

test('msg.stdout carries what the code printed', { timeout: 30000 }, async () => {
  const r = await run({ code: "print('hello')\nprint(1 + 1)" });
  assert.equal(r.stdout.replace(/\r\n/g, '\n'), 'hello\n2\n');
  assert.equal(r.payload, null, 'statements give null');
  const e = await run({ code: "print('side effect') or 'value'" });
  assert.equal(e.payload, 'value');
  assert.equal(e.stdout.replace(/\r\n/g, '\n'), 'side effect\n');
});

test('{{payload}} goes in as a Python literal and comes back as the same value', { timeout: 30000 }, async () => {
  const values: unknown[] = [
    "it's \"quoted\" \\ and\nnewline", '', 'ünïcødé ✓', 0, -17, 3.25, true, false, null,
    [1, 'two', [3]], { a: 1, b: { c: [null, true] } }, Buffer.from([0, 1, 2, 255]), 2n ** 70n,
  ];
  for (const v of values) {
    const r = await run({ payload: v }, 'echo');
    assert.deepEqual(r.payload, v, `round trip of ${String(v)}`);
  }
});

test('hostile strings stay data: they are measured, never run', { timeout: 30000 }, async () => {
  await run({ code: "import os\nf = open('x', 'w')\nf.write('1')\nf.close()" });
  for (const hostile of ["'); import os; os.remove('x", "x'\nimport os\nos.remove('x')\n'", '"""); os.remove("x"); ("""', "\\'); os.remove('x') #"]) {
    const r = await run({ payload: hostile }, 'len');
    assert.equal(r.payload, hostile.length, hostile);
  }
  assert.equal((await run({ code: "'x' in os.listdir()" })).payload, true, 'the file the hostile strings tried to remove is still there');
});

test('msg.payload is never run as code; empty code needs msg.code', { timeout: 30000 }, async () => {
  const caught = await fails({ payload: 'y = 0', marker: 'no-code' });
  assert.equal(caught.marker, 'no-code');
  assert.match(caught.error.message, /msg\.code/);
  assert.equal((await run({ code: 'y' })).payload, 42, 'y was not reassigned by the payload');
});

test('{{{x}}} inserts raw text', { timeout: 30000 }, async () => {
  assert.equal((await run({ payload: '6 * 7' }, 'raw')).payload, 42);
});

test('{{flow.x}}, {{global.x}}, {{env.X}} and nested message properties', { timeout: 30000 }, async () => {
  const ctx = node('ctx').context();
  ctx.flow.set('limit', 5);
  ctx.global.set('names', ['a', "b'c"]);
  process.env.BELAY_TEST_VALUE = "env 'value'";
  const r = await run({ payload: { a: { b: { deep: [1] } } }, topic: 't' }, 'ctx');
  assert.deepEqual(r.payload, [5, ['a', "b'c"], "env 'value'", { deep: [1] }, 't']);
});

test('an exception reaches Catch with the original message, its type, and node-relative line numbers', { timeout: 30000 }, async () => {
  const caught = await fails({ payload: 'p', marker: 'original' }, 'lines');
  assert.equal(caught.marker, 'original');
  assert.equal(caught.payload, 'p');
  assert.equal(caught.error.source.id, 'lines');
  assert.equal(caught.error.code, 'ZeroDivisionError');
  assert.equal(caught._error.type, 'ZeroDivisionError');
  assert.match(caught._error.traceback, /line 3\b/, caught._error.traceback);
  assert.doesNotMatch(caught._error.traceback, /_b[a-z]+\(|<stdin>/, 'the agent\'s own frames are hidden');
  assert.equal(typeof caught._error.message, 'string');
  assert.deepEqual(caught.error.cause, caught._error);
});

test('exec tracebacks name the node: its name, else its type', { timeout: 30000 }, async () => {
  const named = await fails({}, 'named');
  assert.match(named._error.traceback, /File "divide", line 3/, named._error.traceback);
  const unnamed = await fails({}, 'lines');
  assert.match(unnamed._error.traceback, /File "belay-exec node", line 3/, unnamed._error.traceback);
  const fromMsg = await fails({ code: 'x = 1\nraise ValueError("from msg.code")' });
  assert.match(fromMsg._error.traceback, /File "belay-exec msg.code", line 2/, fromMsg._error.traceback);
  assert.equal(fromMsg.error.code, 'ValueError', 'what the board raised keeps its Python class');
});

test('host-side problems have their own codes, never a Python class name', { timeout: 30000 }, async () => {
  const nothing = await fails({ payload: 'print(1)' });
  assert.equal(nothing.error.code, 'ConfigError');
  assert.match(nothing.error.message, /^ConfigError: nothing to run/);
  const badTimeout = await fails({ code: '1', timeout: 'soon' });
  assert.equal(badTimeout.error.code, 'ConfigError');
  const noLiteral = await fails({ payload: Symbol('no literal') }, 'echo');
  assert.equal(noLiteral.error.code, 'ConfigError');
  assert.match(noLiteral.error.message, /template/);
});

test('timeouts: the node\'s own, and msg.timeout over it; the board works afterwards', { timeout: 40000 }, async () => {
  const slow = await fails({ marker: 'slow' }, 'short');
  assert.equal(slow._error.type, 'TimeoutError');
  assert.equal(slow.marker, 'slow');
  const slower = await fails({ code: 'import time\ntime.sleep(3)', timeout: 0.3 });
  assert.equal(slower._error.type, 'TimeoutError');
  const patient = await run({ code: "__import__('time').sleep(0.2) or 7", timeout: 5 });
  assert.equal(patient.payload, 7);
  const bad = await fails({ code: '1', timeout: 'soon' });
  assert.match(bad._error.message, /msg\.timeout must be a number of seconds/);
});

test('statuses: the board when connected, busy with a count while this node\'s messages wait', { timeout: 30000 }, async () => {
  assert.match(String(connectedStatus.text), /^MicroPython \d+\.\d+$/, 'short, as Node-RED\'s own statuses; the rest is in the config node');
  const busy = statusOf('run', (s) => s.fill === 'yellow' && /^busy \(\d+\)$/.test(String(s.text)));
  const replies = messages('out', 3);
  for (let i = 0; i < 3; i++) node('run').receive({ code: `__import__('time').sleep(0.4) or ${i}` });
  await busy;
  assert.deepEqual((await replies).map((m) => m.payload), [0, 1, 2]);
  await statusOf('run', (s) => s.fill === 'green');
});

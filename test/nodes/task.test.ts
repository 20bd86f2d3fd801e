/**
 * belay-task on the virtual board: argument mapping, every value type of the CONTRACT table,
 * printed text, generator streams rebuilt by a real Join node, an empty generator, errors with
 * node-relative lines at a real Catch node, and 1,000 queued messages answered in order.
 */
import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import { catcher, connected, device, load, message, messageWhere, messages, node, roundTrip, sink, statusOf, unload, virtualPort, type Msg } from '../support/nr';

const port = virtualPort('task');
const z = 'tab';
const task = (id: string, code: string, wires: string[][] = [['out']]) => ({ id, z, type: 'belay-task', device: 'dev', name: '', code, timeout: '', wires });

const MAKE = `import math

def make(kind):
    values = {
        'none': None, 'true': True, 'false': False, 'int': 42, 'neg': -7, 'big': 2 ** 70, 'float': 2.5,
        'inf': float('inf'), 'ninf': float('-inf'), 'nan': float('nan'), 'str': 'h\\u00e9llo "q" \\'s\\'',
        'bytes': b'\\x00\\xff', 'bytearray': bytearray(b'ab'), 'list': [1, [2]], 'tuple': (1, 'a'),
        'set': {3}, 'dict': {'a': 1, 2: 'b'}, 'object': object(),
    }
    return values[kind]
`;

before(async () => {
  await load([
    { id: z, type: 'tab', label: 'task' },
    device('dev', port),
    task('echo', 'def echo(*args, **kwargs):\n    return [list(args), kwargs]'),
    task('make', MAKE),
    task('printer', "def printer(n):\n    for i in range(n):\n        print('line', i)\n    return n"),
    task('count', 'def count(n):\n    for i in range(n):\n        yield i * 10', [['join', 'parts']]),
    task('boom', 'def boom(x):\n    y = 1\n    return y / x'),
    task('inc', 'def inc(x):\n    return x + 1'),
    task('quad', 'def _double(x):\n    return x * 2\n\ndef quadruple(x):\n    return _double(_double(x))\n'),
    { ...task('named-boom', 'def helper():\n    return 0\n\ndef named_boom(x):\n    return x / helper()'), name: 'divider' },
    { id: 'join', z, type: 'join', name: '', mode: 'auto', build: 'object', property: 'payload', propertyType: 'msg', key: 'topic', joiner: '\\n', joinerType: 'str', accumulate: false, timeout: '', count: '', reduceRight: false, reduceExp: '', reduceInit: '', reduceInitType: '', reduceFixup: '', wires: [['joined']] },
    { id: 'complete', z, type: 'complete', scope: ['count'], uncaught: false, wires: [['completed']] },
    { ...catcher('catch', 'caught'), z },
    ...['out', 'parts', 'joined', 'completed', 'caught'].map((id) => ({ ...sink(id), z })),
    // a broken task on the same board; its deploy-time error also reaches 'caught', so tests pick theirs by marker
    task('broken', 'def broken(:\n    return 1'),
  ]);
  await connected('echo');
});

after(async () => {
  await unload();
});

const call = (id: string, msg: Msg) => roundTrip(id, 'out', msg);

test('arguments: msg.args and msg.kwargs, else the payload', { timeout: 30000 }, async () => {
  assert.deepEqual((await call('echo', { args: [1, 'a'], kwargs: { k: true }, payload: 'ignored' })).payload, [[1, 'a'], { k: true }]);
  assert.deepEqual((await call('echo', { kwargs: { only: null } })).payload, [[], { only: null }]);
  assert.deepEqual((await call('echo', { payload: [1, [2, 3]] })).payload, [[1, [2, 3]], {}]);
  assert.deepEqual((await call('echo', { payload: { a: 1, b: 'x' } })).payload, [[], { a: 1, b: 'x' }]);
  assert.deepEqual((await call('echo', {})).payload, [[], {}]);
  assert.deepEqual((await call('echo', { payload: 'one' })).payload, [['one'], {}]);
  assert.deepEqual((await call('echo', { payload: 5 })).payload, [[5], {}]);
  assert.deepEqual((await call('echo', { payload: null })).payload, [[null], {}]);
  const buf = (await call('echo', { payload: Buffer.from('hi') })).payload;
  assert.ok(Buffer.isBuffer(buf[0][0]) && buf[0][0].toString() === 'hi', 'a Buffer is one positional bytes argument');
});

test('every Python type of the CONTRACT table arrives as its JavaScript value', { timeout: 60000 }, async () => {
  const expected: [string, unknown][] = [
    ['none', null], ['true', true], ['false', false], ['int', 42], ['neg', -7], ['big', 2n ** 70n], ['float', 2.5],
    ['inf', Infinity], ['ninf', -Infinity], ['str', 'h\u00e9llo "q" \'s\''], ['bytes', Buffer.from([0, 255])],
    ['bytearray', Buffer.from('ab')], ['list', [1, [2]]], ['tuple', [1, 'a']], ['set', [3]], ['dict', { a: 1, 2: 'b' }],
  ];
  for (const [kind, value] of expected) {
    assert.deepEqual((await call('make', { payload: kind })).payload, value, kind);
  }
  assert.ok(Number.isNaN((await call('make', { payload: 'nan' })).payload));
  const repr = (await call('make', { payload: 'object' })).payload;
  assert.equal(typeof repr, 'string');
  assert.match(repr, /^<object/, 'an object without a literal comes back as its repr');
});

test('msg.stdout carries what the function printed', { timeout: 30000 }, async () => {
  const r = await call('printer', { payload: 2 });
  assert.equal(r.payload, 2);
  assert.equal(r.stdout.replace(/\r\n/g, '\n'), 'line 0\nline 1\n');
});

test('a generator streams msg.parts that a real Join node rebuilds into the list', { timeout: 30000 }, async () => {
  const parts = messages('parts', 5);
  const joined = message('joined');
  node('count').receive({ payload: 5, topic: 'seq' });
  const got = await parts;
  assert.deepEqual(got.map((m) => m.payload), [0, 10, 20, 30, 40]);
  assert.deepEqual(got.map((m) => m.parts.index), [0, 1, 2, 3, 4]);
  assert.equal(new Set(got.map((m) => m.parts.id)).size, 1);
  assert.deepEqual(got.map((m) => m.parts.count), [undefined, undefined, undefined, undefined, 5]);
  assert.ok(got.every((m) => m.parts.type === 'array' && m.topic === 'seq'));
  assert.deepEqual((await joined).payload, [0, 10, 20, 30, 40]);
});

test('an empty generator sends nothing and completes the message', { timeout: 30000 }, async () => {
  let sent = 0;
  const onParts = () => { sent++; };
  node('parts').on('input', onParts);
  try {
    const completed = message('completed');
    node('count').receive({ payload: 0, marker: 'empty' });
    assert.equal((await completed).marker, 'empty');
    assert.equal(sent, 0);
  } finally {
    node('parts').off('input', onParts);
  }
});

test('an exception reaches Catch with the original message and the line in the node\'s code', { timeout: 30000 }, async () => {
  const reply = messageWhere('caught', (m) => m.marker === 'm');
  node('boom').receive({ payload: 0, marker: 'm' });
  const caught = await reply;
  assert.equal(caught.marker, 'm');
  assert.equal(caught.payload, 0);
  assert.equal(caught.error.code, 'ZeroDivisionError');
  assert.equal(caught._error.type, 'ZeroDivisionError');
  assert.match(caught._error.traceback, /File "belay-task boom\(\)", line 3, in boom/, 'an unnamed node: its type and function');
  assert.equal((await call('boom', { payload: 4 })).payload, 0.25, 'the next call works');
});

test('the task calls the last top-level def; the helpers above it are only helpers (issue #10)', { timeout: 30000 }, async () => {
  assert.equal((await call('quad', { payload: 3 })).payload, 12);
});

test('tracebacks name a named node by its name', { timeout: 30000 }, async () => {
  const reply = messageWhere('caught', (m) => m.marker === 'named');
  node('named-boom').receive({ payload: 1, marker: 'named' });
  const caught = await reply;
  assert.match(caught._error.traceback, /File "divider", line 5, in named_boom/, caught._error.traceback);
});

test('a task whose code does not compile fails alone; the board and the other tasks work on', { timeout: 30000 }, async () => {
  const status = await statusOf('broken', (s) => s.fill === 'red');
  assert.match(String(status.text), /SyntaxError/);
  const caught = messageWhere('caught', (m) => m.marker === 'to-broken');
  node('broken').receive({ marker: 'to-broken', payload: 1 });
  const err = await caught;
  assert.equal(err.error.code, 'SyntaxError');
  assert.equal(err.error.source.id, 'broken');
  assert.deepEqual((await call('echo', { payload: 'still fine' })).payload, [['still fine'], {}]);
});

test('1,000 messages are all answered, in order', { timeout: 120000 }, async () => {
  const replies = messages('out', 1000, 110000);
  for (let i = 0; i < 1000; i++) node('inc').receive({ payload: i, seq: i });
  const got = await replies;
  assert.deepEqual(got.map((m) => m.seq), [...Array(1000).keys()]);
  assert.ok(got.every((m) => m.payload === m.seq + 1));
});

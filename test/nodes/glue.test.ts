/**
 * The node layer's own logic, without a board: exec templating, argument mapping, error shapes,
 * start-up default, sync source/keep/ignore settings.
 */
import assert from 'node:assert/strict';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { test } from 'node:test';
import { BoardError } from '../../src/board/types';
import { callArguments } from '../../src/nodes/args';
import { DEFAULT_STARTUP, deviceOptions, parseSeconds, startupCode } from '../../src/nodes/device-options';
import { LinkError } from '../../src/board/link/link';
import { configError, describeError, failWith } from '../../src/nodes/errors';
import { PartsStream } from '../../src/nodes/parts';
import type { Node, NodeAPI } from '@node-red/registry';
import { DEFAULT_KEEP, keepList, listOf, resolveSource } from '../../src/nodes/sync-source';
import { renderCode } from '../../src/nodes/template';

/** Just enough of a node and of RED for the template: flow/global context and env. */
function fakes(flow: Record<string, unknown> = {}, global: Record<string, unknown> = {}, env: Record<string, string> = {}) {
  const store = (values: Record<string, unknown>, scope: string) => ({
    get(key: string, storeName: string | undefined, cb: (err: Error | null, v: unknown) => void) {
      setImmediate(() => cb(null, values[storeName ? `${storeName}:${key}` : key] ?? (scope === 'x' ? null : undefined)));
    },
  });
  const node = { context: () => ({ flow: store(flow, 'flow'), global: store(global, 'global') }) } as unknown as Node;
  const RED = {
    util: { evaluateNodeProperty: (name: string, type: string) => (type === 'env' ? env[name] : undefined), cloneMessage: (m: unknown) => structuredClone(m) },
  } as unknown as NodeAPI;
  return { node, RED };
}

const render = (code: string, msg: Record<string, unknown>, ctx = fakes()) => renderCode(ctx.RED, ctx.node, code, msg);

test('{{x}} inserts Python literals: strings quoted, objects dicts, arrays lists, Buffers bytes, null None', async () => {
  const msg = {
    payload: "it's", topic: 'a\nb', n: 42, f: 1.5, yes: true, none: null,
    obj: { a: [1, 'two', null], b: { c: false } }, buf: Buffer.from([0, 65, 255]),
  };
  assert.equal(await render('{{payload}}', msg), "'it\\'s'");
  assert.equal(await render('{{topic}}', msg), "'a\\nb'");
  assert.equal(await render('{{n}} + {{f}}', msg), '42 + 1.5');
  assert.equal(await render('{{yes}}, {{none}}, {{missing}}', msg), 'True, None, None');
  assert.equal(await render('{{obj}}', msg), "{'a': [1, 'two', None], 'b': {'c': False}}");
  assert.equal(await render('{{obj.a}}', msg), "[1, 'two', None]");
  assert.equal(await render('{{buf}}', msg), "b'\\x00A\\xff'");
});

test('hostile strings stay one string literal: no quote, newline or backslash escapes it', async () => {
  for (const hostile of ["'); import os; os.remove('x", '"""\nimport os\n"""', "\\'; 1/0 #", '{{payload}}', '\r\n\x00\x1b']) {
    const code = await render('len({{payload}})', { payload: hostile });
    assert.ok(!code.includes('\n'), `no raw newline in ${JSON.stringify(code)}`);
    // the literal is exactly what toPython writes: one quoted string, nothing after it
    assert.match(code, /^len\('(?:[^'\\]|\\.)*'\)$/, code);
  }
});

test('{{{x}}} inserts raw text; HTML is never escaped', async () => {
  assert.equal(await render('{{{payload}}}', { payload: 'led.on()' }), 'led.on()');
  assert.equal(await render('{{{payload}}}', { payload: { a: 1 } }), '{"a":1}');
  assert.equal(await render('{{payload}}', { payload: '<&>' }), "'<&>'");
});

test('{{flow.x}}, {{global.x}}, {{flow[store].x}} and {{env.X}} read context and environment as literals', async () => {
  const ctx = fakes({ limit: 5, 'file:saved': 'disk' }, { names: ['a', 'b'] }, { BOARD_PIN: '25' });
  assert.equal(await render('{{flow.limit}} {{global.names}} {{flow[file].saved}} {{env.BOARD_PIN}}', {}, ctx), "5 ['a', 'b'] 'disk' '25'");
  // a message property wins, as in the core template node
  assert.equal(await render('{{flow.limit}}', { flow: { limit: 9 } }, ctx), '9');
});

test('sections iterate and see context inside them', async () => {
  const ctx = fakes({ scale: 2 });
  assert.equal(await render('[{{#payload}}{{.}} * {{flow.scale}}, {{/payload}}]', { payload: [1, 'x'] }, ctx), "[1 * 2, 'x' * 2, ]");
  assert.equal(await render('{{^payload}}None{{/payload}}', { payload: [] }), 'None');
});

test('a value that has no Python literal fails with a clear error', async () => {
  await assert.rejects(render('{{payload}}', { payload: Symbol('s') }), TypeError);
});

test('arguments: msg.args/kwargs first, else payload array → positional, plain object → keywords, undefined → none, else one', () => {
  assert.deepEqual(callArguments({ args: [1, 2], kwargs: { k: 3 }, payload: 'ignored' }), { args: [1, 2], kwargs: { k: 3 } });
  assert.deepEqual(callArguments({ kwargs: { k: 3 } }), { args: [], kwargs: { k: 3 } });
  assert.deepEqual(callArguments({ payload: [1, 'a'] }), { args: [1, 'a'], kwargs: {} });
  assert.deepEqual(callArguments({ payload: { a: 1 } }), { args: [], kwargs: { a: 1 } });
  assert.deepEqual(callArguments({}), { args: [], kwargs: {} });
  assert.deepEqual(callArguments({ payload: null }), { args: [null], kwargs: {} });
  assert.deepEqual(callArguments({ payload: 'x' }), { args: ['x'], kwargs: {} });
  const buf = Buffer.from('hi');
  assert.deepEqual(callArguments({ payload: buf }), { args: [buf], kwargs: {} }, 'a Buffer is one value, not keywords');
  assert.throws(() => callArguments({ args: 'nope' }), /msg\.args must be an array/);
  assert.throws(() => callArguments({ kwargs: [1] }), /msg\.kwargs must be an object/);
});

test('failures put {type, message, traceback} on msg.error and travel to Catch as code, stack and cause', () => {
  const msg: Record<string, any> = { payload: 1 };
  const err = failWith(msg, new BoardError('virtual:x', 'ZeroDivisionError', 'divide by zero', 'Traceback (most recent call last):\n  File "exec", line 2\nZeroDivisionError: divide by zero\n'));
  assert.deepEqual(msg.error, { type: 'ZeroDivisionError', message: 'divide by zero', traceback: 'Traceback (most recent call last):\n  File "exec", line 2\nZeroDivisionError: divide by zero\n', board: 'virtual:x' });
  assert.equal(err.code, 'ZeroDivisionError');
  assert.match(String(err), /^virtual:x: ZeroDivisionError: divide by zero$/);
  assert.match(err.stack ?? '', /line 2/);
  assert.deepEqual(err.cause, msg.error);
});

test('host-side failures have host codes: ConfigError for checks, ConnectionError for links, never a Python class name', () => {
  const checked: Record<string, any> = {};
  const err = failWith(checked, (() => { try { callArguments({ args: 'nope' }); } catch (e) { return e; } })());
  assert.deepEqual(checked.error, { type: 'ConfigError', message: 'msg.args must be an array of positional arguments', traceback: '' });
  assert.equal(err.code, 'ConfigError');
  assert.equal(String(err), 'ConfigError: msg.args must be an array of positional arguments');
  const link: Record<string, any> = {};
  failWith(link, new LinkError('/dev/ttyUSB9', 'cannot open'));
  assert.equal(link.error.type, 'ConnectionError', 'a LinkError reaches Catch as ConnectionError');
  assert.equal(describeError(configError('bad')).type, 'ConfigError');
  // an unexpected JavaScript error is not dressed up as the Python TypeError
  assert.equal(describeError(new TypeError('x is undefined')).type, 'Error');
});

test('start-up: the default text means the board-fitting default, anything else runs as written', () => {
  assert.equal(startupCode(undefined), undefined);
  assert.equal(startupCode(DEFAULT_STARTUP), undefined);
  assert.equal(startupCode(DEFAULT_STARTUP.replace(/\n/g, '\r\n').trim()), undefined);
  assert.equal(startupCode(''), '');
  assert.equal(startupCode('import os'), 'import os');
  const o = deviceOptions({ id: 'd', port: ' virtual:a ', baud: '9600', timeout: '0', softReset: false }, 'pw');
  assert.deepEqual(o, { name: undefined, port: 'virtual:a', baud: 9600, password: 'pw', startup: undefined, setup: '', teardown: '', softReset: false, syncTime: true, reconnect: true, timeout: 0 });
  assert.equal(deviceOptions({ id: 'd' }, undefined).port, 'virtual');
  assert.throws(() => deviceOptions({ id: 'd', baud: 'fast' }, undefined), /baud/);
  assert.equal(parseSeconds('', 't'), undefined);
  assert.equal(parseSeconds(' 2.5 ', 't'), 2.5);
  assert.throws(() => parseSeconds(-1, 'msg.timeout'), /msg.timeout must be a number of seconds/);
});

test('generator values become a msg.parts sequence with count on the last; nested parts kept; none for an empty one', () => {
  const RED = { util: { cloneMessage: (m: unknown) => structuredClone(m) } } as unknown as NodeAPI;
  const sent: Record<string, any>[] = [];
  const stream = new PartsStream(RED, { _msgid: 'm1', topic: 't', parts: { id: 'outer', index: 3 } }, (m) => sent.push(m));
  for (const v of ['a', 'b', 'c']) stream.push(v);
  assert.equal(sent.length, 2, 'the last value waits for the end');
  assert.equal(stream.end('printed\n'), 3);
  assert.deepEqual(sent.map((m) => [m.payload, m.parts.index, m.parts.count, m.stdout, m.topic]),
    [['a', 0, undefined, '', 't'], ['b', 1, undefined, '', 't'], ['c', 2, 3, 'printed\n', 't']]);
  for (const m of sent) assert.deepEqual({ id: m.parts.id, type: m.parts.type, outer: m.parts.parts }, { id: 'm1', type: 'array', outer: { id: 'outer', index: 3 } });
  const partial: Record<string, any>[] = [];
  const broken = new PartsStream(RED, { _msgid: 'm3' }, (m) => partial.push(m));
  broken.push(1);
  broken.push(2);
  broken.abort();
  assert.deepEqual(partial.map((m) => [m.payload, m.parts.count]), [[1, undefined], [2, undefined]], 'a generator that raised: values sent, no count');
  const none: unknown[] = [];
  assert.equal(new PartsStream(RED, { _msgid: 'm2' }, (m) => none.push(m)).end(''), 0);
  assert.equal(none.length, 0);
});

test('sync settings: keep defaults at the root only, lists from text or arrays, sources from the user dir or a package', () => {
  assert.deepEqual(keepList('', '/'), DEFAULT_KEEP);
  assert.deepEqual(keepList(undefined, '/'), DEFAULT_KEEP);
  assert.deepEqual(keepList('', '/app'), []);
  assert.deepEqual(keepList(' main.py ,lib/ ', '/'), ['main.py', 'lib/']);
  assert.deepEqual(keepList(['a.py'], '/'), ['a.py']);
  assert.deepEqual(listOf('*.md\n\n tests/ \r\n!x.md', /\r?\n/), ['*.md', 'tests/', '!x.md']);

  const userDir = fs.mkdtempSync(path.join(os.tmpdir(), 'belay-src-'));
  try {
    fs.mkdirSync(path.join(userDir, 'board'));
    const pkg = path.join(userDir, 'node_modules', '@acme', 'fw');
    fs.mkdirSync(path.join(pkg, 'py', 'lib'), { recursive: true });
    fs.writeFileSync(path.join(pkg, 'package.json'), JSON.stringify({ name: '@acme/fw', version: '1.0.0', exports: { '.': './index.js' } }));
    fs.writeFileSync(path.join(pkg, 'index.js'), '');
    assert.equal(resolveSource('board', userDir), path.join(userDir, 'board'));
    assert.equal(resolveSource(path.join(userDir, 'board'), '/elsewhere'), path.join(userDir, 'board'));
    assert.equal(fs.realpathSync(resolveSource('package:@acme/fw/py/lib', userDir)), fs.realpathSync(path.join(pkg, 'py', 'lib')));
    assert.throws(() => resolveSource('missing', userDir), /does not exist.*user directory/);
    assert.throws(() => resolveSource('missing', userDir), (e: Error) => describeError(e).type === 'ConfigError', 'a setting to fix');
    assert.throws(() => resolveSource('package:nothere/x', userDir), /npm package nothere is not installed/);
    assert.throws(() => resolveSource('', userDir), /no source folder/);
  } finally {
    fs.rmSync(userDir, { recursive: true, force: true });
  }
});

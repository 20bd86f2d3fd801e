/**
 * The editor side, without a browser: every node's .html registers its type with the CONTRACT's
 * defaults, validates what it says it validates, has help in Node-RED's style, and every string it
 * shows exists in its en-US catalogue. Also: the node files load into the runtime, and a bad port
 * shows a clear status instead of connecting.
 */
import { DEFAULT_KEEP } from '../../src/board';
import assert from 'node:assert/strict';
import fs from 'node:fs';
import path from 'node:path';
import { test } from 'node:test';
import vm from 'node:vm';
import { functionName } from '../../src/board/python/names';
import { DEFAULT_STARTUP } from '../../src/nodes/device-options';
import { editorNamesScript } from '../../src/nodes/editor-script';
import { NODE_TYPES, device, load, node, nodesDir, sink, statusOf, unload } from '../support/nr';

const html = (t: string) => fs.readFileSync(path.join(nodesDir, `${t}.html`), 'utf8');
const catalogue = (t: string) => JSON.parse(fs.readFileSync(path.join(nodesDir, 'locales', 'en-US', `${t}.json`), 'utf8'));

function lookup(cat: Record<string, any>, key: string): unknown {
  return key.split('.').reduce<any>((o, k) => (o && typeof o === 'object' ? o[k] : undefined), cat);
}

function scripts(text: string, type: string): string[] {
  const re = new RegExp(`<script type="${type}"[^>]*>([\\s\\S]*?)</script>`, 'g');
  return [...text.matchAll(re)].map((m) => m[1]);
}

/** Config nodes the sandbox's RED.nodes knows, for the "adopt the only device" check. */
const configNodes: Record<string, any>[] = [];

/**
 * Runs every node's editor script in a sandbox with just enough of RED to register types, after
 * the script the editor loads from belay/editor/names.js (the runtime's own rule, compiled).
 */
function registeredTypes(): Record<string, any> {
  const defs: Record<string, any> = {};
  const RED = {
    nodes: {
      registerType: (type: string, def: any) => { defs[type] = def; },
      getType: (type: string) => defs[type],
      eachConfig: (fn: (n: Record<string, any>) => void) => { configNodes.forEach(fn); },
      node: () => null,
    },
    validators: { number: () => (v: unknown) => !Number.isNaN(Number(v)) },
    _: (k: string) => k,
  };
  const sandbox: Record<string, any> = { RED, $: () => { throw new Error('no DOM at load time'); } };
  sandbox.window = sandbox;
  vm.createContext(sandbox);
  vm.runInContext(editorNamesScript(), sandbox, { filename: 'belay/editor/names.js' });
  for (const t of NODE_TYPES) {
    for (const code of scripts(html(t), 'text/javascript')) vm.runInContext(code, sandbox, { filename: `${t}.html` });
  }
  return defs;
}

const defs = registeredTypes();
/** A validator's verdict, called as Node-RED calls it (this = the node). */
const validate = (type: string, prop: string, value: unknown) => defs[type].defaults[prop].validate.call({ _: (k: string) => k }, value);

test('each .html registers its node type in the belay category with an icon that exists', () => {
  assert.deepEqual(Object.keys(defs).sort(), [...NODE_TYPES].sort());
  assert.equal(defs['belay-device'].category, 'config');
  for (const t of NODE_TYPES.filter((x) => x !== 'belay-device')) {
    assert.equal(defs[t].category, 'belay', t);
    assert.ok(fs.existsSync(path.join(nodesDir, 'icons', defs[t].icon)), `${t} icon ${defs[t].icon}`);
    assert.equal(defs[t].defaults.device.type, 'belay-device', t);
    assert.equal(typeof defs[t].inputLabels, 'function', t);
    assert.equal(typeof defs[t].outputLabels, 'function', t);
  }
  assert.ok(fs.existsSync(path.join(nodesDir, 'icons', 'belay-device.svg')));
  assert.equal(defs['belay-thread'].outputs, 2);
});

test('belay-device defaults are the CONTRACT ones, the password is a credential, start-up matches the runtime', () => {
  const d = defs['belay-device'];
  const value = (p: string) => d.defaults[p].value;
  assert.deepEqual(
    { name: value('name'), port: value('port'), baud: value('baud'), setup: value('setup'), teardown: value('teardown'), softReset: value('softReset'), reconnect: value('reconnect'), timeout: value('timeout') },
    { name: '', port: 'virtual', baud: 115200, setup: '', teardown: '', softReset: true, reconnect: true, timeout: 10 });
  assert.deepEqual(JSON.parse(JSON.stringify(d.credentials)), { password: { type: 'password' } });
  assert.equal(d.defaults.password, undefined, 'the password must never be a plain property');
  assert.equal(value('startup'), DEFAULT_STARTUP);
});

test('user node defaults follow the CONTRACT', () => {
  assert.equal(defs['belay-thread'].defaults.autostart.value, false);
  const sync = defs['belay-sync'].defaults;
  assert.deepEqual({ dest: sync.dest.value, minify: sync.minify.value, onConnect: sync.onConnect.value, keep: sync.keep.value },
    { dest: '/', minify: true, onConnect: false, keep: 'boot.py, webrepl_cfg.py, lib' });
  assert.equal(sync.keep.value, DEFAULT_KEEP.join(', '), 'the form shows the board layer\'s own list');
  for (const t of ['belay-exec', 'belay-task', 'belay-thread', 'belay-sync']) assert.equal(defs[t].defaults.timeout.value, '', t);
});

test("the editor loads the runtime's rule before the node definitions", () => {
  const text = html('belay-device');
  const src = text.indexOf('<script type="text/javascript" src="belay/editor/names.js"></script>');
  assert.ok(src >= 0, 'belay-device.html loads belay/editor/names.js');
  assert.ok(src < text.indexOf('window.belayNodes ='), 'before the helpers that use it');
});

test('palette labels say what the nodes are, and the type names stay', () => {
  // The label comes from the node's en-US catalogue, as the editor's this._ reads it.
  const palette = (t: string) => {
    const messages = catalogue(t);
    const _ = (key: string) => key.split('.').reduce((o, k) => o?.[k], messages);
    return defs[t].paletteLabel.call({ _ });
  };
  assert.deepEqual(['belay-exec', 'belay-task', 'belay-thread', 'belay-sync'].map(palette), ['mpy exec', 'mpy task', 'mpy thread', 'mpy sync']);
  assert.equal(palette('belay-device'), 'MicroPython board', 'the config dialog title: "Edit MicroPython board node"');
});

test('a node dropped from the palette gets the board when exactly one belay-device can be used there', () => {
  const add = (t: string, n: Record<string, unknown>) => { const node = { device: '', z: 'tab1', ...n }; defs[t].onadd.call(node); return node.device; };
  configNodes.length = 0;
  assert.equal(add('belay-task', {}), '', 'none: nothing to pick');
  configNodes.push({ id: 'd1', type: 'belay-device', users: [] });
  for (const t of ['belay-exec', 'belay-task', 'belay-thread', 'belay-sync']) assert.equal(add(t, {}), 'd1', t);
  assert.equal(add('belay-task', { device: 'other' }), 'other', 'a node that has a board keeps it');
  configNodes.push({ id: 'd2', type: 'belay-device', z: 'tab2', users: [] });
  assert.equal(add('belay-task', {}), 'd1', 'a board scoped to another tab does not count');
  configNodes.push({ id: 'd3', type: 'belay-device', users: [] });
  assert.equal(add('belay-task', {}), '', 'two: the user picks');
  configNodes.length = 0;
});

test('port and baud accept ${ENV_VAR}, which the runtime substitutes', () => {
  for (const v of ['${BOARD_PORT}', '/dev/${TTY}', '${HOST_PORT}']) assert.equal(validate('belay-device', 'port', v), true, v);
  for (const v of ['${BAUD}', 115200, '9600']) assert.equal(validate('belay-device', 'baud', v), true, String(v));
  for (const v of ['fast', '', '-1', '1.5']) assert.equal(typeof validate('belay-device', 'baud', v), 'string', String(v));
});

test('the port field accepts every CONTRACT form and explains the rest', () => {
  for (const good of ['virtual', 'virtual:demo', 'virtual:x?thread=off', '/dev/ttyACM0', 'COM3', 'ws://192.168.4.1', 'ws://board.local:8266', 'tcp://localhost:2217']) {
    assert.equal(validate('belay-device', 'port', good), true, good);
  }
  const devCat = catalogue('belay-device');
  for (const bad of ['', 'ttyACM0', 'tcp://host', 'http://board', 'board:23', 'virtual:bad name']) {
    const why = validate('belay-device', 'port', bad);
    assert.equal(typeof why, 'string', bad);
    assert.equal(typeof lookup(devCat, why), 'string', `${bad}: ${why} has no text`);
  }
});

test('task and thread code must define a function; timeouts must be seconds', () => {
  for (const t of ['belay-task', 'belay-thread']) {
    assert.equal(validate(t, 'code', 'import time\n\ndef go(n=1):\n    return n'), true, t);
    const why = validate(t, 'code', 'x = 1');
    assert.equal(typeof lookup(catalogue('belay-device'), why), 'string', `${t}: ${why}`);
    assert.notEqual(validate(t, 'code', '    def nested():\n        pass'), true, 'an indented def is not top-level');
  }
  assert.equal(validate('belay-exec', 'timeout', ''), true);
  assert.equal(validate('belay-exec', 'timeout', '2.5'), true);
  assert.notEqual(validate('belay-exec', 'timeout', '-1'), true);
  assert.notEqual(validate('belay-exec', 'timeout', 'soon'), true);
});

test('task and thread labels show the function the runtime calls: the same rule, from one source', () => {
  const label = (t: string, n: Record<string, unknown>) => defs[t].label.call({ _: (k: string) => k, ...n });
  assert.equal(label('belay-task', { code: 'import x\n\ndef helper():\n    pass\n\ndef read_temp(a):\n    return a' }), 'read_temp()');
  const samples = [
    'def _double(x):\n    return x * 2\n\ndef quadruple(x):\n    return _double(_double(x))\n',
    'def main():\n    return 1\n\nclass Helper:\n    def method(self):\n        pass\n',
    '@decorate\ndef run():\n    def inner():\n        pass\n    return inner\n',
    'x = """\ndef not_code():\n"""\ndef real():\n    pass\n',
    'def f(): pass\nif DEBUG:\n    def g(): pass\n',
  ];
  for (const code of samples) {
    assert.equal(label('belay-task', { code }), `${functionName(code)}()`, code);
    assert.equal(label('belay-thread', { code }), `${functionName(code)}()`, code);
  }
  assert.equal(label('belay-task', { code: samples[0] }), 'quadruple()', 'issue #10: the label and the call agree');
  const why = validate('belay-task', 'code', 'async def poll():\n    pass');
  assert.match(String(why), /async def poll/, "an async def is refused in the editor with the runtime's own words");
  assert.equal(label('belay-thread', { code: 'def stream():\n    yield 1' }), 'stream()');
  assert.equal(label('belay-task', { name: 'mine', code: 'def f(): pass' }), 'mine');
  const sync = (n: Record<string, unknown>) => defs['belay-sync'].label.call({ _: (k: string, o?: Record<string, string>) => `${k} ${JSON.stringify(o ?? {})}`, ...n });
  assert.equal(sync({ source: 'package:@belay/node-red-micropython/examples-data/sync-folder/', dest: '/app' }), 'belay-sync.label.sync-to {"source":"sync-folder","dest":"/app"}');
});

test('every string the dialogs show exists in the en-US catalogue', () => {
  const devCat = catalogue('belay-device');
  for (const t of NODE_TYPES) {
    const text = html(t);
    const cat = catalogue(t);
    const keys = new Set<string>();
    for (const m of text.matchAll(/data-i18n="([^"]+)"/g)) {
      for (const part of m[1].split(';')) keys.add(part.replace(/^\[[^\]]+\]/, ''));
    }
    // a key built from a field name ends in '.': those are checked below
    for (const m of text.matchAll(/\b(?:this|node)\._\('([^']+[^.'])'\)/g)) keys.add(m[1]);
    for (const m of text.matchAll(/\b(?:this|node)\._\(i === 0 \? '([^']+)' : '([^']+)'\)/g)) { keys.add(m[1]); keys.add(m[2]); }
    assert.ok(keys.size > 3, `${t} uses its catalogue`);
    for (const key of keys) assert.equal(typeof lookup(cat, key), 'string', `${t}: missing "${key}" in locales/en-US/${t}.json`);
    for (const m of text.matchAll(/belayNodes\.t\('([^']+)'\)/g)) assert.equal(typeof lookup(devCat, m[1]), 'string', `${t}: ${m[1]}`);
    for (const m of text.matchAll(/'(belay-device\.errors\.[\w-]+)'/g)) assert.equal(typeof lookup(devCat, m[1]), 'string', m[1]);
  }
  // keys the device dialog builds from a field name
  for (const f of ['startup', 'setup', 'teardown']) {
    assert.equal(typeof lookup(devCat, `belay-device.tabs.${f}`), 'string');
    assert.equal(typeof lookup(devCat, `belay-device.tips.${f}`), 'string');
  }
});

test('every node has help in Node-RED style that names each msg property its runtime reads', () => {
  for (const t of NODE_TYPES) {
    const help = /<script type="text\/html" data-help-name="([^"]+)">([\s\S]*?)<\/script>/.exec(html(t));
    assert.ok(help, `${t} has help`);
    assert.equal(help[1], t);
    const headings = [...help[2].matchAll(/<h3>([^<]+)<\/h3>/g)].map((m) => m[1]);
    const expected = t === 'belay-device' ? ['Properties', 'Details', 'References'] : ['Inputs', 'Outputs', 'Details', 'References'];
    assert.deepEqual(headings, expected, t);
    assert.match(html(t), new RegExp(`data-template-name="${t}"`));
    if (t === 'belay-device') continue;
    const source = fs.readFileSync(path.join(nodesDir, '..', '..', '..', 'src', 'nodes', `${t}.ts`), 'utf8');
    const read = new Set([...source.matchAll(/\b(?:msg|origin)\.(\w+)/g)].map((m) => m[1]));
    for (const common of ['timeout', 'action']) read.add(common);
    const documented = new Set([...help[2].matchAll(/<dt[^>]*>([\w, .…]+?)\s*<span/g)].flatMap((m) => m[1].split(/[, ]+/)));
    for (const prop of read) assert.ok(documented.has(prop), `${t} help does not list msg.${prop}`);
  }
});

test('the node files load into the runtime, and a bad port shows why instead of connecting', { timeout: 30000 }, async () => {
  await load([
    device('dev', 'ttyACM0'),
    { id: 'exec', type: 'belay-exec', device: 'dev', code: '1', wires: [['out']] },
    { id: 'task', type: 'belay-task', device: 'dev', code: 'def f():\n    return 1', wires: [['out']] },
    { id: 'thread', type: 'belay-thread', device: 'dev', code: 'def g():\n    yield 1', wires: [['out'], []] },
    { id: 'sync', type: 'belay-sync', device: 'dev', source: '.', wires: [['out']] },
    sink('out'),
  ]);
  try {
    for (const id of ['exec', 'task', 'thread', 'sync']) assert.equal(node(id).type, `belay-${id}`);
    const status = await statusOf('exec', (s) => s.fill === 'red');
    assert.match(status.text ?? '', /^ConfigError: /, 'the status says it is a setting to fix');
    assert.ok((status.text ?? '').length <= 32, `short, as Node-RED's own statuses: "${status.text}"`);
  } finally {
    await unload();
  }
});

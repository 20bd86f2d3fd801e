/**
 * What the board layer chooses per board, from what the board reports (never its name), on the
 * virtual board's profiles: the call path, what it leaves resident and what that costs the user's
 * heap, tracebacks without compile, sync on a small heap and on a read-only filesystem.
 */
import { test, after } from 'node:test';
import assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { Device, rp2FlashHangs } from '../../src/board/device';
import { BoardError, type BoardInfo } from '../../src/board/types';
import { pieces } from '../../src/board/session';
import { agentPart } from '../../src/board/agent';
import { defaultFsDir } from '../../src/virtual';
import '../../src/virtual/link';

const names: string[] = [];
const devices: Device[] = [];
function board(tag: string, query = ''): Device {
  const name = `prof-${tag}-${process.pid}`;
  names.push(name);
  const d = new Device({ port: `virtual:${name}${query}`, timeout: 10 });
  devices.push(d);
  return d;
}
after(async () => {
  for (const d of devices) await d.close();
  for (const n of names) fs.rmSync(defaultFsDir(n), { recursive: true, force: true });
});

const free = async (d: Device) => (await d.exec('__import__("gc").collect() or __import__("gc").mem_free()')).value as number;

test('a board with the loop gets the core, threads and sync parts only when used, each costing little heap', { timeout: 60000 }, async () => {
  const d = board('full');
  const info = await d.connect();
  assert.equal(info.callPath, 'loop');
  assert.deepEqual(info.resident, ['core']);
  const before = await free(d);
  // the core with its loop running (its frame, a name cache): about 4.2 KB on this port
  assert.ok(info.memFree - before < 4608, `core + the running loop: ${info.memFree - before} bytes`);
  await d.define('t', 'def t():\n    yield 1\n');
  await new Promise<void>((resolve, reject) => {
    d.startThread('t', [], {}, { onYield: () => undefined, onPrint: () => undefined, onError: reject, onEnd: resolve }).catch(reject);
  });
  const threads = before - await free(d);
  assert.ok(threads > 0 && threads < 2048, `threads part: ${threads} bytes`);
});

test('a small board (micro:bit heap, no io/json/binascii/raw-paste): one exec per call, a few helpers, folders synced', { timeout: 60000 }, async () => {
  const d = board('small', '?profile=small');
  const info = await d.connect();
  assert.equal(info.callPath, 'exec');
  assert.equal(info.rawPaste, false);
  assert.equal(info.window, 0);
  assert.match(info.windowOff!, /one raw exec per call/);
  assert.deepEqual(info.resident, ['exec']);
  assert.ok(info.memFree < 12 * 1024, String(info.memFree));
  await d.define('k', 'def add(a, b):\n    return a + b\n\ndef gen(n):\n    for i in range(n):\n        yield i\n');
  for (let i = 0; i < 300; i++) assert.equal((await d.call('add', [i, 1])).value, i + 1);
  assert.deepEqual((await d.call('gen', [3])).value, [0, 1, 2]);
  const src = fs.mkdtempSync(path.join(os.tmpdir(), 'belay-small-'));
  try {
    fs.mkdirSync(path.join(src, 'lib'));
    fs.writeFileSync(path.join(src, 'main.py'), '# entry\nprint("main")\n');
    fs.writeFileSync(path.join(src, 'lib', 'u.py'), 'X = 1\n');
    const r = await d.sync({ source: src });
    assert.deepEqual(r.uploaded.sort(), ['/lib/u.py', '/main.py']);
    assert.deepEqual((await d.sync({ source: src })).uploaded, []);
  } finally {
    fs.rmSync(src, { recursive: true, force: true });
  }
});

test('CircuitPython (no compile): tracebacks still count the node\'s own lines and name it; sync says what to do', { timeout: 60000 }, async () => {
  const d = board('cp', '?profile=circuitpython');
  const info = await d.connect();
  assert.equal(info.implementation, 'circuitpython');
  assert.equal(info.callPath, 'loop');
  assert.equal(info.threads, false);
  await d.define('node-7', 'import math\n\ndef bad(x):\n    y = x + 1\n    return y / 0\n', 'my task');
  await assert.rejects(d.call('bad', [1]), (e: unknown) => {
    assert.ok(e instanceof BoardError && e.type === 'ZeroDivisionError');
    assert.match(e.traceback, /File "my task", line 5, in bad/);
    assert.doesNotMatch(e.traceback, /<string>|<stdin>|_b[A-Za-z]+/);
    return true;
  });
  await assert.rejects(d.exec('a = 1\nb = a / 0', { file: 'my exec' }), (e: unknown) =>
    e instanceof BoardError && /File "my exec", line 2/.test(e.traceback));
  const src = fs.mkdtempSync(path.join(os.tmpdir(), 'belay-cp-'));
  try {
    fs.writeFileSync(path.join(src, 'code.py'), 'print(1)\n');
    await assert.rejects(d.sync({ source: src }), (e: unknown) =>
      e instanceof BoardError && /read-only/.test(e.message) && /boot\.py/.test(e.message) && /storage\.remount/.test(e.message));
  } finally {
    fs.rmSync(src, { recursive: true, force: true });
  }
  assert.equal((await d.exec('1 + 1')).value, 2);
});

test('rp2 before 1.25 after a thread: sync is refused naming micropython#16619 (the rule, by version)', () => {
  const info = (version: string, platform = 'rp2'): BoardInfo => ({
    implementation: 'micropython', version, platform, machine: '', threads: true, rawPaste: true, memFree: 0,
    folders: true, callPath: 'loop', resident: [],
  });
  assert.equal(rp2FlashHangs(info('1.24.1')), true);
  assert.equal(rp2FlashHangs(info('1.25.0')), false);
  assert.equal(rp2FlashHangs(info('1.26.1')), false);
  assert.equal(rp2FlashHangs(info('1.24.1', 'esp32')), false);
});

test('agent parts go to small boards a few top-level statements at a time, cut where Python allows', () => {
  const src = agentPart('sync');
  const ps = pieces(src, 300);
  assert.ok(ps.length > 3);
  assert.equal(ps.join(''), src.endsWith('\n') ? src : src + '\n');
  for (const p of ps) assert.match(p, /^[^\s]/, 'each piece starts at a top-level statement');
  assert.deepEqual(pieces('@d\ndef f():\n    pass\ntry:\n    x\nexcept E:\n    y\n', 1), ['@d\ndef f():\n    pass\n', 'try:\n    x\nexcept E:\n    y\n']);
});

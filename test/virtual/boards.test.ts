import { test } from 'node:test';
import assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { defaultFsDir, getVirtualBoard, listVirtualBoards, parseVirtualPort, setVirtualRoot, virtualRoot } from '../../src/virtual/index';
import { Collector, parseRawAnswer, removeDir, tempDir } from './helpers';

test('parseVirtualPort reads names, profiles and test switches with the board layer\'s parser', () => {
  assert.deepEqual(parseVirtualPort('virtual'), { name: 'default', opts: {} });
  assert.deepEqual(parseVirtualPort('virtual:a'), { name: 'a', opts: {} });
  assert.deepEqual(parseVirtualPort('virtual:b?thread=off&rawpaste=off'), { name: 'b', opts: { threads: false, rawPaste: false } });
  assert.deepEqual(parseVirtualPort('virtual:c?profile=small'), { name: 'c', opts: { profile: 'small' } });
  assert.equal(parseVirtualPort('/dev/ttyACM0'), null);
  assert.equal(parseVirtualPort('ws://board'), null);
  // The same rejections as parsePort: this is its answer, naming the port.
  assert.throws(() => parseVirtualPort('virtual:x?speed=9'), /^LinkError: virtual:x\?speed=9: unknown virtual board option "speed"/);
  assert.throws(() => parseVirtualPort('virtual:x?thread=maybe'), /thread is on or off, not "maybe"/);
});

test('boards run side by side, each its own; closing one frees its workers', { timeout: 30000 }, async () => {
  const dirA = tempDir('multi-a');
  const dirB = tempDir('multi-b');
  const a = getVirtualBoard('multi-a', { fsDir: dirA });
  const b = getVirtualBoard('multi-b', { fsDir: dirB });
  try {
    assert.equal(getVirtualBoard('multi-a'), a, 'same name, same board');
    const rxA = new Collector(a);
    const rxB = new Collector(b);
    await Promise.all([a.start(), b.start()]);
    assert.deepEqual(listVirtualBoards().map((x) => x.name).filter((n) => n.startsWith('multi-')).sort(), ['multi-a', 'multi-b']);
    a.write(Buffer.from('\r\x01'));
    b.write(Buffer.from('\r\x01'));
    await rxA.until('>');
    await rxB.until('>');
    await rxA.until('raw REPL; CTRL-B to exit\r\n>');
    await rxB.until('raw REPL; CTRL-B to exit\r\n>');
    a.write(Buffer.from('who = "a"\x04'));
    b.write(Buffer.from('who = "b"\x04'));
    await rxA.until('\x04>');
    await rxB.until('\x04>');
    a.write(Buffer.from('print(who)\x04'));
    b.write(Buffer.from('print(who)\x04'));
    assert.equal(parseRawAnswer(await rxA.until('\x04>')).stdout, 'a\r\n');
    assert.equal(parseRawAnswer(await rxB.until('\x04>')).stdout, 'b\r\n');

    const used = a.memoryUsage();
    console.log(`# one board: ${used.workers} workers, ${(used.bytes / 1048576).toFixed(1)} MiB (wasm memory + JS heap)`);
    assert.ok(used.workers >= 1 && used.bytes > 16 * 1048576);
    await a.close();
    assert.deepEqual(a.memoryUsage(), { workers: 0, bytes: 0 });
    assert.ok(!listVirtualBoards().includes(a));
    assert.notEqual(getVirtualBoard('multi-a', { fsDir: dirA }), a, 'a closed board is replaced by a new one');
  } finally {
    await a.close();
    await b.close();
    await getVirtualBoard('multi-a').close();
    removeDir(dirA);
    removeDir(dirB);
  }
});

test('board files: fsDir per board, else ROOT/NAME under the root set once for the process', { timeout: 30000 }, async () => {
  const root = tempDir('root');
  const own = tempDir('own');
  const before = virtualRoot();
  assert.equal(defaultFsDir('x'), path.join(before, 'x'));
  setVirtualRoot(root);
  const a = getVirtualBoard('files-a');
  const b = getVirtualBoard('files-b', { fsDir: own });
  try {
    assert.equal(defaultFsDir('files-a'), path.join(root, 'files-a'));
    assert.equal(a.fsDir, path.join(root, 'files-a'));
    assert.equal(b.fsDir, own);
    const rx = new Collector(a);
    await a.start();
    a.write(Buffer.from('\r\x01'));
    await rx.until('raw REPL; CTRL-B to exit\r\n>');
    a.write(Buffer.from("open('here.txt', 'w').write('a')\x04"));
    await rx.until('\x04>');
    assert.equal(fs.readFileSync(path.join(root, 'files-a', 'here.txt'), 'utf8'), 'a');
    assert.throws(() => getVirtualBoard('files-b', { fsDir: root }), /already running with files in/);
  } finally {
    await a.close();
    await b.close();
    setVirtualRoot(before);
    removeDir(root);
    removeDir(own);
  }
});

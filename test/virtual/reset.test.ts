/**
 * Soft reset in place (issue #15): the worker puts its interpreter back as it was after boot instead
 * of swapping in a second booted worker. What ran is gone, files written before stay and a file left
 * open is closed; after a program that grew the heap far, a fresh worker takes over.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { rawBoard, RAW_BANNER } from './helpers';

const MiB = 2 ** 20;

// Run on a second board too: the first worker of a process makes the boot image, later ones share it.
for (const which of ['first', 'second']) test(`a soft reset keeps the one worker, drops globals, modules and open files, keeps the files (${which} board)`, { timeout: 30000 }, async () => {
  const b = await rawBoard(`reset-inplace-${which}`);
  try {
    await b.exec('import json\nx = 42\nf = open("open.txt", "w")\nf.write("written before the reset")');
    const before = b.board.memoryUsage();
    assert.equal(before.workers, 1);
    for (let i = 0; i < 20; i++) {
      b.board.write(Buffer.from('\x04'));
      await b.rx.until(`soft reboot\r\n${RAW_BANNER}`);
      const r = await b.exec(`try:\n    x\nexcept NameError:\n    print("fresh", ${i})\nimport sys\nprint("json" in sys.modules)\ny = [bytearray(1000) for _ in range(200)]`);
      assert.equal(r.stdout, `fresh ${i}\r\nFalse\r\n`, `reset ${i}: ${JSON.stringify(r)}`);
    }
    assert.deepEqual(b.board.memoryUsage(), before, 'the same worker with the same memory after 20 resets');
    assert.equal(fs.readFileSync(path.join(b.fsDir, 'open.txt'), 'utf8'), 'written before the reset');
    // The file the first program left open was closed by the reset: it can be removed and written again.
    assert.equal((await b.exec('import os\nos.remove("open.txt")\nwith open("open.txt", "w") as g:\n    g.write("again")\nprint(open("open.txt").read())')).stdout, 'again\r\n');
  } finally {
    await b.close();
  }
});

test('machine.reset() from a Timer callback while idle, and a reset after the heap grew 24 MB: a fresh interpreter each time', { timeout: 30000 }, async () => {
  const b = await rawBoard('reset-grown');
  try {
    await b.exec('import machine\nmachine.Timer(period=20, mode=machine.Timer.ONE_SHOT, callback=lambda t: machine.reset())');
    // machine.reset() comes back up in the friendly REPL, like a power cycle.
    await b.rx.until('>>> ');
    b.board.write(Buffer.from('\r\x01'));
    await b.rx.until(RAW_BANNER);
    const small = b.board.memoryUsage().bytes;
    await b.exec('big = [bytearray(1000000) for _ in range(24)]');
    assert.ok(b.board.memoryUsage().bytes > small + 8 * MiB, 'the heap grew');
    b.board.write(Buffer.from('\x04'));
    await b.rx.until(`soft reboot\r\n${RAW_BANNER}`);
    const after = b.board.memoryUsage();
    assert.equal(after.workers, 1);
    assert.ok(after.bytes < small + MiB, `a fresh worker, not the grown one (${after.bytes} bytes, ${small} before)`);
    assert.equal((await b.exec('print("big" in globals())')).stdout, 'False\r\n');
  } finally {
    await b.close();
  }
});

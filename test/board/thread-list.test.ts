/**
 * The Device's list of running threads and its thread events, whoever started the threads: what
 * the belay tab shows. 'threads' tells each start and end, 'thread-print' each printed line.
 */
import { test, after } from 'node:test';
import assert from 'node:assert/strict';
import * as fs from 'node:fs';
import { Device } from '../../src/board/device';
import type { ThreadHandlers, ThreadInfo } from '../../src/board/types';
import { defaultFsDir } from '../../src/virtual';
import '../../src/virtual/link';
import { earlyThreadOutput } from '../support/early-thread-output';

const name = `threadlist-${process.pid}`;
const d = new Device({ port: `virtual:${name}`, timeout: 10 });
after(async () => {
  await d.close().catch(() => undefined);
  fs.rmSync(defaultFsDir(name), { recursive: true, force: true });
});

function handlers(): ThreadHandlers & { ended: Promise<void> } {
  let end!: () => void;
  const ended = new Promise<void>((r) => { end = r; });
  return { onYield: () => undefined, onPrint: () => undefined, onError: () => undefined, onEnd: () => end(), ended };
}

test('runningThreads() and the threads event follow starts and ends; thread-print names the thread', { timeout: 30000 }, async () => {
  await d.connect();
  await d.define('w', 'import time\n\ndef worker(n):\n    for i in range(n):\n        print("working", i)\n        yield i\n        time.sleep(0.02)\n');
  await d.define('f', 'import time\n\ndef forever():\n    while True:\n        yield 0\n        time.sleep(0.02)\n');
  const lists: string[][] = [];
  d.on('threads', (list: ThreadInfo[]) => lists.push(list.map((t) => t.name)));
  const prints: string[] = [];
  d.on('thread-print', (t: ThreadInfo, line: string) => prints.push(`${t.name}#${t.id}: ${line}`));

  assert.deepEqual(d.runningThreads(), []);
  const fh = handlers();
  const forever = await d.startThread('forever', [], {}, fh);
  const wh = handlers();
  const before = Date.now();
  const worker = await d.startThread('worker', [3], {}, wh);
  const now = d.runningThreads();
  assert.deepEqual(now.map((t) => [t.id, t.name]), [[forever.id, 'forever'], [worker.id, 'worker']]);
  assert.ok(now[1].since >= before - 1000 && now[1].since <= Date.now());

  await wh.ended;
  assert.deepEqual(d.runningThreads().map((t) => t.name), ['forever']);
  assert.deepEqual(prints, [0, 1, 2].map((i) => `worker#${worker.id}: working ${i}`));
  await forever.stop();
  await fh.ended;
  assert.deepEqual(d.runningThreads(), []);
  assert.deepEqual(lists, [['forever'], ['forever', 'worker'], ['forever'], []]);
});

test('what a thread prints before the answer to its start comes out as the board\'s output', { timeout: 30000 }, async () => {
  await d.connect();
  await earlyThreadOutput(d);
});

test('a lost connection ends every thread in the list at once', { timeout: 30000 }, async () => {
  await d.define('f2', 'import time\n\ndef again():\n    while True:\n        yield 0\n        time.sleep(0.02)\n');
  const h = handlers();
  await d.startThread('again', [], {}, h);
  assert.equal(d.runningThreads().length, 1);
  const told = new Promise<ThreadInfo[]>((resolve) => d.once('threads', resolve));
  await d.disconnect();
  assert.deepEqual(await told, []);
  assert.deepEqual(d.runningThreads(), []);
});

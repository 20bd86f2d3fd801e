/**
 * Calls in flight (issue #15): a burst keeps several requests on their way to the board, and
 * order, results, printed output, errors and generator streams stay each call's own.
 */
import { test, after } from 'node:test';
import assert from 'node:assert/strict';
import * as fs from 'node:fs';
import { Device } from '../../src/board/device';
import { createLink } from '../../src/board/link';
import type { Link } from '../../src/board/link/link';
import { BoardError } from '../../src/board/types';
import { defaultFsDir } from '../../src/virtual';
import '../../src/virtual/link';

const names: string[] = [];
const devices: Device[] = [];
/** A board whose link counts how many requests were written before the first answer came. */
function board(tag: string): { d: Device; maxAhead: () => number } {
  const name = `window-${tag}-${process.pid}`;
  names.push(name);
  let ahead = 0, max = 0;
  const d = new Device({ port: `virtual:${name}`, timeout: 10 }, (p, o) => {
    const link: Link = createLink(p, o);
    const write = link.write.bind(link);
    link.write = (b: Uint8Array) => {
      // a burst goes out in one write: count its requests
      ahead += (Buffer.from(b).toString('latin1').match(/(^|\n)[jc]\d+ /g) ?? []).length;
      max = Math.max(max, ahead);
      return write(b);
    };
    link.on('data', (b: Buffer) => { if (/ R\d+ /.test(b.toString('latin1'))) ahead = 0; });
    return link;
  });
  devices.push(d);
  return { d, maxAhead: () => max };
}
after(async () => {
  for (const d of devices) await d.close();
  for (const n of names) fs.rmSync(defaultFsDir(n), { recursive: true, force: true });
});

test('a burst of 1,000 calls keeps several in flight; order, values, stdout and errors stay per call', { timeout: 60000 }, async () => {
  const { d, maxAhead } = board('burst');
  const info = await d.connect();
  assert.ok(info.window! > 0, `the window is on: ${JSON.stringify(info)}`);
  await d.define('k', 'def f(n):\n    if n % 97 == 13:\n        raise ValueError("bad %d" % n)\n    print("n", n)\n    return n * 2\n');
  const calls = Array.from({ length: 1000 }, (_, n) => d.call('f', [n]).then((r) => r, (e: unknown) => e));
  const out = await Promise.all(calls);
  out.forEach((r, n) => {
    if (n % 97 === 13) {
      assert.ok(r instanceof BoardError && r.type === 'ValueError' && r.pyMessage === `bad ${n}`, `${n}: ${String(r)}`);
    } else {
      assert.ok(!(r instanceof Error), `${n}: ${String(r)}`);
      assert.deepEqual(r, { value: n * 2, stdout: `n ${n}\n` });
    }
  });
  assert.ok(maxAhead() > 1, `requests went out before earlier answers came (${maxAhead()})`);
});

test('a timeout in the window: the running call times out, those behind it fail as not run, the next calls work', { timeout: 60000 }, async () => {
  const { d } = board('timeout');
  await d.connect();
  await d.define('k', 'def slow(s):\n    sleep(s)\n    return s\n');
  const first = d.call('slow', [0], {}).then((r) => r.value);
  const hung = d.call('slow', [30], {}, { timeout: 1 }).catch((e: unknown) => e);
  const behind = Array.from({ length: 5 }, () => d.call('slow', [0]).catch((e: unknown) => e));
  assert.equal(await first, 0);
  const e = await hung;
  assert.ok(e instanceof BoardError && e.type === 'TimeoutError', String(e));
  for (const b of await Promise.all(behind)) {
    // each either ran (it went after the recovery) or says plainly that it did not
    if (b instanceof Error) assert.ok(b instanceof BoardError && b.type === 'CancelledError' && /not run/.test(b.message), String(b));
    else assert.equal((b as { value: unknown }).value, 0);
  }
  assert.equal((await d.call('slow', [0])).value, 0);
});

test('generators and exec calls in a burst stream to their own callers', { timeout: 60000 }, async () => {
  const { d } = board('gen');
  await d.connect();
  await d.define('g', 'def g(n):\n    for i in range(n):\n        yield (n, i)\n');
  const got: unknown[][] = Array.from({ length: 50 }, () => []);
  const calls = got.map((bucket, n) => d.call('g', [n % 5], {}, { onValue: (v) => bucket.push(v) }));
  const execs = Array.from({ length: 50 }, (_, n) => d.exec(`${n} + 1`));
  await Promise.all(calls);
  got.forEach((bucket, n) => assert.deepEqual(bucket, Array.from({ length: n % 5 }, (_, i) => [n % 5, i])));
  assert.deepEqual((await Promise.all(execs)).map((r) => r.value), Array.from({ length: 50 }, (_, n) => n + 1));
});

test('long requests, keyword calls and text beyond ASCII in a burst: each call gets its own answer', { timeout: 60000 }, async () => {
  const { d } = board('mixed');
  await d.connect();
  await d.define('m', 'def m(s, n=0):\n    print(len(s))\n    return [len(s), s[:2], n]\n');
  // every tenth request is longer than a line the board reads a byte at a time (X and its length);
  // every fourth has a keyword argument (a Python expression, not JSON): each of the four kinds
  const arg = (n: number) => n % 10 === 0 ? `é…${'ü'.repeat(1500)}${n}` : `é${n}`;
  const calls = Array.from({ length: 200 }, (_, n) => n % 4 === 0 ? d.call('m', [arg(n)], { n }) : d.call('m', [arg(n)]));
  const out = await Promise.all(calls);
  out.forEach((r, n) => {
    const s = arg(n);
    assert.deepEqual(r, { value: [s.length, s.slice(0, 2), n % 4 === 0 ? n : 0], stdout: `${s.length}\n` }, String(n));
  });
});

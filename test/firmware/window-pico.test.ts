/**
 * Calls in flight (issue #15) on a Raspberry Pi Pico: MicroPython 1.26.1 in rp2040js behind a pty,
 * where the loop runs as machine code and reads its requests over USB CDC. What
 * test/board/window.test.ts asks of the virtual board: several requests on their way at once, and
 * still each call's own order, value, printed output and error; generator streams and a thread
 * printing meanwhile; a timeout inside the window.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { BoardError } from '../../src/board/types';
import { firmwareDevice, onFirmware } from '../support/firmware-tests';
import { earlyThreadOutput } from '../support/early-thread-output';

onFirmware('pico', 'calls in flight', () => {
  const board = firmwareDevice('pico', 20, (info) => {
    assert.equal(info.callPath, 'loop');
    assert.ok(info.window! > 0, `the window is on: ${JSON.stringify(info)}`);
  });

  test('a burst keeps several calls in flight; order, values, stdout and errors stay per call', { timeout: 120000 }, async () => {
    const d = board.device;
    // each call counts whether the next request was waiting on the board while it ran
    await d.define('k', 'import select, sys\nqueued = 0\nwaiting = select.poll()\nwaiting.register(sys.stdin, select.POLLIN)\n\n' +
      'def f(n, tag=""):\n    global queued\n    queued += len(waiting.poll(0))\n    if n % 37 == 13:\n        raise ValueError("bad %d" % n)\n' +
      '    print("n", n, tag)\n    return [n * 2, tag]\n');
    // JSON calls, calls with a keyword argument (a Python expression), text beyond ASCII both ways,
    // and a few of each longer than a line the board reads a byte at a time (X and its length)
    const tagOf = (n: number) => n % 60 === 30 || n % 60 === 49 ? `ü${'é'.repeat(1200)}${n}` : n % 5 === 0 ? 'kw' : n % 7 === 0 ? `é…${n}` : '';
    const calls = Array.from({ length: 300 }, (_, n) => {
      const call = n % 5 === 0 ? d.call('f', [n], { tag: tagOf(n) }) : tagOf(n) ? d.call('f', [n, tagOf(n)]) : d.call('f', [n]);
      return call.then((r) => r, (e: unknown) => e);
    });
    const out = await Promise.all(calls);
    out.forEach((r, n) => {
      if (n % 37 === 13) {
        assert.ok(r instanceof BoardError && r.type === 'ValueError' && r.pyMessage === `bad ${n}`, `${n}: ${String(r)}`);
        assert.match(r.traceback, /File "k", line 10, in f/);
      } else {
        assert.ok(!(r instanceof Error), `${n}: ${String(r)}`);
        assert.deepEqual(r, { value: [n * 2, tagOf(n)], stdout: `n ${n} ${tagOf(n)}\n` });
      }
    });
    const queued = (await d.exec('queued')).value as number;
    assert.ok(queued > 100, `the next request was already on the board while ${queued} of the 300 calls ran`);
  });

  test('generators and exec calls in a burst stream to their own callers', { timeout: 120000 }, async () => {
    const d = board.device;
    await d.define('g', 'def g(n):\n    for i in range(n):\n        print("g", n, i)\n        yield (n, i)\n');
    const got: unknown[][] = Array.from({ length: 40 }, () => []);
    const calls = got.map((bucket, n) => d.call('g', [n % 5], {}, { onValue: (v) => bucket.push(v) }));
    const execs = Array.from({ length: 40 }, (_, n) => d.exec(`${n} + 1`));
    const done = await Promise.all(calls);
    got.forEach((bucket, n) => assert.deepEqual(bucket, Array.from({ length: n % 5 }, (_, i) => [n % 5, i])));
    done.forEach((r, n) => assert.equal(r.stdout, Array.from({ length: n % 5 }, (_, i) => `g ${n % 5} ${i}\n`).join('')));
    assert.deepEqual((await Promise.all(execs)).map((r) => r.value), Array.from({ length: 40 }, (_, n) => n + 1));
  });

  test('a thread printing on the second core meanwhile: its lines stay its own, the calls\' output theirs', { timeout: 120000 }, async () => {
    const d = board.device;
    await d.define('t', 'import time\n\ndef chatter(n):\n    for i in range(n):\n        print("t", i)\n        time.sleep_ms(2)\n\ndef h(n):\n    print("h", n)\n    return n\n');
    const lines: string[] = [];
    const ended = new Promise<void>((resolve, reject) => {
      d.startThread('chatter', [60], {}, { onYield: () => undefined, onPrint: (l) => lines.push(l), onError: reject, onEnd: resolve }).catch(reject);
    });
    const out = await Promise.all(Array.from({ length: 200 }, (_, n) => d.call('h', [n])));
    await ended;
    out.forEach((r, n) => assert.deepEqual(r, { value: n, stdout: `h ${n}\n` }));
    assert.deepEqual(lines, Array.from({ length: 60 }, (_, i) => `t ${i}`));
  });

  test('what a thread prints on the second core before the answer to its start comes out as the board\'s output', { timeout: 60000 }, async () => {
    await earlyThreadOutput(board.device);
  });

  test('a timeout in the window: the running call is interrupted, those behind it fail as not run and did not run, the next calls work', { timeout: 120000 }, async () => {
    const d = board.device;
    await d.define('s', 'import time\nhits = 0\n\ndef slow(s):\n    global hits\n    hits += 1\n    time.sleep(s)\n    return hits\n');
    const first = d.call('slow', [0]).then((r) => r.value);
    const hung = d.call('slow', [30], {}, { timeout: 1 }).catch((e: unknown) => e);
    // written right behind it (the window has room): the board has them, unread, when the Ctrl-C comes
    const behind = Array.from({ length: 5 }, () => d.call('slow', [0]).catch((e: unknown) => e));
    assert.equal(await first, 1);
    const e = await hung;
    assert.ok(e instanceof BoardError && e.type === 'TimeoutError', String(e));
    for (const b of await Promise.all(behind)) {
      assert.ok(b instanceof BoardError && b.type === 'CancelledError' && /not run/.test(b.message), String(b));
    }
    // the Ctrl-C emptied the board's input: only the first call and the interrupted one ran
    assert.equal((await d.exec('hits')).value, 2);
    const again = await Promise.all(Array.from({ length: 30 }, () => d.call('slow', [0])));
    assert.deepEqual(again.map((r) => r.value), Array.from({ length: 30 }, (_, n) => n + 3));
  });
});

import { after, test } from 'node:test';
import assert from 'node:assert/strict';
import { Device } from '../../src/board/device';
import type { BoardError } from '../../src/board/types';
import { setVirtualRoot, virtualRoot } from '../../src/virtual';
import { rawBoard, removeDir, tempDir } from './helpers';

/**
 * A thread that the virtual board loses (issue #16): its interpreter fails under it, an exception
 * escapes the Belay agent's own handler, or its worker dies. The agent's X or D frame never comes,
 * so the board sends the X frame the agent made at the fork: the host ends the thread's handlers,
 * and the board goes on.
 */

/** Breaks the interpreter it runs in: `len` made to call a function that does not exist (a wasm trap). */
const BREAK = [
  'import uctypes',
  'm = uctypes.bytearray_at(id(len) + 4, 4)',
  'm[0] = m[1] = m[2] = 255',
  'm[3] = 127',
  'len([])',
];
const body = (lines: string[]) => lines.map((l) => `    ${l}`);

const CASES = [
  {
    what: 'a thread whose interpreter fails',
    code: ['def crash():', ...body(BREAK)],
    output: /thread \d+ crashed in the interpreter \(table index is out of bounds\); the board goes on without it/,
  },
  {
    // the agent formats the error with str(), which raises here
    what: "an exception that escapes the agent's own handler",
    code: ['def crash():', '    class Bad(Exception):', '        def __str__(self):', '            raise ValueError("no words")', '    raise Bad(1)'],
    // what a board prints for an unhandled exception in a thread
    output: /Unhandled exception in thread started by[\s\S]*ValueError: no words/,
  },
  {
    what: 'a thread whose worker dies (its JavaScript heap past the cap)',
    code: ['def crash():', '    import js', '    keep = js.Array.new()', '    while True:', '        keep.push(js.Array.new(1000000).fill(1.5))'],
    output: /thread \d+ lost its worker \(.*memory limit.*\); the board goes on without it/,
  },
];

// The Device's boards keep their files here.
const root = tempDir('crash');
const rootBefore = virtualRoot();
setVirtualRoot(root);
after(() => {
  setVirtualRoot(rootBefore);
  removeDir(root);
});

for (const [i, c] of CASES.entries()) {
  test(`${c.what}: the host ends the thread with an error, and the board answers calls`, { timeout: 60000 }, async () => {
    const d = new Device({ port: `virtual:crash-${i}-${process.pid}`, timeout: 20 });
    let output = '';
    d.on('output', (t: string) => { output += t; });
    try {
      await d.connect();
      await d.define('crash', c.code.join('\n'));
      const errors: BoardError[] = [];
      let ends = 0;
      await new Promise<void>((resolve, reject) => {
        const never = setTimeout(() => reject(new Error(`the host never ended the thread; board output: ${JSON.stringify(output)}`)), 20000);
        d.startThread('crash', [], {}, {
          onYield() {}, onPrint(line) { output += `${line}\n`; },
          onError(e) { errors.push(e); },
          onEnd() { ends++; clearTimeout(never); resolve(); },
        }).catch(reject);
      });
      assert.equal(ends, 1);
      assert.deepEqual(errors.map((e) => e.message.replace(/^virtual:[^:]*: /, '')),
        ['RuntimeError: the thread ended on the virtual board without reporting its end (the board output says why); the board goes on without it']);
      // the board's report of the crash may come after the thread's end: what a thread prints before
      // the answer to its start belongs to no call and is handed on once that answer is in
      await waitFor(() => c.output.test(output), `output matching ${c.output}; it is ${JSON.stringify(output)}`);
      assert.equal((await d.exec('print(6 * 7)')).stdout, '42\n');
    } finally {
      await d.close();
    }
  });
}

test('a thread that fails while it holds a lock gives the lock back', { timeout: 30000 }, async () => {
  const b = await rawBoard('crash-lock');
  try {
    await b.exec([
      'import _thread',
      'lock = _thread.allocate_lock()',
      'def crash():',
      '    lock.acquire()',
      '    print("holding")',
      ...body(BREAK),
      '_thread.start_new_thread(crash, ())',
    ].join('\n'));
    await b.rx.until('holding\r\n');
    await b.rx.until('the board goes on without it\r\n');
    const r = await b.exec('print(lock.acquire(0), lock.locked())');
    assert.equal(r.stdout, 'True True\r\n');
  } finally {
    await b.close();
  }
});

/** Looks at cond every few ms until it holds; fails after ms. */
async function waitFor(cond: () => boolean, what: string, ms = 20000): Promise<void> {
  const deadline = Date.now() + ms;
  while (!cond()) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 10));
  }
}

test('a thread beyond the sixteenth is refused in the caller, as on a board; the count comes down as threads end', { timeout: 60000 }, async () => {
  const b = await rawBoard('crash-many');
  try {
    const r = await b.exec([
      'import _thread, sys',
      'gate = _thread.allocate_lock()',
      'gate.acquire()',
      // one write per line: print() writes its pieces one by one, and two threads' pieces may
      // interleave (on a board as here), which once split "done 10" around another line
      'def wait(i):',
      '    with gate:',
      '        sys.stdout.write("done %d\\n" % i)',
      'for i in range(16):',
      '    _thread.start_new_thread(wait, (i,))',
      'try:',
      '    _thread.start_new_thread(wait, (16,))',
      'except OSError as e:',
      '    print("refused:", e)',
    ].join('\n'), 20000);
    assert.equal(r.stdout, "refused: can't create thread\r\n");
    // Each thread prints once it has the gate and then lets the next one in; each worker then ends.
    // their lines land inside or after the exec's answer, or even ahead of its "OK" (each
    // interpreter has its own output ring, read as each tells)
    b.board.write(Buffer.from('gate.release()\x04'));
    let printed = await b.rx.until('\x04>');
    for (let i = 0; i < 16; i++) {
      if (printed.includes(`done ${i}\r\n`)) continue;
      // a failure says what the board printed instead (a thread that did not start says why)
      printed += await b.rx.until(`done ${i}\r\n`, 20000).catch((e: Error) => { throw new Error(`${e.message}; before that: ${JSON.stringify(printed)}`); });
    }
    assert.equal((printed.match(/done \d+\r\n/g) ?? []).length, 16, printed);
    await waitFor(() => b.board.memoryUsage().workers === 1, 'the workers of the 16 threads to end');
    const again = await b.exec('_thread.start_new_thread(print, ("again",))');
    assert.equal(again.stderr, '');
  } finally {
    await b.close();
  }
});

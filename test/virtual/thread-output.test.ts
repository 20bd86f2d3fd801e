import { test } from 'node:test';
import assert from 'node:assert/strict';
import { rawBoard } from './helpers';

type Board = Awaited<ReturnType<typeof rawBoard>>;

/**
 * Everything a thread prints, up to `end`, after an exec that prints nothing itself: the thread's
 * bytes may land before, between or after the exec's end markers.
 */
async function threadText(b: Board, r: { stdout: string; stderr: string }, end: string): Promise<string> {
  const early = r.stdout + r.stderr;
  return early.endsWith(end) ? early : early + (await b.rx.until(end, 5000));
}

// A thread forked while its parent runs code under eval/exec (as the Device's agent does for every
// call) inherits the parent's state mid-call. Each depth puts the parent's frames somewhere else on
// the stack; a thread that clobbered them died at its first exception and lost the rest of its output.
const DEPTHS = [0, 1, 2, 4, 8];

test('a thread that prints in pieces and then raises: every byte and the unhandled-exception report reach the host', { timeout: 60000 }, async () => {
  const b = await rawBoard('t-thread-out');
  try {
    await b.exec([
      'import _thread, sys',
      'def worker(d):',
      '    print("w%d" % d, end=":")',
      '    for i in range(3):',
      '        print(i, end=" ")',
      '    sys.stdout.write("w")',
      '    try:',
      '        raise ValueError("inner")',
      '    except ValueError as e:',
      '        print("caught", e)',
      '    1/0',
      'def nest(d, src):',
      '    if d:',
      '        return nest(d - 1, src)',
      '    return eval(src)',
    ].join('\n'));
    for (const d of DEPTHS) {
      const r = await b.exec(`nest(${d}, "_thread.start_new_thread(worker, (${d},))")`);
      const printed = await threadText(b, r, 'ZeroDivisionError: divide by zero\r\n');
      assert.match(printed, new RegExp(
        `^w${d}:0 1 2 wcaught inner\\r\\n` +
        'Unhandled exception in thread started by <function worker at 0x[0-9a-f]+>\\r\\n' +
        'Traceback \\(most recent call last\\):\\r\\n' +
        '  File "<stdin>", line 11, in worker\\r\\n' +
        'ZeroDivisionError: divide by zero\\r\\n$'), `depth ${d}`);
    }
    // The board is undisturbed: the main interpreter answers, and a new thread runs and ends cleanly.
    const after = await b.exec('print(6 * 7)');
    assert.equal(after.stdout, '42\r\n');
    const again = await b.exec('_thread.start_new_thread(print, ("still", "threads"))');
    assert.equal(await threadText(b, again, 'threads\r\n'), 'still threads\r\n');
  } finally {
    await b.close();
  }
});

/**
 * What a thread prints before the answer to the call that started it (agent/threads.py _bstart)
 * belongs to no call: the Device hands it on as the board's output. Made certain here: _bstart is
 * wrapped on the board so that it answers only after the thread has written its line. Before the
 * fix that line went into the start call's stdout, which nobody reads, and was lost.
 */
import assert from 'node:assert/strict';
import type { Device } from '../../src/board/device';

export async function earlyThreadOutput(d: Device): Promise<void> {
  await d.define('early', [
    'import _thread, sys',
    '_early_go = _thread.allocate_lock()',
    '_early_go.acquire()',
    '',
    'def noop():',
    '    pass',
    '',
    'def early():',
    // raw text, not a print (which the agent makes a P frame of): what a board prints outside frames
    "    sys.stdout.write('early bird\\n')",
    '    _early_go.release()',
  ].join('\n'));
  // the first start brings agent/threads.py, whose _bstart is wrapped next
  await new Promise<void>((resolve, reject) => {
    d.startThread('noop', [], {}, { onYield() {}, onPrint() {}, onError: reject, onEnd: () => resolve() }).catch(reject);
  });
  await d.exec('_early_b0 = _bstart\ndef _bstart(t, f, a, k):\n    _early_b0(t, f, a, k)\n    _early_go.acquire()');
  let output = '';
  let heard!: () => void;
  const seen = new Promise<void>((resolve) => { heard = resolve; });
  const onOutput = (t: string) => {
    output += t;
    if (output.includes('early bird\n')) heard();
  };
  d.on('output', onOutput);
  try {
    let ended!: () => void;
    const end = new Promise<void>((resolve) => { ended = resolve; });
    await d.startThread('early', [], {}, { onYield() {}, onPrint() {}, onError() {}, onEnd: () => ended() });
    let timer: NodeJS.Timeout | undefined;
    await Promise.race([seen, new Promise<void>((_, reject) => {
      timer = setTimeout(() => reject(new Error(`the thread's line never came out as the board's output; output: ${JSON.stringify(output)}`)), 10000);
    })]).finally(() => clearTimeout(timer));
    await end;
    assert.equal(output, 'early bird\n', 'once, and nothing else');
  } finally {
    d.off('output', onOutput);
    await d.exec('_bstart = _early_b0');
  }
}

/**
 * CallOptions.signal: aborting a call interrupts that call and nothing else. One running is stopped
 * on the board (Ctrl-C, KeyboardInterrupt) and the board goes on; one still waiting leaves the
 * queue without running; the call running ahead of it is not touched.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import type { Device } from '../../src/board/device';
import { BoardError } from '../../src/board/types';
import { isType, virtualDevices } from '../support/virtual-devices';

const board = virtualDevices('abort', 20);

const SPIN = 'def spin():\n    yield "in the loop"\n    while True:\n        pass\n';

/** Calls spin() with the signal; resolves once the board is inside its endless loop. */
async function spinning(d: Device, signal: AbortSignal): Promise<{ call: Promise<unknown> }> {
  let inside!: () => void;
  const entered = new Promise<void>((r) => { inside = r; });
  const call = d.call('spin', [], {}, { signal, onValue: () => inside() });
  call.catch(() => undefined);
  await Promise.race([entered, call]);
  return { call };
}

for (const dispatcher of [true, false]) {
  const mode = dispatcher ? 'dispatcher loop' : 'one raw exec per call';

  test(`aborting a running call interrupts it on the board; the board goes on (${mode})`, { timeout: 30000 }, async () => {
    const d = board(`run${dispatcher}`, dispatcher);
    await d.connect();
    await d.define('spin', SPIN);
    await d.exec('kept = 5');
    const ac = new AbortController();
    const { call } = await spinning(d, ac.signal);
    ac.abort();
    await assert.rejects(call, isType('KeyboardInterrupt'));
    assert.equal((await d.exec('kept + 1')).value, 6);
  });

  test(`what a call printed before it failed comes with its error (${mode})`, { timeout: 30000 }, async () => {
    const d = board(`printed${dispatcher}`, dispatcher);
    await d.connect();
    await assert.rejects(d.exec('print("before")\nprint("and more")\n1/0'), (e: unknown) =>
      isType('ZeroDivisionError')(e) && (e as BoardError).stdout.replace(/\r/g, '') === 'before\nand more\n');
    await assert.rejects(d.exec('print("then it hangs")\nwhile True:\n    pass', { timeout: 1 }), (e: unknown) =>
      isType('TimeoutError')(e) && (e as BoardError).stdout.replace(/\r/g, '') === 'then it hangs\n');
    assert.equal((await d.exec('2 + 2')).value, 4);
  });
}

test('aborting a call that waits behind another takes it out of the queue: it never runs, the one ahead finishes untouched', { timeout: 30000 }, async () => {
  const d = board('queued', true);
  await d.connect();
  const ahead = d.exec('import time\ntime.sleep(0.5)\nahead_done = 1\nprint("ahead")');
  const ac = new AbortController();
  const behind = d.exec('ran_behind = 1', { signal: ac.signal });
  ac.abort();
  await assert.rejects(behind, isType('CancelledError'));
  assert.equal((await ahead).stdout, 'ahead\n');
  await assert.rejects(d.exec('ran_behind'), isType('NameError'));
  assert.equal((await d.exec('ahead_done')).value, 1);
});

test('a call with a signal runs alone: its abort does not interrupt a flow call in flight before it', { timeout: 30000 }, async () => {
  const d = board('alone', true);
  await d.connect();
  await d.define('spin', SPIN);
  const flow = d.exec('import time\ntime.sleep(0.4)\nprint("flow")');
  const ac = new AbortController();
  const mine = spinning(d, ac.signal);
  // the flow's call is on the board; the signalled one waits for it to finish, then runs alone
  assert.equal((await flow).stdout, 'flow\n', 'the flow call was not interrupted');
  const { call } = await mine;
  ac.abort();
  await assert.rejects(call, isType('KeyboardInterrupt'));
  assert.equal((await d.exec('1 + 1')).value, 2);
});

test('an already aborted signal fails the call at once', async () => {
  const d = board('early', true);
  const ac = new AbortController();
  ac.abort();
  await assert.rejects(d.exec('1', { signal: ac.signal }), isType('CancelledError'));
  assert.equal(d.state, 'idle', 'nothing was started for it');
});

/**
 * Definitions and the waits of a call belong to the Device: Device.defined() gives a definition's
 * function once the board has it (pending → defined, or its failure), waiting for the board as a
 * call does, and CallOptions.connectWait bounds the wait for a connection apart from the call's
 * own timeout on the board.
 */
import { test, after } from 'node:test';
import assert from 'node:assert/strict';
import * as fs from 'node:fs';
import { Device } from '../../src/board/device';
import { createLink } from '../../src/board/link';
import { BoardError } from '../../src/board/types';
import { defaultFsDir } from '../../src/virtual';
import '../../src/virtual/link';

const names: string[] = [];
const devices: Device[] = [];

/** A Device on a virtual board whose link opens only once `open()` is called on the gate. */
function gated(name: string): { d: Device; open: () => void; attempts: () => number } {
  const board = `defs-${name}-${process.pid}`;
  names.push(board);
  let release!: () => void;
  const gate = new Promise<void>((r) => { release = r; });
  let attempts = 0;
  const d = new Device({ port: `virtual:${board}`, timeout: 10 }, (p, o) => {
    const link = createLink(p, o);
    const open = link.open.bind(link);
    link.open = async () => {
      attempts++;
      await gate;
      return open();
    };
    return link;
  });
  devices.push(d);
  return { d, open: release, attempts: () => attempts };
}

after(async () => {
  for (const d of devices) await d.close().catch(() => undefined);
  for (const n of names) fs.rmSync(defaultFsDir(n), { recursive: true, force: true });
});

const isType = (type: string) => (e: unknown) => e instanceof BoardError && e.type === type;

test('a definition registered before the board connects is pending; defined() connects, sends it and gives its function', { timeout: 30000 }, async () => {
  const { d, open, attempts } = gated('pending');
  assert.equal(await d.define('k', 'def helper():\n    return 1\n\ndef doubled(x):\n    return 2 * x\n'), 'doubled');
  assert.equal(d.definition('k')?.state, 'pending');
  assert.equal(attempts(), 0, 'registering alone does not connect');
  const name = d.defined('k');
  open();
  assert.equal(await name, 'doubled');
  assert.equal(d.definition('k')?.state, 'defined');
  assert.equal((await d.call('doubled', [21])).value, 42);
});

test('defined() rejects with the board\'s error for a definition that failed, and the board works on', { timeout: 30000 }, async () => {
  const { d, open } = gated('failed');
  open();
  await d.connect();
  const told: [string, BoardError][] = [];
  d.on('define-error', (key: string, err: BoardError) => told.push([key, err]));
  await assert.rejects(d.define('bad', 'def broken(:\n    pass\n'), isType('SyntaxError'));
  assert.deepEqual(told.map(([k, e]) => [k, e.type]), [['bad', 'SyntaxError']], 'told once, by its key');
  await assert.rejects(d.defined('bad'), isType('SyntaxError'));
  await assert.rejects(d.defined('bad'), isType('SyntaxError'), 'until the next connect, every ask gets the same error');
  await assert.rejects(d.defined('nobody'), isType('ConfigError'));
  assert.equal((await d.exec('6 * 7')).value, 42);
  // Fixed by a redeploy under the same key: defined again.
  assert.equal(await d.define('bad', 'def broken():\n    return "fixed"\n'), 'broken');
  assert.equal(await d.defined('bad'), 'broken');
  assert.equal(told.length, 1);
});

test('connectWait bounds the wait for a connection, apart from the timeout a call has on the board', { timeout: 30000 }, async () => {
  const { d, open } = gated('wait');
  await d.define('k', 'def one():\n    return 1\n');
  await assert.rejects(d.defined('k', { timeout: 10, connectWait: 0.2 }), (e: unknown) =>
    isType('TimeoutError')(e) && /not connected after 0\.2 s/.test((e as Error).message));
  await assert.rejects(d.exec('1', { timeout: 10, connectWait: 0.2 }), /not connected after 0\.2 s/);
  // Without connectWait the call waits as long as its timeout, so it is there when the board is.
  const later = d.call('one', [], {}, { timeout: 10 });
  open();
  assert.equal((await later).value, 1);
});

test('addSetup: code without a function runs on every connect, and its failure is told by its key', { timeout: 30000 }, async () => {
  const { d, open } = gated('setup');
  open();
  await d.addSetup('s', 'ready = "yes"\n');
  await d.connect();
  assert.equal((await d.exec('ready')).value, 'yes');
  await d.disconnect();
  await d.connect();
  assert.equal((await d.exec('ready')).value, 'yes', 'run again after the soft reset of a new connection');
  const told: string[] = [];
  d.on('define-error', (key: string, err: BoardError) => told.push(`${key} ${err.type}`));
  await assert.rejects(d.addSetup('s2', 'x = 1\nraise ValueError("no sensor")\n'), isType('ValueError'));
  assert.deepEqual(told, ['s2 ValueError']);
  d.undefine('s');
  d.undefine('s2');
  await d.disconnect();
  await d.connect();
  await assert.rejects(d.exec('ready'), isType('NameError'));
});

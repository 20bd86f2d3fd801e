/**
 * Ports that cannot work, as a flow sees them (issue #10): a mistyped port form and a serial port
 * that does not exist. Each message fails through done(err) to Catch, at once, with the reason
 * (the port said once), a short status, and a host-side code (ConfigError, ConnectionError).
 * The device layer decides to fail at once for a port that is not there (src/board/device.ts).
 */
import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import { catcher, device, load, messageWhere, node, sink, statusOf, unload } from '../support/nr';

const z = 'tab';
const absent = `/dev/ttyBELAY-absent-${process.pid}`;

before(async () => {
  await load([
    { id: z, type: 'tab', label: 'port errors' },
    device('typo', 'virtua:demo', { name: 'typo board' }),
    device('gone', absent, { timeout: 10 }),
    { id: 'execTypo', z, type: 'belay-exec', device: 'typo', name: '', code: '1', timeout: '', wires: [['out']] },
    { id: 'taskTypo', z, type: 'belay-task', device: 'typo', name: '', code: 'def f():\n    return 1', timeout: '', wires: [['out']] },
    { id: 'execGone', z, type: 'belay-exec', device: 'gone', name: '', code: '1', timeout: '', wires: [['out']] },
    { id: 'taskGone', z, type: 'belay-task', device: 'gone', name: '', code: 'def f():\n    return 1', timeout: '', wires: [['out']] },
    { ...catcher('catch', 'caught'), z },
    { ...sink('out'), z },
    { ...sink('caught'), z },
  ]);
});

after(async () => {
  await unload();
});

/** Sends msg to `id` and resolves with what Catch gets for it, and how long that took. */
async function failure(id: string, marker: string): Promise<{ msg: Record<string, any>; ms: number }> {
  const started = Date.now();
  const caught = messageWhere('caught', (m) => m.marker === marker, 15000);
  node(id).receive({ marker });
  const msg = await caught;
  return { msg, ms: Date.now() - started };
}

const count = (text: string, part: string) => text.split(part).length - 1;

test('a mistyped port form fails every message through Catch with a ConfigError, not only the log', { timeout: 30000 }, async () => {
  for (const id of ['execTypo', 'taskTypo']) {
    const { msg, ms } = await failure(id, `typo-${id}`);
    assert.equal(msg.error.source.id, id);
    assert.equal(msg.error.code, 'ConfigError', id);
    assert.equal(count(msg.error.message, 'virtua:demo'), 1, `the port once: ${msg.error.message}`);
    assert.ok(ms < 2000, `${id} failed after ${ms} ms`);
  }
  const status = await statusOf('execTypo', (s) => s.fill === 'red');
  assert.ok(String(status.text).length <= 32, `a short status: "${status.text}"`);
});

test('a serial port that does not exist fails each message at once, saying why', { timeout: 40000 }, async () => {
  for (const id of ['execGone', 'taskGone']) {
    const { msg, ms } = await failure(id, `gone-${id}`);
    assert.equal(msg.error.source.id, id);
    assert.equal(msg.error.code, 'ConnectionError', `${id}: ${msg.error.message}`);
    assert.match(msg.error.message, /no such file|ENOENT|cannot open|not exist/i, msg.error.message);
    assert.ok(count(msg.error.message, absent) <= 1, `the port at most once: ${msg.error.message}`);
    assert.ok(ms < 5000, `${id} waited ${ms} ms (the timeout is 10 s): a port that is not there is no board reconnecting`);
  }
  const status = await statusOf('execGone', (s) => s.fill === 'red');
  assert.ok(String(status.text).length <= 32, `a short status: "${status.text}"`);
});

/**
 * Saved flows have versions (issue #13): configs saved before versions (0.1.0, or written by hand)
 * are read the way the nodes read them now, each node type on its own, and an old flow runs.
 */
import assert from 'node:assert/strict';
import fs from 'node:fs';
import path from 'node:path';
import { after, test } from 'node:test';
import { CONFIG_VERSION, migrate } from '../../src/nodes/migrations';
import { device, load, message, node, sink, unload, userDir, virtualPort } from '../support/nr';

after(async () => { await unload(); });

test('every node type writes the version migrate() brings old configs to', () => {
  for (const type of ['belay-device', 'belay-exec', 'belay-task', 'belay-thread', 'belay-sync', 'belay-event']) {
    const html = fs.readFileSync(path.join(__dirname, '..', '..', 'src', 'nodes', `${type}.html`), 'utf8');
    assert.match(html, new RegExp(`version: \\{ value: ${CONFIG_VERSION} \\}`), type);
    assert.equal(migrate(type, {}).version, CONFIG_VERSION, type);
  }
});

test('belay-device 0: booleans saved as strings, missing ones at their defaults', () => {
  assert.deepEqual(migrate('belay-device', { port: '/dev/ttyACM0', softReset: 'false', reconnect: 'true' }),
    { port: '/dev/ttyACM0', softReset: false, reconnect: true, syncTime: true, version: 1 });
  assert.deepEqual(migrate('belay-device', { port: 'virtual' }), { port: 'virtual', softReset: true, reconnect: true, syncTime: true, version: 1 });
});

test('belay-sync 0: keep and ignore saved as arrays become the text the editor shows', () => {
  assert.deepEqual(migrate('belay-sync', { source: 'x', keep: ['boot.py', 'lib'], ignore: ['*.tmp', 'build/'], minify: 'false' }),
    { source: 'x', keep: 'boot.py, lib', ignore: '*.tmp\nbuild/', minify: false, onConnect: false, version: 1 });
  assert.deepEqual(migrate('belay-sync', { source: 'x', keep: 'a, b', onConnect: true }),
    { source: 'x', keep: 'a, b', ignore: undefined, minify: true, onConnect: true, version: 1 });
});

test('belay-thread 0: autostart "true" as a string starts the thread', () => {
  assert.equal((migrate('belay-thread', { code: 'def f(): yield 1', autostart: 'true' }) as { autostart?: unknown }).autostart, true);
  assert.equal((migrate('belay-thread', { code: 'def f(): yield 1' }) as { autostart?: unknown }).autostart, false);
});

test('a config of the current version, or from a later release, is read as it is', () => {
  const now = { version: CONFIG_VERSION, port: 'virtual', softReset: false, reconnect: false, syncTime: false };
  assert.deepEqual(migrate('belay-device', now), now);
  const later = { version: CONFIG_VERSION + 3, keep: ['x'] };
  assert.deepEqual(migrate('belay-sync', later), later);
});

test('an old flow (no versions, a keep list as an array, strings for booleans) runs', { timeout: 60000 }, async () => {
  const folder = path.join(userDir, 'old-flow-src');
  fs.mkdirSync(folder, { recursive: true });
  fs.writeFileSync(path.join(folder, 'a.py'), '# kept: minify was saved as "false"\nA = 1\n');
  const old = { ...device('dev', virtualPort('migrate')), softReset: 'true', reconnect: 'false' };
  delete (old as Record<string, unknown>).version;
  await load([
    { id: 'tab', type: 'tab', label: 'old' },
    old,
    { id: 'sync', z: 'tab', type: 'belay-sync', device: 'dev', name: '', source: 'old-flow-src', dest: '/old', keep: ['keep.txt'], ignore: ['*.tmp'], minify: 'false', wires: [['out']] },
    { id: 'read', z: 'tab', type: 'belay-exec', device: 'dev', name: '', code: "open('/old/a.py').read()", wires: [['out']] },
    { ...sink('out'), z: 'tab' },
  ]);
  const got = message('out', 45000);
  node('sync').receive({});
  const r = (await got).payload;
  assert.deepEqual(r.uploaded, ['/old/a.py']);
  const text = message('out', 20000);
  node('read').receive({});
  assert.equal((await text).payload, '# kept: minify was saved as "false"\nA = 1\n', 'the string "false" means false');
});

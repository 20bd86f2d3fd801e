import { test } from 'node:test';
import { execFileSync } from 'node:child_process';
import * as path from 'node:path';
import assert from 'node:assert/strict';
import { createLink, LinkError, SerialLink, TcpLink, WebReplLink } from '../../../src/board/link';
import { VirtualLink } from '../../../src/virtual';

test('createLink picks the link for each port form, unopened', () => {
  const serial = createLink('/dev/ttyACM0', { baud: 9600 });
  assert.ok(serial instanceof SerialLink);
  assert.equal(serial.description, '/dev/ttyACM0');
  assert.deepEqual(serial.pacing, { chunk: 256, pauseMs: 10 });

  const webrepl = createLink('ws://192.168.4.1', { password: 'x' });
  assert.ok(webrepl instanceof WebReplLink);
  assert.equal(webrepl.description, 'ws://192.168.4.1:8266');
  assert.ok(webrepl.pacing.chunk <= 256 && webrepl.pacing.pauseMs >= 10);

  const tcp = createLink('tcp://localhost:2217', {});
  assert.ok(tcp instanceof TcpLink);
  assert.equal(tcp.description, 'tcp://localhost:2217');

  for (const link of [serial, webrepl, tcp]) assert.equal(link.isOpen, false);
});

test('createLink makes a VirtualLink for virtual ports once the virtual board is imported', () => {
  assert.ok(createLink('virtual', {}) instanceof VirtualLink);
  const link = createLink('virtual:demo?thread=off&profile=small', {});
  assert.ok(link instanceof VirtualLink);
  assert.equal(link.description, 'virtual:demo');
  assert.throws(() => createLink('virtual:demo?thread=maybe', {}), (e: unknown) => e instanceof LinkError && /virtual:demo\?thread=maybe: .*on or off/.test(e.message));
});

test('without the virtual board imported, createLink says what to import; the board layer never loads it', () => {
  const root = path.join(__dirname, '..', '..', '..');
  const script = `const { createLink } = require(${JSON.stringify(path.join(root, 'src', 'board', 'link'))});
    try { createLink('virtual:x'); console.log('made'); } catch (e) { console.log(e.message); }
    console.log(Object.keys(require.cache).some((f) => f.includes(${JSON.stringify(path.sep + 'virtual' + path.sep)})));`;
  const out = execFileSync(process.execPath, ['-e', script], { encoding: 'utf8' }).trim().split('\n');
  assert.match(out[0], /^virtual:x: no link for virtual ports is loaded in this process; import the virtual board package/);
  assert.equal(out[1], 'false', 'src/board loaded a file of src/virtual');
});

test('createLink throws a LinkError for a malformed port', () => {
  assert.throws(() => createLink('tcp://host', {}), LinkError);
  assert.throws(() => createLink('', {}), /no port given/);
});

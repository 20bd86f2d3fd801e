import { test } from 'node:test';
import assert from 'node:assert/strict';
import { createLink, LinkError, SerialLink, TcpLink, VirtualLink, WebReplLink } from '../../src/board/link';

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

test('createLink makes a VirtualLink for virtual ports', () => {
  assert.ok(createLink('virtual', {}) instanceof VirtualLink);
  assert.ok(createLink('virtual:demo?thread=off', {}) instanceof VirtualLink);
});

test('createLink throws a LinkError for a malformed port', () => {
  assert.throws(() => createLink('tcp://host', {}), LinkError);
  assert.throws(() => createLink('', {}), /no port given/);
});

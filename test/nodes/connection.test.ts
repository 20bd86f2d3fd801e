/**
 * A board that cannot be reached: the nodes show why, the failure reaches Catch nodes in the flows
 * of the nodes that use the board (once, not on every retry), and a message waiting for the
 * connection fails after its timeout with the original message.
 */
import assert from 'node:assert/strict';
import net from 'node:net';
import { after, before, test } from 'node:test';
import { catcher, deploy, device, load, message, node, roundTrip, sink, statusOf, unload } from '../support/nr';

const z = 'tab';
let port = '';

before(async () => {
  // a TCP port nobody listens on
  const server = net.createServer();
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  port = `tcp://127.0.0.1:${(server.address() as net.AddressInfo).port}`;
  await new Promise<void>((r) => server.close(() => r()));
});

after(async () => {
  await unload();
});

test('an unreachable board: red status with the cause, one error at Catch, queued messages time out', { timeout: 60000 }, async () => {
  const base = [
    { id: z, type: 'tab', label: 'connection' },
    device('dev', port, { reconnect: true }),
    { ...catcher('catch', 'caught'), z },
    { ...sink('out'), z },
    { ...sink('caught'), z },
  ];
  // The board is only contacted once a node uses it: add that node once the Catch is listening.
  await load(base);
  const caught = message('caught');
  await deploy([...base, { id: 'exec', z, type: 'belay-exec', device: 'dev', name: '', code: '1', timeout: '1', wires: [['out']] }], 'nodes');
  const first = await caught;
  assert.equal(first.error.source.id, 'exec', 'reported by the node that uses the board');
  assert.match(first.error.message, /127\.0\.0\.1/);
  const status = await statusOf('exec', (s) => s.fill === 'red' && /^disconnected: /.test(String(s.text)));
  assert.equal(status.shape, 'ring');

  let repeats = 0;
  const onCaught = (msg: Record<string, any>) => { if (msg.marker === undefined) repeats++; };
  node('caught').on('input', onCaught);
  const failed = await roundTrip('exec', 'caught', { marker: 'waiting' });
  node('caught').off('input', onCaught);
  assert.equal(failed.marker, 'waiting');
  assert.equal(failed._error.type, 'TimeoutError');
  assert.match(failed._error.message, /not connected/);
  // retries happened meanwhile (first after 0.5 s, then 1 s), each failing the same way
  assert.equal(repeats, 0, 'the same connection failure is reported once');
});

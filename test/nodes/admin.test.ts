/**
 * The config dialog's admin endpoints: the port list (which degrades where listing fails, as here)
 * and the probe behind the Test button, against the virtual board.
 */
import assert from 'node:assert/strict';
import fs from 'node:fs';
import net from 'node:net';
import os from 'node:os';
import path from 'node:path';
import vm from 'node:vm';
import { after, before, test } from 'node:test';
import { portList } from '../../src/nodes/admin';
import { connected, device, load, request, sink, unload, virtualPort } from '../support/nr';

const inUse = virtualPort('admin-used');

before(async () => {
  await load([
    device('dev', inUse),
    { id: 'exec', type: 'belay-exec', device: 'dev', name: '', code: '1', timeout: '', wires: [['out']] },
    sink('out'),
  ]);
  await connected('exec');
});

after(async () => {
  await unload();
});

test('GET belay/ports lists serial ports (or says why not) and the virtual boards', { timeout: 30000 }, async () => {
  const res = await request().get('/belay/ports').expect(200);
  assert.ok(Array.isArray(res.body.ports));
  assert.ok(res.body.ports.every((p: { path: unknown }) => typeof p.path === 'string'));
  assert.ok(res.body.virtual.includes('virtual'));
  assert.ok(res.body.virtual.includes(inUse), 'the virtual boards in use are offered');
  if (res.body.ports.length === 0) assert.equal(typeof res.body.error, 'string', 'an empty list says why');
  assert.deepEqual(res.body.hints.map((h: { kind: string }) => h.kind), ['serial', 'webrepl', 'tcp', 'virtual'], 'the port forms come along as hints');
});

test('POST belay/probe connects, reads the board info and lets go', { timeout: 60000 }, async () => {
  const port = virtualPort('admin-probe');
  const res = await request().post('/belay/probe').send({ port, baud: 115200 }).expect(200);
  assert.equal(res.body.error, undefined, res.body.error);
  assert.equal(res.body.info.implementation, 'micropython');
  assert.match(res.body.text, /^MicroPython \d+\.\d+\.\d+ on \w+$/);
  assert.equal(typeof res.body.info.threads, 'boolean');
  const again = await request().post('/belay/probe').send({ port }).expect(200);
  assert.equal(again.body.info.version, res.body.info.version, 'the port was let go: a second probe works');
});

test('POST belay/probe of a port in use answers from the running connection', { timeout: 30000 }, async () => {
  const res = await request().post('/belay/probe').send({ port: inUse }).expect(200);
  assert.equal(res.body.inUse, true);
  assert.match(res.body.text, /MicroPython/);
});

test('POST belay/probe explains a bad port form and an unreachable port', { timeout: 60000 }, async () => {
  const bad = await request().post('/belay/probe').send({ port: 'ttyUSB0' }).expect(200);
  assert.match(bad.body.error, /\/dev\/ttyUSB0/);
  const server = net.createServer();
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  const free = (server.address() as net.AddressInfo).port;
  await new Promise<void>((r) => server.close(() => r()));
  const refused = await request().post('/belay/probe').send({ port: `tcp://127.0.0.1:${free}` }).expect(200);
  assert.equal(typeof refused.body.error, 'string');
  assert.match(refused.body.error, new RegExp(`127\\.0\\.0\\.1:${free}|ECONNREFUSED|refused`));
});

test('the port list offers /dev/serial/by-id names first, with what they point at; none where the folder is missing', { timeout: 30000 }, async () => {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'belay-byid-'));
  try {
    const target = path.join(dir, 'ttyACM7');
    fs.writeFileSync(target, '');
    fs.mkdirSync(path.join(dir, 'by-id'));
    fs.symlinkSync(target, path.join(dir, 'by-id', 'usb-MicroPython_Board_in_FS_mode_e6614c-if00'));
    fs.symlinkSync(path.join(dir, 'gone'), path.join(dir, 'by-id', 'usb-dangling-if00'));
    // SerialPort.list() fails in this container (no udevadm): the list still works
    const list = await portList({ byIdDir: path.join(dir, 'by-id'), devDir: dir, list: () => Promise.reject(new Error('udevadm not found')) });
    assert.deepEqual(list.ports[0], { path: path.join(dir, 'by-id', 'usb-MicroPython_Board_in_FS_mode_e6614c-if00'), target: fs.realpathSync(target) });
    assert.ok(list.ports.some((p) => p.path === target), 'the plain name too');
    assert.ok(!list.ports.some((p) => p.path.includes('dangling')), 'a link to a board that is gone is left out');
    assert.match(String(list.error), /udevadm/);
    const none = await portList({ byIdDir: path.join(dir, 'missing'), devDir: dir, list: () => Promise.resolve([]) });
    assert.deepEqual(none.ports, []);
  } finally {
    fs.rmSync(dir, { recursive: true, force: true });
  }
});

test('GET belay/editor/names.js serves the runtime\'s own rule to the editor', { timeout: 30000 }, async () => {
  const res = await request().get('/belay/editor/names.js').expect(200);
  assert.match(String(res.headers['content-type']), /javascript/);
  const sandbox: Record<string, any> = {};
  sandbox.window = sandbox;
  vm.createContext(sandbox);
  vm.runInContext(res.text, sandbox);
  assert.equal(sandbox.belayNames.functionName('def _double(x):\n    return x * 2\n\ndef quadruple(x):\n    return _double(_double(x))'), 'quadruple');
});

test('POST belay/probe substitutes ${ENV_VAR} as the deployed node would, and names errors by their codes', { timeout: 60000 }, async () => {
  process.env.BELAY_PROBE_PORT = inUse;
  const res = await request().post('/belay/probe').send({ port: '${BELAY_PROBE_PORT}' }).expect(200);
  assert.equal(res.body.inUse, true, res.body.error);
  const bad = await request().post('/belay/probe').send({ port: 'virtua:demo' }).expect(200);
  assert.equal(bad.body.code, 'ConfigError');
  assert.match(bad.body.error, /^ConfigError: virtua:demo: /);
});

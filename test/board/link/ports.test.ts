import { test } from 'node:test';
import assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { parsePort, listSerialPorts } from '../../../src/board/link/ports';
import { LinkError } from '../../../src/board/link/link';

test('parsePort reads every port form', () => {
  const cases: [string, unknown][] = [
    ['/dev/ttyACM0', { kind: 'serial', path: '/dev/ttyACM0' }],
    ['  /dev/cu.usbmodem1101 ', { kind: 'serial', path: '/dev/cu.usbmodem1101' }],
    ['COM3', { kind: 'serial', path: 'COM3' }],
    ['\\\\.\\COM12', { kind: 'serial', path: '\\\\.\\COM12' }],
    ['ws://192.168.4.1', { kind: 'webrepl', url: 'ws://192.168.4.1:8266/', host: '192.168.4.1', port: 8266, path: '/' }],
    ['ws://esp32.local:8267', { kind: 'webrepl', url: 'ws://esp32.local:8267/', host: 'esp32.local', port: 8267, path: '/' }],
    ['ws://board:8266/repl', { kind: 'webrepl', url: 'ws://board:8266/repl', host: 'board', port: 8266, path: '/repl' }],
    ['WS://[::1]:9000', { kind: 'webrepl', url: 'ws://[::1]:9000/', host: '::1', port: 9000, path: '/' }],
    ['tcp://localhost:2217', { kind: 'tcp', host: 'localhost', port: 2217 }],
    ['tcp://10.0.0.5:23/', { kind: 'tcp', host: '10.0.0.5', port: 23 }],
    ['tcp://[fe80::1]:4000', { kind: 'tcp', host: 'fe80::1', port: 4000 }],
    ['virtual', { kind: 'virtual', name: 'default', options: {} }],
    ['virtual:demo', { kind: 'virtual', name: 'demo', options: {} }],
    ['virtual:lab-2?thread=off&rawpaste=off', { kind: 'virtual', name: 'lab-2', options: { threads: false, rawPaste: false } }],
    ['virtual:cp?profile=circuitpython', { kind: 'virtual', name: 'cp', options: { profile: 'circuitpython' } }],
    ['virtual:mb?profile=small&threads=on&rawpaste=ON', { kind: 'virtual', name: 'mb', options: { profile: 'small', threads: true, rawPaste: true } }],
    ['virtual?profile=micropython', { kind: 'virtual', name: 'default', options: { profile: 'micropython' } }],
  ];
  for (const [input, expected] of cases) assert.deepEqual(parsePort(input), expected, input);
});

test('parsePort rejects bad forms with a LinkError that says what to write', () => {
  const cases: [string, RegExp][] = [
    ['', /no port given/],
    ['   ', /no port given/],
    ['ws://', /has no host/],
    ['ws://:8266', /has no host/],
    ['ws://host:0', /not a port number/],
    ['ws://host:70000', /not a port number/],
    ['ws://host:abc', /not a valid WebREPL address/],
    ['wss://host', /not supported/],
    ['http://192.168.4.1:8266', /ws:\/\/192\.168\.4\.1:8266/],
    ['tcp://host', /needs a port; write tcp:\/\/host:PORT/],
    ['tcp://host:', /not a port number/],
    ['tcp://:23', /has no host/],
    ['tcp://host:23/x', /not a valid TCP address/],
    ['ftp://host', /unknown kind of port "ftp:\/\/"/],
    ['exec:micropython', /not supported/],
    ['virtual:', /virtual board name/],
    ['virtual:a b', /virtual board name/],
    ['virtual:x?thread', /key=value/],
    ['virtual:x?threading=off', /unknown virtual board option "threading"/],
    ['virtual:x?thread=maybe', /virtual board option thread is on or off, not "maybe"/],
    ['virtual:x?rawpaste=2', /rawpaste is on or off/],
    ['virtual:x?profile=esp32', /profile "esp32" does not exist \(known: micropython, circuitpython, small\)/],
    ['virtual:x?thread=on&threads=off', /thread is given twice/],
    ['virtual:..', /virtual board name/],
    ['virtual:' + 'n'.repeat(65), /virtual board name/],
    ['Virtual:demo', /not a port this node knows/],
    ['ttyACM0', /did you mean \/dev\/ttyACM0/],
    ['192.168.4.1:8266', /tcp:\/\/192\.168\.4\.1:8266 .* ws:\/\/192\.168\.4\.1:8266/],
    ['board', /not a port this node knows/],
  ];
  for (const [input, message] of cases) {
    assert.throws(() => parsePort(input), (err: unknown) => {
      assert.ok(err instanceof LinkError, `${JSON.stringify(input)} threw ${err}`);
      assert.match(err.message, message, JSON.stringify(input));
      if (input.trim()) assert.equal(err.board, input.trim());
      return true;
    }, JSON.stringify(input));
  }
});

test('listSerialPorts resolves here even though the system listing may fail', { timeout: 10000 }, async () => {
  const result = await listSerialPorts();
  assert.ok(Array.isArray(result.ports));
  for (const p of result.ports) assert.equal(typeof p.path, 'string');
  if (result.error !== undefined) assert.match(result.error, /could not list serial ports/);
});

test('listSerialPorts falls back to board-like /dev entries when the listing fails', { timeout: 10000 }, async () => {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'belay-dev-'));
  try {
    for (const name of ['ttyACM10', 'ttyACM2', 'ttyUSB0', 'tty.usbmodem1101', 'cu.usbmodem1101', 'ttyS0', 'null', 'tty1']) {
      fs.writeFileSync(path.join(dir, name), '');
    }
    const result = await listSerialPorts({
      list: async () => { throw new Error('spawn udevadm ENOENT'); },
      devDir: dir,
    });
    assert.deepEqual(result.ports.map((p) => path.basename(p.path)),
      ['cu.usbmodem1101', 'tty.usbmodem1101', 'ttyACM2', 'ttyACM10', 'ttyUSB0']);
    assert.equal(result.ports[0].path, path.join(dir, 'cu.usbmodem1101'));
    assert.match(result.error ?? '', /spawn udevadm ENOENT/);

    const none = await listSerialPorts({
      list: async () => { throw new Error('no listing'); },
      devDir: path.join(dir, 'missing'),
    });
    assert.deepEqual(none.ports, []);
    assert.match(none.error ?? '', /type the port path by hand/);
  } finally {
    fs.rmSync(dir, { recursive: true, force: true });
  }
});

test('listSerialPorts keeps the system listing, USB boards first', { timeout: 10000 }, async () => {
  const result = await listSerialPorts({
    list: async () => [
      { path: '/dev/ttyS0', manufacturer: undefined },
      { path: '/dev/ttyACM0', manufacturer: 'MicroPython', vendorId: '2e8a', productId: '0005', serialNumber: 'E660' },
    ],
  });
  assert.equal(result.error, undefined);
  assert.deepEqual(result.ports, [
    { path: '/dev/ttyACM0', manufacturer: 'MicroPython', vendorId: '2e8a', productId: '0005', serialNumber: 'E660' },
    { path: '/dev/ttyS0' },
  ]);
});

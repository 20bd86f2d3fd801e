import { test } from 'node:test';
import assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { VirtualBoard, getVirtualBoard } from '../../src/virtual';
import { Collector, RAW_BANNER, parseRawAnswer, rawBoard, removeDir, tempDir } from './helpers';

const TITLE = '\x1b]0;\u{1F40D}REPL | 8.0.0\x1b\\';
const CP_BANNER = 'Adafruit CircuitPython 8.0.0 on 2023-02-06; virtual board wasm\r\n';

/** Runs code and returns stdout, failing with the board's traceback if it raised. */
async function run(b: Awaited<ReturnType<typeof rawBoard>>, code: string, ms = 10000): Promise<string> {
  const r = await b.exec(code, ms);
  assert.equal(r.stderr, '', `${code}\n-> ${r.stderr}`);
  return r.stdout;
}

test('circuitpython: power-on wait swallows a byte, CircuitPython banner, title escapes before prompts and the raw banner', { timeout: 30000 }, async () => {
  const dir = tempDir('cp-repl');
  const board = new VirtualBoard({ name: 'cp-repl', fsDir: dir, profile: 'circuitpython' });
  const rx = new Collector(board);
  // The escapes carry a UTF-8 snake: compare bytes as UTF-8.
  const text = (s: string) => Buffer.from(s, 'latin1').toString('utf8');
  try {
    await board.start();
    await rx.until('Press any key to enter the REPL. Use CTRL-D to reload.\r\n');
    board.write(Buffer.from('x'));
    assert.equal(text(await rx.until('>>> ')), `\r\n${CP_BANNER}${TITLE}>>> `);
    board.write(Buffer.from('1+1\r'));
    assert.equal(text(await rx.until('>>> ')), `1+1\r\n2\r\n${TITLE}>>> `, 'the x was swallowed, and a title precedes the prompt');
    board.write(Buffer.from('\x01'));
    assert.equal(text(await rx.until(RAW_BANNER)), `\r\n${TITLE}${RAW_BANNER}`);
    board.write(Buffer.from('x = 1\x04'));
    await rx.until('\x04>');
    // Ctrl-D in raw mode: no soft reboot line; globals are gone; code.py does not run.
    board.write(Buffer.from('\x04'));
    assert.equal(await rx.until(RAW_BANNER), `OK\r\n${RAW_BANNER}`);
    board.write(Buffer.from('print(x)\x04'));
    assert.match(parseRawAnswer(await rx.until('\x04>')).stderr, /NameError: name 'x' /);
    // Ctrl-B: back to the friendly REPL with CircuitPython's banner, not the port's.
    board.write(Buffer.from('\x02'));
    assert.equal(text(await rx.until('>>> ')), `\r\n${CP_BANNER}${TITLE}>>> `);
    // A friendly Ctrl-D reboots into the wait again; Ctrl-D there reloads once more.
    board.write(Buffer.from('\x04'));
    await rx.until('soft reboot\r\n');
    // the whole wait line, as after power-on: a key sent before it ends may come before the wait
    await rx.until('Press any key to enter the REPL. Use CTRL-D to reload.\r\n');
    board.write(Buffer.from('\x03'));
    assert.match(text(await rx.until('>>> ')), /Adafruit CircuitPython 8\.0\.0/);
  } finally {
    await board.close();
    removeDir(dir);
  }
});

test('circuitpython: sys.implementation, no compile/_thread/machine/ticks/ilistdir, its own modules, raw-paste', { timeout: 30000 }, async () => {
  const b = await rawBoard('cp-mods', { profile: 'circuitpython' });
  try {
    assert.equal(await run(b, 'import sys\nprint(sys.implementation.name, sys.implementation.version, sys.version)'),
      "circuitpython (8, 0, 0) 3.4.0; CircuitPython 8.0.0 on 2023-02-06\r\n");
    const noCompile = await b.exec("compile('1', 'f', 'eval')");
    assert.equal(noCompile.stderr, 'Traceback (most recent call last):\r\n  File "<stdin>", line 1, in <module>\r\nNameError: name \'compile\' is not defined\r\n');
    assert.equal(await run(b, "print(eval('6 * 7'))\nexec('print(5)')"), '42\r\n5\r\n');
    for (const m of ['_thread', 'machine']) {
      assert.equal((await b.exec(`import ${m}`)).stderr,
        `Traceback (most recent call last):\r\n  File "<stdin>", line 1, in <module>\r\nImportError: no module named '${m}'\r\n`);
    }
    assert.equal(await run(b, "import time, os\nprint(hasattr(time, 'ticks_ms'), hasattr(time, 'sleep_ms'), hasattr(os, 'ilistdir'), callable(os.listdir), time.monotonic() >= 0)"),
      'False False False True True\r\n');
    assert.equal(await run(b, 'import supervisor\nt = supervisor.ticks_ms()\nprint(type(t).__name__, 0 <= t < 2**29)'), 'int True\r\n');
    for (const m of ['board', 'digitalio', 'analogio', 'supervisor', 'keypad', 'countio', 'storage', 'microcontroller', 'busio', 'json', 'binascii', 'select', 'micropython', 'io']) {
      assert.equal(await run(b, `import ${m}`), '', m);
    }
    // digitalio drives the shared pins the host sees; analogio reads what the host forces.
    await run(b, 'import board, digitalio, analogio\nled = digitalio.DigitalInOut(board.LED)\nled.direction = digitalio.Direction.OUTPUT\nled.value = True');
    assert.equal(b.board.pins.get(25).value, 1);
    assert.match((await b.exec('digitalio.DigitalInOut(board.GP25)')).stderr, /ValueError: GP25 in use/);
    b.board.pins.setAnalog(26, 12345);
    assert.equal(await run(b, 'print(analogio.AnalogIn(board.A0).value)'), '12345\r\n');
    await run(b, 'btn = digitalio.DigitalInOut(board.GP2)\nbtn.switch_to_input(pull=digitalio.Pull.UP)');
    assert.equal(await run(b, 'print(btn.value)'), 'True\r\n');
    b.board.pins.drive(2, 0);
    assert.equal(await run(b, 'print(btn.value)'), 'False\r\n');

    // raw-paste as on CircuitPython 8
    b.board.write(Buffer.from('\x05A\x01'));
    assert.equal(await b.rx.take(2), 'R\x01');
  } finally {
    await b.close();
  }
});

test('circuitpython: keypad.Keys queues press and release from pin edges, countio counts them', { timeout: 30000 }, async () => {
  const b = await rawBoard('cp-keys', { profile: 'circuitpython' });
  try {
    await run(b, 'import board, keypad, countio\nkeys = keypad.Keys((board.GP14, board.GP15), value_when_pressed=False, pull=True)\nc = countio.Counter(board.GP16)');
    assert.equal(b.board.pins.get(14).pull, 'up');
    assert.equal(await run(b, 'print(keys.events.get(), len(keys.events))'), 'None 0\r\n');
    // A press and release of key 1 both happen before the board looks: both are queued, in order.
    b.board.pins.drive(15, 0);
    b.board.pins.drive(15, 1);
    b.board.pins.drive(14, 0);
    const events = await run(b, 'e = keys.events.get()\nwhile e:\n    print(e.key_number, e.pressed, e.released, type(e.timestamp).__name__)\n    e = keys.events.get()');
    // Each key's events in order; keys seen in one look are queued by key number.
    const lines = events.trim().split('\r\n');
    assert.deepEqual(lines.filter((l) => l.startsWith('1 ')), ['1 True False int', '1 False True int']);
    assert.deepEqual(lines.filter((l) => l.startsWith('0 ')), ['0 True False int']);
    for (let i = 0; i < 3; i++) {
      b.board.pins.drive(16, 1);
      b.board.pins.drive(16, 0);
    }
    assert.equal(await run(b, 'print(c.count)\nc.reset()\nprint(c.count)'), '3\r\n0\r\n');
  } finally {
    await b.close();
  }
});

test('circuitpython: the filesystem is read-only to code unless boot.py remounts it', { timeout: 30000 }, async () => {
  const b = await rawBoard('cp-ro', { profile: 'circuitpython' });
  try {
    fs.writeFileSync(path.join(b.fsDir, 'old.txt'), 'x');
    const ro = 'OSError: [Errno 30] Read-only filesystem\r\n';
    assert.ok((await b.exec("open('new.txt', 'w')")).stderr.endsWith(`line 1, in <module>\r\n${ro}`));
    assert.ok((await b.exec("open('old.txt', 'a')")).stderr.endsWith(ro));
    assert.ok((await b.exec("import os\nos.mkdir('d')")).stderr.endsWith(ro));
    assert.ok((await b.exec("os.remove('old.txt')")).stderr.endsWith(ro));
    assert.ok((await b.exec("os.rename('old.txt', 'b.txt')")).stderr.endsWith(ro));
    assert.equal(await run(b, "print(open('old.txt').read())"), 'x\r\n', 'reading works');
    assert.match((await b.exec("open('missing.txt')")).stderr, /OSError: \[Errno 2\] No such file\/directory\r\n$/);
    assert.match((await b.exec("import storage\nstorage.remount('/', readonly=False)")).stderr, /RuntimeError: Cannot remount '\/' when visible via USB\./);
    assert.equal(await run(b, "print(storage.getmount('/').readonly)"), 'True\r\n');
    assert.deepEqual(fs.readdirSync(b.fsDir), ['old.txt']);
  } finally {
    await b.close();
  }

  const dir = tempDir('cp-rw');
  fs.writeFileSync(path.join(dir, 'boot.py'), "import storage\nstorage.remount('/', readonly=False)\nprint('boot output is not shown')\n");
  const w = await rawBoard('cp-rw', { profile: 'circuitpython', fsDir: dir });
  try {
    assert.ok(!w.rx.text.includes('boot output'));
    await run(w, "with open('log.txt', 'w') as f:\n    f.write('hi')\nimport os\nos.mkdir('d')");
    assert.equal(fs.readFileSync(path.join(dir, 'log.txt'), 'utf8'), 'hi');
    // A soft reboot keeps what boot.py did, as on CircuitPython.
    w.board.write(Buffer.from('\x04'));
    await w.rx.until(RAW_BANNER);
    await run(w, "import os\nos.remove('log.txt')");
    assert.ok(!fs.existsSync(path.join(dir, 'log.txt')));
  } finally {
    await w.close();
    removeDir(dir);
  }
});

test('small: a micro:bit-sized heap, no json/binascii/select/io/_thread, old-board raw-paste answer, flat os.listdir()', { timeout: 30000 }, async () => {
  const b = await rawBoard('small', { profile: 'small' });
  try {
    const free = Number(await run(b, 'import gc\ngc.collect()\nprint(gc.mem_free())'));
    // 9 KB left by the ballast (SMALL_FREE), plus what the rest of the boot left to collect
    assert.ok(free >= 8 * 1024 && free <= 12 * 1024, `gc.mem_free() after boot is ${free}`);
    assert.match((await b.exec('x = bytearray(16000)')).stderr, /MemoryError/);
    for (const m of ['json', 'binascii', 'select', 'io', '_thread']) {
      assert.equal((await b.exec(`import ${m}`)).stderr,
        `Traceback (most recent call last):\r\n  File "<stdin>", line 1, in <module>\r\nImportError: no module named '${m}'\r\n`, m);
    }
    assert.equal(await run(b, 'import os, time, machine, micropython\nprint(os.listdir())'), '[]\r\n');
    // A board before MicroPython 1.14 answers the raw-paste request with its raw banner again.
    b.board.write(Buffer.from('\x05A\x01'));
    const answer = await b.rx.until(RAW_BANNER);
    assert.ok(!answer.startsWith('R'), JSON.stringify(answer));
    assert.equal(await run(b, 'print(1 + 1)'), '2\r\n');
  } finally {
    await b.close();
  }
});

test('profiles are chosen per board name from the port; thread= and rawpaste= still override', { timeout: 40000 }, async () => {
  const dirs = [tempDir('pp-a'), tempDir('pp-b')];
  const a = getVirtualBoard('pp-a', { profile: 'circuitpython', threads: true, fsDir: dirs[0] });
  const s = getVirtualBoard('pp-b', { profile: 'small', rawPaste: false, fsDir: dirs[1] });
  try {
    assert.throws(() => getVirtualBoard('pp-a', { profile: 'small' }), /virtual:pp-a is already running with profile=circuitpython/);
    assert.equal(getVirtualBoard('pp-a', {}), a);
    const rxA = new Collector(a);
    const rxS = new Collector(s);
    await Promise.all([a.start(), s.start()]);
    a.write(Buffer.from('\r\x01'));
    s.write(Buffer.from('\r\x01'));
    await rxA.until(RAW_BANNER);
    await rxS.until(RAW_BANNER);
    a.write(Buffer.from('import _thread, sys\nprint(sys.implementation.name)\x04'));
    assert.deepEqual(parseRawAnswer(await rxA.until('\x04>')), { stdout: 'circuitpython\r\n', stderr: '' });
    s.write(Buffer.from('\x05A\x01'));
    assert.equal(await rxS.until('R\x00'), 'R\x00');
  } finally {
    await a.close();
    await s.close();
    dirs.forEach(removeDir);
  }
});

test('gc.collect() frees garbage while code runs and never returns to the REPL', { timeout: 30000 }, async () => {
  const b = await rawBoard('gc-live');
  try {
    // Without it the port only collects when a call returns: this loop grew the heap by ~2 MB.
    const out = await run(b, [
      'import gc', 'gc.collect()', 'a0 = gc.mem_alloc()', 'keep = []',
      'for i in range(2000):', '    x = bytearray(1000)', '    keep.append(str(i))', '    if i % 100 == 0:', '        gc.collect()',
      'gc.collect()', 'print(gc.mem_alloc() - a0 < 200000, keep[1999], len(keep))',
    ].join('\n'));
    assert.equal(out, 'True 1999 2000\r\n', 'live objects survive, garbage goes');
  } finally {
    await b.close();
  }
});

test('binascii is native-looking with a fast crc32 equal to zlib\'s', { timeout: 30000 }, async () => {
  const b = await rawBoard('crc');
  try {
    assert.equal(await run(b, "import binascii\nprint(hasattr(binascii, '__file__'), binascii.hexlify(b'ab'))"), "False b'6162'\r\n");
    const { crc32 } = await import('node:zlib') as unknown as { crc32?: (d: Buffer, v?: number) => number };
    const expect = (d: Buffer, v = 0) => (crc32 ? crc32(d, v) : undefined);
    const got = (await run(b, "print(binascii.crc32(b''), binascii.crc32(b'hello'), binascii.crc32(b' world', binascii.crc32(b'hello')), binascii.crc32(memoryview(b'xhello')[1:]))")).trim().split(' ').map(Number);
    assert.deepEqual(got, [0, 907060870, 222957957, 907060870]);
    if (crc32) assert.equal(got[2], expect(Buffer.from(' world'), expect(Buffer.from('hello'))));
    const t = Number(await run(b, "import time\nd = bytes(range(256)) * 4096\nt = time.ticks_ms()\nbinascii.crc32(d)\nprint(time.ticks_diff(time.ticks_ms(), t))"));
    assert.ok(t < 200, `crc32 of 1 MiB took ${t} ms`);
  } finally {
    await b.close();
  }
});

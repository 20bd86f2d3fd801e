import { test, after } from 'node:test';
import assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { Device } from '../../src/board/device';
import { createLink } from '../../src/board/link';
import type { Link } from '../../src/board/link/link';
import { BoardError, type ThreadHandlers } from '../../src/board/types';
import { defaultFsDir, parseVirtualPort } from '../../src/virtual';
import '../../src/virtual/link';

const devices: Device[] = [];
function board(name: string, opts: Partial<ConstructorParameters<typeof Device>[0]> = {}, dispatcher = true): Device {
  const d = new Device({ port: `virtual:dev-${name}-${process.pid}`, timeout: 10, ...opts });
  d.useDispatcher = dispatcher;
  devices.push(d);
  return d;
}
after(async () => {
  for (const d of devices) await d.close().catch(() => undefined);
  // The virtual boards' files live in host folders; leave none behind.
  for (const d of devices) {
    const v = parseVirtualPort(d.label);
    if (v) fs.rmSync(defaultFsDir(v.name), { recursive: true, force: true });
  }
});

for (const dispatcher of [true, false]) {
  const mode = dispatcher ? 'dispatcher loop' : 'one raw exec per call';

  test(`exec: statements, expressions and printed output (${mode})`, { timeout: 30000 }, async () => {
    const d = board(`exec${dispatcher}`, {}, dispatcher);
    const info = await d.connect();
    assert.equal(info.implementation, 'micropython');
    assert.equal(info.platform, 'webassembly');
    assert.deepEqual(await d.exec('x = 21'), { value: null, stdout: '' });
    assert.deepEqual(await d.exec('x * 2'), { value: 42, stdout: '' });
    const r = await d.exec('for i in range(3):\n    print("line", i)');
    assert.equal(r.stdout, 'line 0\nline 1\nline 2\n');
    // The start-up imports are in place: sleep and Pin come from Belay's convenience imports.
    assert.equal((await d.exec('sleep.__name__')).value, 'sleep');
  });

  test(`call: arguments, every value type, generators (${mode})`, { timeout: 30000 }, async () => {
    const d = board(`call${dispatcher}`, {}, dispatcher);
    await d.connect();
    assert.equal(await d.define('k-echo', 'def echo(*a, **k):\n    return [list(a), k]\n'), 'echo');
    const values = [null, true, false, 0, -7, 2 ** 53 + 2, 3.5, 'qu\'ote "d" \\ \n\t\x00 é 😀', Buffer.from([0, 255, 10]),
      [1, [2, 3]], { a: { b: [null] } }];
    for (const v of values) {
      const { value } = await d.call('echo', [v], { kw: v });
      assert.deepEqual(value, [[v], { kw: v }], `value ${String(v)}`);
    }
    assert.equal((await d.call('echo', [10n ** 30n])).value instanceof Array, true);
    assert.deepEqual((await d.call('echo', [10n ** 30n])).value, [[10n ** 30n], {}]);
    await d.define('k-gen', 'def squares(n):\n    for i in range(n):\n        print("at", i)\n        yield i * i\n');
    const got: unknown[] = [];
    const r = await d.call('squares', [4], {}, { onValue: (v) => got.push(v) });
    assert.deepEqual(got, [0, 1, 4, 9]);
    assert.equal(r.generator, true);
    assert.equal(r.count, 4);
    assert.equal(r.stdout, 'at 0\nat 1\nat 2\nat 3\n');
    // A result that is not a literal comes back as its repr, never evaluated.
    const obj = await d.exec('object()');
    assert.match(String(obj.value), /^<object/);
  });

  test(`errors: type, message and traceback in the node's own lines (${mode})`, { timeout: 30000 }, async () => {
    const d = board(`err${dispatcher}`, {}, dispatcher);
    await d.connect();
    await d.define('node-1', 'import math\n\ndef bad(x):\n    y = x + 1\n    return y / 0\n');
    await assert.rejects(d.call('bad', [1]), (e: unknown) => {
      assert.ok(e instanceof BoardError);
      assert.equal(e.type, 'ZeroDivisionError');
      assert.equal(e.pyMessage, 'divide by zero');
      assert.match(e.traceback, /File "node-1", line 5, in bad/);
      assert.doesNotMatch(e.traceback, /_b[a-z]+|<stdin>|<string>/);
      assert.match(e.message, /virtual:dev-err/);
      return true;
    });
    // The board is usable after the error.
    assert.equal((await d.exec('1 + 1')).value, 2);
  });

  test(`timeout: a hung call is interrupted and the board stays usable (${mode})`, { timeout: 30000 }, async () => {
    const d = board(`timeout${dispatcher}`, {}, dispatcher);
    await d.connect();
    await d.exec('kept = 7');
    await assert.rejects(d.exec('while True:\n    pass', { timeout: 1 }), (e: unknown) => e instanceof BoardError && e.type === 'TimeoutError');
    assert.equal((await d.exec('kept')).value, 7);
    await assert.rejects(d.exec('import time\ntime.sleep(30)', { timeout: 1 }), /TimeoutError/);
    assert.equal((await d.exec('kept + 1')).value, 8);
  });
}

/** A Device whose link keeps what the host writes, a write per entry. */
function tapped(name: string): { d: Device; lines: string[]; link: Link } {
  const lines: string[] = [];
  let link!: Link;
  const d = new Device({ port: `virtual:dev-${name}-${process.pid}`, timeout: 10 }, (p, o) => {
    link = createLink(p, o);
    const write = link.write.bind(link);
    link.write = (data: Uint8Array) => {
      lines.push(Buffer.from(data).toString('utf8'));
      return write(data);
    };
    return link;
  });
  devices.push(d);
  return { d, lines, get link() { return link; } };
}

test('file data in the loop follows a line that gives its length; a failed write leaves the loop in step', { timeout: 30000 }, async () => {
  const { d, lines } = tapped('wlen');
  await d.connect();
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'belay-wlen-'));
  const data = Buffer.from(Array.from({ length: 3000 }, (_, i) => (i * 13) & 255));
  fs.writeFileSync(path.join(dir, 'w.bin'), data);
  try {
    lines.length = 0;
    await d.sync({ source: dir, dest: '/wl' });
    const w = lines.filter((l) => l.startsWith('W'));
    assert.equal(w.length, 1, lines.join('|'));
    const m = /^W(\d+) 2(\d+)\t\/wl\/w.bin\n(.*)$/s.exec(w[0]);
    assert.ok(m, w[0].slice(0, 80));
    assert.equal(Number(m![2]), m![3].length);
    assert.ok(Buffer.from(m![3], data.length * 2 === m![3].length ? 'hex' : 'base64').equals(data));
    assert.ok(((await d.exec('open("/wl/w.bin", "rb").read()')).value as Buffer).equals(data));
    // Into a folder that does not exist: the board's error, and the data was still read to its end.
    await d.exec('_brm(["/wl/w.bin", "/wl"])');
    fs.mkdirSync(path.join(dir, 'sub'));
    fs.writeFileSync(path.join(dir, 'sub', 'x.bin'), data);
    await d.exec('_bmk = lambda ps: None');
    await assert.rejects(d.sync({ source: dir, dest: '/wl2' }), (e: unknown) => e instanceof BoardError && e.type === 'OSError');
    assert.equal((await d.exec('6 * 7')).value, 42);
  } finally {
    fs.rmSync(dir, { recursive: true, force: true });
  }
});

test('calls whose arguments JSON can carry skip the board\'s compiler; the others, and errors, are the same', { timeout: 30000 }, async () => {
  const tap = tapped('json');
  const { d, lines } = tap;
  await d.connect();
  await d.define('k-echo', 'def echo(*a, **k):\n    return [list(a), k]\n');
  lines.length = 0;
  assert.deepEqual((await d.call('echo', [1, 'é\n"', [2.5, null], { x: true }])).value, [[1, 'é\n"', [2.5, null], { x: true }], {}]);
  assert.equal(lines.length, 1);
  assert.match(lines[0], /^j\d+ echo\[1,"é\\n\\"",\[2.5,null\],\{"x":true\}\]\n$/);
  // bytes, non-finite floats and keyword arguments go as Python literals, with the same results
  lines.length = 0;
  assert.deepEqual((await d.call('echo', [Buffer.from('b'), NaN])).value, [[Buffer.from('b'), NaN], {}]);
  assert.deepEqual((await d.call('echo', [1], { k: 2 })).value, [[1], { k: 2 }]);
  assert.deepEqual(lines.map((l) => l[0]), ['c', 'c']);
  assert.match(lines[1], /^c\d+ echo\(1,k=2\)\n$/);
  // A builtin is found, a missing name is the NameError Python gives, a raise keeps its traceback.
  assert.equal((await d.call('len', [[1, 2, 3]])).value, 3);
  await assert.rejects(d.call('nowhere', [1]), (e: unknown) => e instanceof BoardError && e.type === 'NameError' && /nowhere/.test(e.pyMessage));
  await d.define('k-bad', 'def bad(x):\n    return x / 0\n');
  await assert.rejects(d.call('bad', [1]), (e: unknown) => e instanceof BoardError && e.type === 'ZeroDivisionError' &&
    /File "k-bad", line 2, in bad/.test(e.traceback) && !/_b[a-z]+|<string>|<stdin>/.test(e.traceback));
  // Generators stream through the same path.
  await d.define('k-gen', 'def count(n):\n    for i in range(n):\n        yield i\n');
  const got: unknown[] = [];
  const r = await d.call('count', [3], {}, { onValue: (v) => got.push(v) });
  assert.deepEqual([got, r.generator, r.count], [[0, 1, 2], true, 3]);
  assert.ok(lines.some((l) => /^j\d+ count\[3\]\n$/.test(l)), lines.join('|'));
  // A board without json gets every call as a Python literal.
  await d.exec('_bjl = None');
  // A Ctrl-C between calls ends the loop, which says so; the next call starts it again, which now says: no json.
  const lost = new Promise<void>((resolve) => tap.link.on('data', (b: Buffer) => { if (/ Q0 \r?\n/.test(b.toString('latin1'))) resolve(); }));
  await tap.link.write(Buffer.from([3]));
  await lost;
  lines.length = 0;
  assert.deepEqual((await d.call('echo', [1])).value, [[1], {}]);
  assert.ok(lines.some((l) => /^c\d+ echo\(1\)\n$/.test(l)), lines.join('|'));
});

test('queue: 1,000 calls answered in order', { timeout: 60000 }, async () => {
  const d = board('queue');
  await d.connect();
  await d.define('k', 'def ident(i):\n    return i\n');
  const results = await Promise.all(Array.from({ length: 1000 }, (_, i) => d.call('ident', [i])));
  assert.deepEqual(results.map((r) => r.value), Array.from({ length: 1000 }, (_, i) => i));
});

test('a full queue refuses with a clear error', { timeout: 30000 }, async () => {
  const d = board('full', { maxQueue: 5 });
  await d.connect();
  const calls = Array.from({ length: 8 }, () => d.exec('1').catch((e) => e));
  const out = await Promise.all(calls);
  assert.ok(out.some((e) => e instanceof BoardError && e.type === 'QueueFullError'));
});

test('setup and functions run again after the link dies; in-flight call fails clearly', { timeout: 60000 }, async () => {
  let link: Link | undefined;
  const name = `virtual:dev-reconnect-${process.pid}`;
  const d = new Device({ port: name, setup: 'counter = globals().get("counter", 0) + 100', timeout: 10 },
    (p, o) => (link = createLink(p, o)));
  devices.push(d);
  await d.connect();
  await d.define('k', 'def get():\n    return counter\n');
  assert.equal((await d.call('get')).value, 100);
  const states: string[] = [];
  d.on('state', (s) => states.push(s));
  // the call is on the board, sleeping, once its marker comes over the link
  const first = link!;
  let seen = '';
  const asleep = new Promise<void>((resolve) => first.on('data', (b: Buffer) => { if ((seen += b.toString('latin1')).includes('asleep')) resolve(); }));
  const inflight = d.exec('import time\nprint("asleep")\ntime.sleep(5)').catch((e) => e);
  await asleep;
  // Break the link as an unplugged board would.
  (first as unknown as { kill(): void }).kill();
  const err = await inflight;
  assert.ok(err instanceof BoardError && err.type === 'ConnectionError', String(err));
  // A call queued while disconnected waits for the reconnect, then runs against a fresh setup.
  const r = await d.call('get');
  assert.equal(r.value, 100, 'setup ran again after the soft reset and get() was redefined');
  assert.notEqual(link, first);
  assert.ok(states.includes('disconnected') && states.includes('connected'), states.join(','));
});

test('threads: yields, prints, stop, exceptions; main calls answered meanwhile', { timeout: 60000 }, async () => {
  const d = board('threads');
  const info = await d.connect();
  assert.equal(info.threads, true);
  await d.define('t', 'def ticker(n):\n    i = 0\n    while True:\n        print("tick", i)\n        yield i\n        i += 1\n        sleep(0.02)\n');
  const yields: unknown[] = [];
  const prints: string[] = [];
  let ended = false;
  let fifth!: () => void;
  const five = new Promise<void>((resolve) => { fifth = resolve; });
  const handlers: ThreadHandlers = {
    onYield: (v) => { if (yields.push(v) === 5) fifth(); }, onPrint: (l) => prints.push(l), onError: (e) => { throw e; }, onEnd: () => { ended = true; },
  };
  const h = await d.startThread('ticker', [0], {}, handlers);
  // The main interpreter keeps answering while the thread runs.
  for (let i = 0; i < 5; i++) assert.equal((await d.exec(`${i} * 3`)).value, i * 3);
  await five;
  await h.stop();
  assert.equal(ended, true);
  assert.deepEqual(yields.slice(0, 5), [0, 1, 2, 3, 4]);
  assert.deepEqual(prints.slice(0, 3), ['tick 0', 'tick 1', 'tick 2']);
  // stop() came back once the board said the thread ended; what it sent before that comes back
  // before the answer to a call on the same link.
  const n = yields.length;
  assert.equal((await d.exec('7')).value, 7);
  assert.equal(yields.length, n, 'no values after stop');

  await d.define('t2', 'def boom():\n    yield 1\n    raise ValueError("bad sensor")\n');
  const errors: BoardError[] = [];
  let done!: () => void;
  const boomEnded = new Promise<void>((resolve) => { done = resolve; });
  await d.startThread('boom', [], {}, { onYield: () => undefined, onPrint: () => undefined, onError: (e) => errors.push(e), onEnd: () => done() });
  await boomEnded;
  assert.equal(errors[0].type, 'ValueError');
  assert.match(errors[0].traceback, /File "t2", line 3, in boom/);
});

test('a board without _thread refuses threads with its name', { timeout: 30000 }, async () => {
  const d = new Device({ port: `virtual:nothread-${process.pid}?thread=off` });
  devices.push(d);
  const info = await d.connect();
  assert.equal(info.threads, false);
  await d.define('t', 'def f():\n    yield 1\n');
  await assert.rejects(d.startThread('f', [], {}, { onYield() {}, onPrint() {}, onError() {}, onEnd() {} }),
    (e: unknown) => e instanceof BoardError && /no _thread/.test(e.message) && /virtual:nothread/.test(e.message));
});

test('raw-paste refused: plain raw mode works the same', { timeout: 30000 }, async () => {
  const d = new Device({ port: `virtual:nopaste-${process.pid}?rawpaste=off` });
  devices.push(d);
  const info = await d.connect();
  assert.equal(info.rawPaste, false);
  const big = 'x = [' + Array.from({ length: 400 }, (_, i) => String(i)).join(', ') + ']';
  await d.exec(big);
  assert.equal((await d.exec('len(x)')).value, 400);
});

test('teardown runs on disconnect; soft reset drops variables', { timeout: 30000 }, async () => {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'belay-td-'));
  try {
    const port = `virtual:teardown-${process.pid}`;
    const d = new Device({ port, teardown: 'f = open("/teardown.txt", "w")\nf.write("bye")\nf.close()' });
    devices.push(d);
    await d.connect();
    await d.exec('v = 1');
    await d.disconnect();
    const again = new Device({ port });
    devices.push(again);
    await again.connect();
    assert.equal((await again.exec('open("/teardown.txt").read()')).value, 'bye');
    await assert.rejects(again.exec('v'), /NameError/);
  } finally {
    fs.rmSync(dir, { recursive: true, force: true });
  }
});

test('sync: first run, unchanged, changed, deleted, keep, ignore', { timeout: 60000 }, async () => {
  const src = fs.mkdtempSync(path.join(os.tmpdir(), 'belay-sync-'));
  try {
    fs.mkdirSync(path.join(src, 'lib'));
    fs.writeFileSync(path.join(src, 'main.py'), '# comment\ndef f():\n    """doc"""\n    return 1\n');
    fs.writeFileSync(path.join(src, 'lib', 'data.bin'), Buffer.from(Array.from({ length: 9000 }, (_, i) => i & 255)));
    fs.writeFileSync(path.join(src, 'skip.tmp'), 'no');
    const d = board('sync');
    await d.connect();
    await d.exec('f = open("/old.txt", "w")\nf.write("old")\nf.close()\nf = open("/boot.py", "w")\nf.close()');
    const progress: number[] = [];
    const r1 = await d.sync({ source: src, dest: '/', ignore: ['*.tmp'] }, (p) => progress.push(p.done));
    assert.deepEqual(r1.uploaded.sort(), ['/lib/data.bin', '/main.py']);
    assert.deepEqual(r1.deleted, ['/old.txt']);
    assert.ok(progress.length >= 2);
    assert.equal((await d.exec('open("/main.py").read()')).value, '\ndef f():\n    0\n    return 1\n');
    assert.equal((await d.exec('len(open("/lib/data.bin", "rb").read())')).value, 9000);
    assert.equal(((await d.exec('open("/lib/data.bin", "rb").read()[255:258]')).value as Buffer).toString('hex'), 'ff0001');
    const r2 = await d.sync({ source: src, dest: '/', ignore: ['*.tmp'] });
    assert.deepEqual(r2.uploaded, []);
    assert.deepEqual(r2.unchanged.sort(), ['/lib/data.bin', '/main.py']);
    fs.writeFileSync(path.join(src, 'main.py'), 'print(2)\n');
    const r3 = await d.sync({ source: src, dest: '/', ignore: ['*.tmp'] });
    assert.deepEqual(r3.uploaded, ['/main.py']);
    assert.equal((await d.exec('"boot.py" in __import__("os").listdir("/")')).value, true, 'boot.py kept');
  } finally {
    fs.rmSync(src, { recursive: true, force: true });
  }
});

test('a definition that fails on reconnect is reported, the board still connects', { timeout: 30000 }, async () => {
  const d = board('baddef');
  await d.connect();
  await d.define('good', 'def good():\n    return 1\n');
  // Accepted now (the name exists), fails when replayed: it refers to a module the board lacks.
  await d.exec('import sys\nsys.modules["gone"] = sys');
  await d.define('bad', 'import gone\ndel __import__("sys").modules["gone"]\ndef bad():\n    return 2\n');
  const errors: string[] = [];
  d.on('define-error', (key: string, e: BoardError) => errors.push(`${key}:${e.type}`));
  await d.disconnect();
  await d.connect();
  assert.deepEqual(errors, ['bad:ImportError']);
  assert.equal((await d.call('good')).value, 1);
});

test('sync without native base64/hex decoding sends file data as bytes literals, same result', { timeout: 60000 }, async () => {
  const src = fs.mkdtempSync(path.join(os.tmpdir(), 'belay-sync-lit-'));
  try {
    const data = Buffer.from(Array.from({ length: 10000 }, (_, i) => (i * 7) & 255));
    fs.writeFileSync(path.join(src, 'blob.bin'), data);
    fs.writeFileSync(path.join(src, 'empty.txt'), '');
    fs.writeFileSync(path.join(src, 'a.txt'), 'small');
    const d = board('synclit');
    await d.connect();
    // As on a board with neither binascii nor bytes.fromhex: the agent then offers no direct encoding.
    const empty = fs.mkdtempSync(path.join(os.tmpdir(), 'belay-empty-'));
    await d.sync({ source: empty, dest: '/lit0' });
    fs.rmSync(empty, { recursive: true });
    await d.exec('_benc = None');
    const r = await d.sync({ source: src, dest: '/lit' });
    assert.deepEqual(r.uploaded.sort(), ['/lit/a.txt', '/lit/blob.bin', '/lit/empty.txt']);
    assert.equal(r.bytes, 10005);
    const back = (await d.exec('open("/lit/blob.bin", "rb").read()')).value as Buffer;
    assert.ok(back.equals(data));
    assert.equal((await d.exec('open("/lit/empty.txt").read()')).value, '');
  } finally {
    fs.rmSync(src, { recursive: true, force: true });
  }
});

test('disconnecting with a running thread takes well under a second and ends the thread\'s handlers', { timeout: 30000 }, async () => {
  const d = board('unload');
  await d.connect();
  await d.define('t', 'def forever():\n    i = 0\n    while True:\n        i += 1\n        yield i\n        sleep(0.02)\n');
  let ended = false;
  let first!: () => void;
  const yielded = new Promise<void>((resolve) => { first = resolve; });
  const h = await d.startThread('forever', [], {}, { onYield: () => first(), onPrint: () => undefined, onError: () => undefined, onEnd: () => { ended = true; } });
  await yielded;
  const t0 = Date.now();
  const stopping = h.stop();
  await d.disconnect();
  await stopping;
  const ms = Date.now() - t0;
  assert.ok(ms < 1000, `${ms} ms`);
  assert.equal(ended, true);
});

test('interrupt() ends the call (KeyboardInterrupt, or not run if the Ctrl-C came first); the next call works', { timeout: 30000 }, async () => {
  const d = board('interrupt');
  await d.connect();
  await d.exec('kept = 5');
  let started!: () => void;
  const running = new Promise<void>((resolve) => { started = resolve; });
  d.once('queue', () => started());
  const spin = d.exec('while True:\n    pass', { timeout: 0 }).catch((e: unknown) => e);
  await running;
  await d.interrupt();
  // no timeout on the call: only the interrupt can end it
  const e = await spin;
  assert.ok(e instanceof BoardError && (e.type === 'KeyboardInterrupt' || (e.type === 'CancelledError' && /not run/.test(e.message))), String(e));
  assert.equal((await d.exec('kept + 1')).value, 6);
});

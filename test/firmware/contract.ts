/**
 * The CONTRACT's node behaviours on real MicroPython firmware, through the real Node-RED runtime:
 * exec, task (generators too), errors at a real Catch node with node-relative lines, a timeout and
 * the board working afterwards, threads where the board has _thread (a clear error where it has
 * not), sync, and where the board has them, board events (a pin IRQ handler's errors during a task).
 * Each test file calls boardContract() for one emulated board, which it starts once.
 */
import assert from 'node:assert/strict';
import fs from 'node:fs';
import path from 'node:path';
import { after, before, test } from 'node:test';
import { startFirmware, type FirmwareBoard, type FirmwareKind } from '../support/firmware';
import { onFirmware } from '../support/firmware-tests';
import { catcher, connected, device, load, message, messages, messageWhere, node, sink, statusOf, unload, userDir, type Msg } from '../support/nr';

export interface BoardTraits {
  /** the connected status (it begins with the firmware and its version) */
  status: RegExp;
  threads: boolean;
  /** false where the filesystem is flat (the micro:bit): sync of a folder with subfolders must fail clearly */
  folders: boolean;
  /** the filesystem is read-only to code (CircuitPython without a remount in boot.py): sync must say what to do */
  readOnly?: boolean;
  /**
   * false: leave the sync tests out. The virtual board's small profile: its WebAssembly port collects
   * garbage only between calls, never when an allocation fails mid-call as a board does, so on its
   * 9 KB heap this whole flow leaves the sync part no room (test/board/profiles.test.ts syncs there
   * with fewer definitions; the real micro:bit runs these tests)
   */
  sync?: boolean;
  /** the board has machine.RTC: connect sets it from the host's clock */
  rtc?: boolean;
  /** the board runs the agent's loop and has Pin.irq: a belay-event node's pin IRQ handler runs there */
  events?: boolean;
}

/** An emulated board to start, or a port that is there already (a virtual board with a profile). */
export type BoardSource = FirmwareKind | { port: string; name: string };

const z = 'tab';
const LABEL = 'fw-board';
const exec = (id: string, code: string, wires = [['out']]) => ({ id, z, type: 'belay-exec', device: 'dev', name: '', code, timeout: '', wires });
const task = (id: string, code: string, wires = [['out']]) => ({ id, z, type: 'belay-task', device: 'dev', name: '', code, timeout: '', wires });
const thread = (id: string, code: string, wires: string[][], name = '') => ({ id, z, type: 'belay-thread', device: 'dev', name, code, autostart: false, timeout: '', wires });
const syncNode = (id: string, source: string) => ({ id, z, type: 'belay-sync', device: 'dev', name: '', source, dest: '/', keep: '', ignore: '', minify: true, onConnect: false, timeout: '', wires: [['out']] });

// a pin IRQ handler that raises on every edge of GPIO14 (one error on odd edges, another on even
// ones), and a task that toggles the pin in two bursts of k edges, gap ms apart
const EDGES = "out = Pin(14, Pin.OUT, value=0)\nn = [0]\ndef edge(p):\n    n[0] += 1\n    if n[0] % 2:\n        raise ValueError('odd edge')\n    [][n[0]]\nout.irq(edge, Pin.IRQ_RISING | Pin.IRQ_FALLING)\n";
const BURSTS = 'def bursts(k, gap):\n    p = Pin(14)\n    for r in range(2):\n        if r:\n            time.sleep_ms(gap)\n        for i in range(k):\n            p.toggle()\n            time.sleep_ms(1)\n    print("bursts done")\n    return k';
const TICKER = "import time\n\ndef ticker(n):\n    for i in range(n):\n        print('tick', i)\n        yield i\n        time.sleep(0.05)";
const FOREVER = 'import time\n\ndef forever():\n    global ticks\n    ticks = 0\n    while True:\n        ticks += 1\n        yield ticks\n        time.sleep(0.05)';

function writeTree(base: string, files: Record<string, string>): void {
  for (const [rel, text] of Object.entries(files)) {
    fs.mkdirSync(path.dirname(path.join(base, rel)), { recursive: true });
    fs.writeFileSync(path.join(base, rel), text);
  }
}

/**
 * Sends msg to node `id` and resolves with its answer: the next message at 'out', or with
 * `want: 'caught'` the next error from `id` at the Catch node. The other outcome fails at once,
 * saying what the board answered instead (rather than waiting out the timeout).
 */
function answer(id: string, msg: Msg, want: 'out' | 'caught' = 'out', ms = 60000): Promise<Msg> {
  const out = node('out');
  const caught = node('caught');
  return new Promise((resolve, reject) => {
    const done = (fn: () => void) => {
      clearTimeout(timer);
      out.off('input', onOut);
      caught.off('input', onCaught);
      fn();
    };
    const timer = setTimeout(() => done(() => reject(new Error(`${id} gave no answer within ${ms} ms`))), ms);
    function onOut(m: Msg) {
      done(() => (want === 'out' ? resolve(m) : reject(new Error(`${id} answered ${JSON.stringify(m.payload)} where an error was expected`))));
    }
    function onCaught(m: Msg) {
      if (m.error?.source?.id !== id) return;
      done(() => (want === 'caught' ? resolve(m) : reject(new Error(`${id} failed: ${m.error.message}\n${m._error?.traceback ?? ''}`))));
    }
    out.on('input', onOut);
    caught.on('input', onCaught);
    node(id).receive(msg);
  });
}

export function boardContract(source: BoardSource, traits: BoardTraits): void {
  if (typeof source === 'string') onFirmware(source, 'node behaviours', () => contractTests(source, traits));
  else contractTests(source, traits);
}

function contractTests(source: BoardSource, traits: BoardTraits): void {
  const kind = typeof source === 'string' ? source : source.name;
  let board: FirmwareBoard | undefined;
  let connectedStatus: { text?: string } = {};

  before(async () => {
    writeTree(path.join(userDir, 'flat'), {
      'main.py': '# entry point\nprint("main")\n',
      'util.py': 'def add(a, b):\n    """Adds."""\n    return a + b\n',
      'data.txt': 'plain text\n',
    });
    writeTree(path.join(userDir, 'deep'), { 'main.py': 'import lib.util\n', 'lib/util.py': 'X = 1\n' });
    if (typeof source === 'string') board = await startFirmware(source);
    await load([
      { id: z, type: 'tab', label: kind },
      device('dev', board ? board.port : (source as { port: string }).port, { name: LABEL, timeout: 20 }),
      exec('run', ''),
      exec('echo', '{{payload}}'),
      exec('lines', 'a = 1\nb = 2\nc = a / (b - 2)'),
      task('area', 'def area(w, h=1):\n    print("w", w)\n    return w * h'),
      task('count', 'def count(n):\n    for i in range(n):\n        yield i * 10', [['parts', 'join']]),
      task('boom', 'def boom(x):\n    y = 1\n    return y / x'),
      thread('ticker', TICKER, [['yields'], ['prints']], 'my ticker'),
      // only where it can run: on a 16 KB board every definition takes from what sync needs
      ...(traits.threads ? [thread('forever', FOREVER, [['forever-out'], []])] : []),
      ...(traits.events ? [
        { id: 'edges', z, type: 'belay-event', device: 'dev', name: 'edge events', code: EDGES, timeout: '', wires: [[]] },
        task('bursts', BURSTS),
      ] : []),
      syncNode('sync', 'flat'),
      syncNode('sync-deep', 'deep'),
      { id: 'join', z, type: 'join', name: '', mode: 'auto', build: 'object', property: 'payload', propertyType: 'msg', key: 'topic', joiner: '\\n', joinerType: 'str', accumulate: false, timeout: '', count: '', reduceRight: false, reduceExp: '', reduceInit: '', reduceInitType: '', reduceFixup: '', wires: [['joined']] },
      { ...catcher('catch', 'caught'), z },
      ...['out', 'parts', 'joined', 'yields', 'prints', 'forever-out', 'caught'].map((id) => ({ ...sink(id), z })),
    ]);
    connectedStatus = await connected('run', 90000);
  });

  after(async () => {
    await unload();
    await board?.stop();
  });

  const run = (msg: Msg, id = 'run') => answer(id, msg);
  const fails = (msg: Msg, id = 'run') => answer(id, msg, 'caught');
  const T = { timeout: 90000 };

  test('the connected status names the firmware', T, () => {
    assert.match(String(connectedStatus.text), traits.status);
  });

  if (traits.rtc) {
    test('connect set the board\'s clock from the host\'s (Belay\'s auto_sync_time)', T, async () => {
      const t = (await run({ code: "__import__('machine').RTC().datetime()" })).payload as number[];
      const board = new Date(t[0], t[1] - 1, t[2], t[4], t[5], t[6]).getTime();
      // the emulated board powers on at its own epoch; within minutes of now means it was set
      assert.ok(Math.abs(board - Date.now()) < 10 * 60_000, `the board's clock reads ${t.join(',')}`);
    });
  }

  test('exec: an expression gives its value, statements give null, msg.stdout holds what was printed', T, async () => {
    const stmt = await run({ code: 'y = 6 * 7', topic: 'keep me' });
    assert.equal(stmt.payload, null);
    assert.equal(stmt.topic, 'keep me');
    assert.equal((await run({ code: 'y' })).payload, 42);
    assert.deepEqual((await run({ code: '[i * i for i in range(4)]' })).payload, [0, 1, 4, 9]);
    const printed = await run({ code: "print('hello')\nprint(1 + 1)" });
    assert.equal(printed.stdout.replace(/\r\n/g, '\n'), 'hello\n2\n');
    assert.equal(printed.payload, null);
  });

  test('exec: {{payload}} goes in as a Python literal and comes back as the same value', T, async () => {
    const values: unknown[] = ["it's \"quoted\" \\ and\nnewline", '', 'ünï ✓', 0, -17, 3.25, true, false, null, [1, 'two', [3]], { a: 1, b: { c: [null, true] } }, Buffer.from([0, 1, 255])];
    for (const v of values) assert.deepEqual((await run({ payload: v }, 'echo')).payload, v, `round trip of ${String(v)}`);
    assert.equal((await run({ payload: "x'); print('injected" }, 'echo')).stdout, '', 'a hostile string stays data');
  });

  test('task: arguments in, return value and printed text out', T, async () => {
    const r = await run({ payload: { w: 3, h: 4 } }, 'area');
    assert.equal(r.payload, 12);
    assert.equal(r.stdout.replace(/\r\n/g, '\n'), 'w 3\n');
    assert.equal((await run({ payload: [5] }, 'area')).payload, 5);
    assert.equal((await run({ args: [2], kwargs: { h: 8 } }, 'area')).payload, 16);
  });

  test('task: a generator streams msg.parts that a real Join node rebuilds', T, async () => {
    const parts = messages('parts', 5, 60000);
    const joined = message('joined', 60000);
    node('count').receive({ payload: 5, topic: 'seq' });
    const got = await parts;
    assert.deepEqual(got.map((m) => m.payload), [0, 10, 20, 30, 40]);
    assert.deepEqual(got.map((m) => m.parts.index), [0, 1, 2, 3, 4]);
    assert.equal(new Set(got.map((m) => m.parts.id)).size, 1);
    assert.deepEqual(got.map((m) => m.parts.count), [undefined, undefined, undefined, undefined, 5]);
    assert.deepEqual((await joined).payload, [0, 10, 20, 30, 40]);
  });

  test('errors reach Catch with the Python class as code and lines counted from the node\'s code', T, async () => {
    const fromTask = messageWhere('caught', (m) => m.marker === 'task', 60000);
    node('boom').receive({ payload: 0, marker: 'task' });
    const t = await fromTask;
    assert.equal(t.error.code, 'ZeroDivisionError');
    assert.equal(t.error.source.id, 'boom');
    assert.equal(t.payload, 0, 'the original message');
    assert.match(t._error.traceback, /line 3, in boom/, t._error.traceback);
    assert.match(t.error.message, new RegExp(LABEL), 'the message names the board');
    const e = await fails({ marker: 'exec' }, 'lines');
    assert.equal(e.error.code, 'ZeroDivisionError');
    assert.match(e._error.traceback, /line 3\b/, e._error.traceback);
    assert.equal((await run({ payload: 4 }, 'boom')).payload, 0.25, 'the next call works');
  });

  test('a call that runs too long fails with a timeout, and the board works afterwards', T, async () => {
    const started = Date.now();
    const slow = await fails({ code: 'while True:\n    pass', timeout: 1.5, marker: 'spin' });
    assert.equal(slow.marker, 'spin');
    assert.equal(slow._error.type, 'TimeoutError');
    assert.equal(slow.error.code, 'TimeoutError', 'a host-side code, not a Python class');
    assert.ok(Date.now() - started >= 1400, 'it waited for the timeout');
    assert.equal((await run({ code: '1 + 1' })).payload, 2);
    assert.equal((await run({ payload: [6, 7] }, 'area')).payload, 42, 'defined tasks survive the interrupt');
  });

  if (traits.threads) {
    test('thread: yields on output 1 with the node name as topic, printed lines on output 2', T, async () => {
      const yields = messages('yields', 3, 60000);
      const prints = messages('prints', 3, 60000);
      node('ticker').receive({ payload: [3], marker: 'start' });
      const ys = await yields;
      assert.deepEqual(ys.map((m) => m.payload), [0, 1, 2]);
      assert.ok(ys.every((m) => m.topic === 'my ticker' && m.marker === 'start'));
      assert.deepEqual((await prints).map((m) => m.payload), ['tick 0', 'tick 1', 'tick 2']);
      await statusOf('ticker', (s) => s.fill === 'green', 60000);
    });

    test('thread: msg.stop stops it at its next yield; the board works on', T, async () => {
      const firstTwo = messages('forever-out', 2, 60000);
      node('forever').receive({});
      await firstTwo;
      // the Pico runs one thread beside the REPL (on its second core): a second start is refused
      const refused = await fails({ payload: [1], marker: 'second' }, 'ticker');
      assert.equal(refused.marker, 'second');
      assert.equal(refused.error.code, 'OSError');
      node('forever').receive({ stop: true });
      await statusOf('forever', (s) => s.text === 'stopped', 60000);
      const last = (await run({ code: 'ticks' })).payload as number;
      let later = 0;
      const count = (m: Msg) => { if (m.payload > last) later++; };
      node('forever-out').on('input', count);
      try {
        // a stopped thread would have ticked about ten times while the board sleeps here
        assert.equal((await run({ code: "__import__('time').sleep(0.5) or ticks" })).payload, last);
      } finally {
        node('forever-out').off('input', count);
      }
      assert.equal(later, 0, 'no values yielded after the stop');
    });
  } else {
    test('thread: the board has no _thread, and the start fails with an error naming the board', T, async () => {
      const err = await fails({ payload: [3], marker: 'no-thread' }, 'ticker');
      assert.equal(err.marker, 'no-thread');
      assert.match(err.error.message, new RegExp(LABEL));
      assert.match(err.error.message, /_thread/);
      assert.equal((await run({ code: '1 + 1' })).payload, 2, 'the board works on');
    });
  }

  if (traits.events) {
    test('event: a pin IRQ handler that raises while another node\'s task runs reaches Catch from the event node, not the task\'s msg.stdout; once per distinct error per second', T, async () => {
      const caught: Msg[] = [];
      const onCaught = (m: Msg) => { if (m.error?.source?.id === 'edges') caught.push(m); };
      node('caught').on('input', onCaught);
      try {
        // two bursts of 10 edges, 1.1 s of board time apart
        const r = await run({ payload: [10, 1100] }, 'bursts');
        assert.equal(r.payload, 10);
        assert.equal(r.stdout.replace(/\r\n/g, '\n'), 'bursts done\n', 'the task\'s output holds none of the handler\'s errors');
        // every frame the board wrote before this answer has been read
        await run({ code: 'None' });
      } finally {
        node('caught').off('input', onCaught);
      }
      assert.deepEqual(caught.map((m) => m.error.code), ['ValueError', 'IndexError', 'ValueError', 'IndexError'], 'each distinct error once per burst');
      assert.match(caught[0].error.message, /odd edge/);
      assert.match(caught[0]._error.traceback, /File "edge events", line 6, in edge/, caught[0]._error.traceback);
      assert.match(caught[1]._error.traceback, /File "edge events", line 7, in edge/, caught[1]._error.traceback);
      for (const m of caught) assert.doesNotMatch(m._error.traceback, /belay-|_bv/);
    });
  }

  if (traits.sync !== false && traits.readOnly) {
    test('sync: a read-only filesystem fails with what to do (a boot.py that remounts it)', T, async () => {
      const err = await fails({ marker: 'ro' }, 'sync');
      assert.equal(err.marker, 'ro');
      assert.match(err.error.message, new RegExp(LABEL));
      assert.match(err.error.message, /read-only/);
      assert.match(err.error.message, /boot\.py/);
      assert.match(err.error.message, /storage\.remount/);
      assert.equal((await run({ code: '1 + 1' })).payload, 2, 'the board works on');
    });
  }

  if (traits.sync !== false && !traits.readOnly) {
    test('sync: a flat folder is mirrored, and an unchanged one uploads nothing', T, async () => {
      const first = (await run({}, 'sync')).payload;
      assert.deepEqual([...first.uploaded].sort(), ['/data.txt', '/main.py', '/util.py']);
      assert.ok(first.bytes > 0);
      assert.equal(await run({ code: "open('util.py').read().count('\\n')" }).then((m) => m.payload), 3, 'minify keeps the lines');
      assert.equal(await run({ code: "open('data.txt').read()" }).then((m) => m.payload), 'plain text\n');
      const again = (await run({}, 'sync')).payload;
      assert.deepEqual(again.uploaded, []);
      assert.deepEqual([...again.unchanged].sort(), ['/data.txt', '/main.py', '/util.py']);
      assert.equal(again.bytes, 0);
    });

    if (traits.folders) {
      test('sync: a folder with subfolders is mirrored', T, async () => {
        const r = (await run({}, 'sync-deep')).payload;
        assert.deepEqual([...r.uploaded].sort(), ['/lib/util.py', '/main.py']);
        assert.deepEqual([...r.deleted].sort(), ['/data.txt', '/util.py']);
        assert.equal(await run({ code: "open('/lib/util.py').read()" }).then((m) => m.payload), 'X = 1\n');
      });
    } else {
      test('sync: a folder with subfolders fails with a clear error naming the board\'s limit', T, async () => {
        // the refusal comes before anything is deleted: a board file the host folder lacks stays
        await run({ code: "f = open('stay.txt', 'w')\nf.write('here')\nf.close()" });
        const err = await fails({ marker: 'deep' }, 'sync-deep');
        assert.equal(err.marker, 'deep');
        assert.match(err.error.message, new RegExp(LABEL));
        assert.match(err.error.message, /flat|sub ?folder|director/i, err.error.message);
        assert.match(err.error.message, /lib/, 'it names the folder that cannot go there');
        assert.equal(await run({ code: "open('stay.txt').read()" }).then((m) => m.payload), 'here', 'the board\'s files are untouched');
      });
    }
  }

  // last: a board whose memory runs out on the way fails the tests after this one too
  test('500 task calls queued at once are all answered, in order, and the board\'s memory lasts', T, async () => {
    const got: Msg[] = [];
    const out = node('out');
    const caught = node('caught');
    let onOut!: (m: Msg) => void;
    let onCaught!: (m: Msg) => void;
    const all = new Promise<void>((resolve, reject) => {
      onOut = (m) => { if (got.push(m) === 500) resolve(); };
      onCaught = (m) => reject(new Error(`call ${m.seq} failed after ${got.length} answers: ${m.error.message}`));
    });
    out.on('input', onOut);
    caught.on('input', onCaught);
    try {
      for (let i = 0; i < 500; i++) node('area').receive({ payload: [i], seq: i });
      await all;
    } finally {
      out.off('input', onOut);
      caught.off('input', onCaught);
    }
    assert.deepEqual(got.map((m) => m.seq), [...Array(500).keys()]);
    assert.ok(got.every((m) => m.payload === m.seq), 'every call returned its own argument');
  });
}

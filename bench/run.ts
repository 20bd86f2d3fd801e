/**
 * npm run bench: figures printed side by side with a baseline measured in the same run, never asserted.
 *
 *  - task call: the Device's dispatcher path against the plain raw-REPL exec per call that Belay does
 *    (median, p99, calls/s, bytes on the wire and round trips per call)
 *  - sync: 50 files / 200 KB, first run and unchanged re-run, against Belay's upload scheme
 *    (one raw exec per 256-byte chunk)
 *  - memory per virtual board
 *  - real firmware (bench/firmware.ts): the emulated Pico and micro:bit, when ../shared/boards is there
 *  - calls in flight (bench/burst.ts): a burst with the window against one call at a time
 *  - soak (bench/soak.ts): 200,000 calls on one connection, the board's heap before and after
 *  - long values (bench/long-values.ts): a 1 MB string into exec code and back, against the old paths
 * against the virtual board in-process and, when socat is installed, over a real pty.
 * The three call paths run side by side, taking turns a block of calls at a time.
 * BENCH_CALLS=N sets the number of calls (default 2000); BENCH_ONLY=inprocess|pty runs one half;
 * BENCH_DECILES=1 also prints each call path's deciles (in microseconds).
 */
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { Device } from '../src/board/device';
import { createLink } from '../src/board/link';
import { RawRepl } from '../src/board/raw-repl';
import { pyBytes } from '../src/board/python/literal';
import { CountingLink } from './counting-link';
import { servePty, type PtyEndpoint } from './pty-endpoint';
import { memoryFigures } from './memory';
import { firmwareFigures } from './firmware';
import { burstFigures } from './burst';
import { soakFigures } from './soak';
import { eventFigures } from './events';
import { longValueFigures } from './long-values';

const CALLS = Number(process.env.BENCH_CALLS || 2000);

interface CallFigures { median: number; p99: number; perSec: number; bytes: number; roundTrips: number; deciles: number[] }

function stats(times: number[], counter: CountingLink, n: number): CallFigures {
  const sorted = [...times].sort((a, b) => a - b);
  const total = times.reduce((a, b) => a + b, 0);
  return {
    median: sorted[Math.floor(sorted.length / 2)],
    p99: sorted[Math.min(sorted.length - 1, Math.floor(sorted.length * 0.99))],
    perSec: 1000 / (total / n),
    bytes: (counter.bytesIn + counter.bytesOut) / n,
    roundTrips: counter.roundTrips / n,
    deciles: [1, 2, 3, 4, 5, 6, 7, 8, 9].map((d) => sorted[Math.floor(sorted.length * d / 10)]),
  };
}

/** One way of making the call, open and warmed up, ready to be timed a block at a time. */
interface Setup {
  name: string;
  counter: CountingLink;
  call(i: number): Promise<unknown>;
  times: number[];
  close(): Promise<void>;
}

const TASK = 'def add(a, b):\n    return a + b\n';
/** Calls per timed block; the setups take turns block by block (in rotating order). */
const BLOCK = 50;

/** The Device's call path (dispatcher loop when the board runs it, else one raw exec per call). */
async function deviceSetup(name: string, port: string, dispatcher: boolean): Promise<Setup> {
  let counter!: CountingLink;
  const dev = new Device({ port, softReset: true }, (p, o) => (counter = new CountingLink(createLink(p, o))));
  dev.useDispatcher = dispatcher;
  await dev.connect();
  await dev.define('bench', TASK);
  return { name, counter, times: [], call: (i) => dev.call('add', [i, 1]), close: () => dev.close() };
}

/** What Belay does per call: one raw-REPL exec (raw-paste where offered) printing a tagged repr. */
async function baselineSetup(port: string): Promise<Setup> {
  const counter = new CountingLink(createLink(port, {}));
  await counter.open();
  const repl = new RawRepl(counter, port);
  await repl.enterRaw(true);
  await repl.exec(TASK, 5000);
  return {
    name: 'baseline: Belay-style raw exec',
    counter,
    times: [],
    call: async (i) => {
      const r = await repl.exec(`print('_BELAYR' + repr(add(${i}, 1)))`, 5000);
      if (!r.stdout.toString().startsWith('_BELAYR')) throw new Error('baseline call failed: ' + r.stderr.toString());
    },
    close: async () => {
      await repl.exitRaw();
      await counter.close();
    },
  };
}

/**
 * Times CALLS calls on every setup. The setups take turns, a block of calls each in an order that
 * rotates, so whatever the machine does meanwhile (other processes, CPU frequency, a GC) falls on
 * all of them alike and the ratios compare like with like.
 */
async function timeInterleaved(setups: Setup[]): Promise<CallFigures[]> {
  for (const s of setups) {
    for (let i = 0; i < 50; i++) await s.call(i); // warm-up
    s.counter.reset();
  }
  const rounds = Math.ceil(CALLS / BLOCK);
  for (let r = 0; r < rounds; r++) {
    for (let k = 0; k < setups.length; k++) {
      const s = setups[(r + k) % setups.length];
      const n = Math.min(BLOCK, CALLS - r * BLOCK);
      for (let i = 0; i < n; i++) {
        const t = process.hrtime.bigint();
        await s.call(i);
        s.times.push(Number(process.hrtime.bigint() - t) / 1e6);
      }
    }
  }
  return setups.map((s) => stats(s.times, s.counter, s.times.length));
}

function makeFolder(): string {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'belay-bench-'));
  let seed = 1;
  const rand = () => (seed = (seed * 1103515245 + 12345) & 0x7fffffff) & 0xff;
  for (let i = 0; i < 50; i++) {
    const sub = path.join(dir, i % 5 === 0 ? 'lib' : '.');
    fs.mkdirSync(sub, { recursive: true });
    const data = Buffer.alloc(4096);
    for (let j = 0; j < data.length; j++) data[j] = rand();
    fs.writeFileSync(path.join(sub, `f${i}.bin`), data);
  }
  return dir;
}

async function benchSync(port: string, folder: string): Promise<{ first: number; again: number; bytes: number; rtFirst: number }> {
  let counter!: CountingLink;
  const dev = new Device({ port }, (p, o) => (counter = new CountingLink(createLink(p, o))));
  await dev.connect();
  await dev.exec('import os\ntry:\n    os.mkdir("/bench")\nexcept OSError:\n    pass');
  counter.reset();
  const first = await dev.sync({ source: folder, dest: '/bench', minify: false });
  const rtFirst = counter.roundTrips;
  const again = await dev.sync({ source: folder, dest: '/bench', minify: false });
  await dev.exec('import os\ndef _rm(p):\n    for n in os.listdir(p):\n        q = p + "/" + n\n        if os.stat(q)[0] & 0x4000:\n            _rm(q)\n            os.rmdir(q)\n        else:\n            os.remove(q)\n_rm("/bench")');
  await dev.close();
  return { first: first.ms, again: again.ms, bytes: first.bytes, rtFirst };
}

/** Belay's upload: one raw exec per 256-byte chunk, the chunk as a bytes repr. */
async function benchBelayUpload(port: string, folder: string): Promise<{ ms: number; roundTrips: number }> {
  const counter = new CountingLink(createLink(port, {}));
  await counter.open();
  const repl = new RawRepl(counter, port);
  await repl.enterRaw(true);
  await repl.exec('import os\ntry:\n    os.mkdir("/belaybench")\nexcept OSError:\n    pass\ntry:\n    os.mkdir("/belaybench/lib")\nexcept OSError:\n    pass', 5000);
  counter.reset();
  const t0 = Date.now();
  const files: string[] = [];
  const walk = (d: string) => {
    for (const e of fs.readdirSync(d, { withFileTypes: true })) {
      const p = path.join(d, e.name);
      if (e.isDirectory()) walk(p); else files.push(p);
    }
  };
  walk(folder);
  for (const f of files) {
    const rel = path.relative(folder, f).split(path.sep).join('/');
    const data = fs.readFileSync(f);
    await repl.exec(`f = open('/belaybench/${rel}', 'wb')`, 5000);
    for (let i = 0; i < data.length; i += 256) await repl.exec(`f.write(${pyBytes(data.subarray(i, i + 256))})`, 5000);
    await repl.exec('f.close()', 5000);
  }
  const ms = Date.now() - t0;
  const roundTrips = counter.roundTrips;
  await repl.exitRaw();
  await counter.close();
  return { ms, roundTrips };
}

const fmt = (n: number, d = 2) => n.toFixed(d).padStart(9);

function printCalls(title: string, rows: [string, CallFigures][]): void {
  console.log(`\n${title}  (${CALLS} calls of add(i, 1))`);
  console.log('                                   median ms   p99 ms   calls/s  bytes/call  round trips/call');
  for (const [name, f] of rows) {
    console.log(`  ${name.padEnd(32)}${fmt(f.median)}${fmt(f.p99)}${fmt(f.perSec, 0)}${fmt(f.bytes, 1)}   ${fmt(f.roundTrips, 2)}`);
  }
  const [, fast] = rows[0];
  const [, base] = rows[rows.length - 1];
  console.log(`  => dispatcher vs baseline: ${(fast.median / base.median * 100).toFixed(0)}% of the median round trip, ` +
    `${(fast.bytes / base.bytes * 100).toFixed(0)}% of the bytes on the wire (targets: <= 50%, <= 33%)`);
  if (process.env.BENCH_DECILES) {
    console.log('  deciles, us:');
    for (const [name, f] of rows) console.log(`    ${name.padEnd(32)}${f.deciles.map((d) => (d * 1000).toFixed(0).padStart(6)).join('')}`);
  }
}

async function benchCalls(title: string, ports: [string, string, string]): Promise<void> {
  const setups = [
    await deviceSetup('Device (dispatcher loop)', ports[0], true),
    await deviceSetup('Device (one raw exec per call)', ports[1], false),
    await baselineSetup(ports[2]),
  ];
  try {
    const figures = await timeInterleaved(setups);
    printCalls(title, setups.map((s, i) => [s.name, figures[i]]));
  } finally {
    for (const s of setups) await s.close();
  }
}

async function benchSyncs(title: string, port: string, folder: string): Promise<void> {
  const s = await benchSync(port, folder);
  const b = await benchBelayUpload(port, folder);
  const kb = s.bytes / 1024;
  console.log(`\nsync of 50 files / ${kb.toFixed(0)} KB to ${title}`);
  console.log(`  first run        ${fmt(s.first, 0)} ms  ${fmt(kb / (s.first / 1000), 1)} KB/s  ${s.rtFirst} round trips`);
  console.log(`  unchanged re-run ${fmt(s.again, 0)} ms`);
  console.log(`  baseline: Belay's 256 bytes per round trip ${fmt(b.ms, 0)} ms  ${fmt(kb / (b.ms / 1000), 1)} KB/s  ${b.roundTrips} round trips`);
  console.log(`  => upload speed-up ${(b.ms / s.first).toFixed(1)}x (target >= 5x)`);
}

async function main(): Promise<void> {
  const folder = makeFolder();
  const id = process.pid;
  try {
    if (process.env.BENCH_ONLY !== 'pty') {
      const title = 'virtual board, in-process';
      await benchCalls(title, [`virtual:bench-${id}-a`, `virtual:bench-${id}-b`, `virtual:bench-${id}-c`]);
      await benchSyncs(title, `virtual:bench-${id}-a`, folder);
    }
    if (process.env.BENCH_ONLY !== 'inprocess') {
      const ptys: PtyEndpoint[] = [];
      try {
        for (const k of ['a', 'b', 'c']) ptys.push(await servePty(`bench-pty-${id}-${k}`));
      } catch (e) {
        console.log(`\n(pty figures skipped: ${(e as Error).message})`);
      }
      try {
        if (ptys.length === 3) {
          const title = 'virtual board over a pty';
          await benchCalls(title, [ptys[0].path, ptys[1].path, ptys[2].path]);
          await benchSyncs(title, ptys[0].path, folder);
        }
      } finally {
        for (const p of ptys) await p.close();
      }
    }
    if (!process.env.BENCH_ONLY) await memoryFigures();
    if (!process.env.BENCH_ONLY) await firmwareFigures();
    if (!process.env.BENCH_ONLY || process.env.BENCH_ONLY === 'burst') await burstFigures();
    if (!process.env.BENCH_ONLY || process.env.BENCH_ONLY === 'soak') await soakFigures();
    if (!process.env.BENCH_ONLY || process.env.BENCH_ONLY === 'events') await eventFigures();
    if (!process.env.BENCH_ONLY || process.env.BENCH_ONLY === 'long') await longValueFigures();
    if (!process.env.BENCH_ONLY || process.env.BENCH_ONLY === 'footprint') await (await import('./footprint.js')).footprintFigures();
  } finally {
    fs.rmSync(folder, { recursive: true, force: true });
  }
  process.exit(0);
}

main().catch((e) => {
  console.error(e);
  process.exit(1);
});

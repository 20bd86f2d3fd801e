/**
 * Footprint of virtual boards (issue #15): what an idle board and a running thread add to the
 * process, 32 idle boards, and how long a soft reset and a thread start take. Then many boards at
 * once, through the board API and through a Node-RED flow per board (bench/many-boards.ts).
 *
 * Each part runs in a child process of its own (`node --expose-gc dist/bench/footprint.js PART`), so
 * that RSS is the boards' and not what earlier benchmarks left behind.
 * BENCH_BOARDS=N sets the number of boards (default 32).
 */
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { Worker } from 'node:worker_threads';
import { Device } from '../src/board/device';
import { VirtualBoard } from '../src/virtual';
import { resolveProfile } from '../src/virtual/profile';
import { spareReady } from '../src/virtual/spares';
import { WORKER_LIMITS } from '../src/virtual/interpreter';
import { manyBoardFigures } from './many-boards';
import { runChild } from './child';

const BOARDS = Number(process.env.BENCH_BOARDS || 32);
/** threads started by one call in the burst figure */
const BURST = 4;
/**
 * The design before issue #15 (commit 70844df: a main and a booted spare interpreter per board, the
 * whole 16 MiB wasm memory copied at a thread start), measured with this script on the same machine
 * (its thread starts back to back only; two runs, soft reset 47 and 82 ms); the old path is not kept,
 * so it cannot run beside the new one.
 */
const BASELINE = { idleMiB: 45.3, threadMiB: 32.2, rss32MiB: 1515, resetMs: 64.5, threadMs: undefined, backMs: 112 };
const TARGET = { idleMiB: 16, threadMiB: 8, rss32MiB: 600, resetMs: 50, threadMs: 50 };

const MiB = 2 ** 20;
const rss = () => process.memoryUsage().rss;
const median = (v: number[]) => [...v].sort((a, b) => a - b)[Math.floor(v.length / 2)];
const max = (v: number[]) => Math.max(...v);

/** RSS once it has settled: host garbage collected, no change beyond 1 MiB over 300 ms. */
async function settledRss(): Promise<number> {
  let last = 0;
  for (let i = 0; i < 20; i++) {
    global.gc?.();
    await new Promise((r) => setTimeout(r, 300));
    const now = rss();
    if (Math.abs(now - last) < MiB) return now;
    last = now;
  }
  return last;
}

const THREAD = [
  'def idle_thread():',
  '    import time',
  '    while True:',
  '        time.sleep_ms(100)',
  '        yield 0',
].join('\n');

/** A board in the raw REPL, read as text: the soft reset and thread start are timed on it. */
async function rawBoard(name: string, fsDir: string) {
  const board = new VirtualBoard({ name, fsDir });
  let text = '';
  let wake: (() => void) | undefined;
  board.on('data', (d: Buffer) => { text += d.toString('latin1'); wake?.(); });
  /** keep: leave the text before s for a later wait */
  const until = async (s: string, keep = false) => {
    const deadline = Date.now() + 10000;
    while (!text.includes(s)) {
      if (Date.now() > deadline) throw new Error(`virtual:${name}: no ${JSON.stringify(s)} within 10 s; got ${JSON.stringify(text.slice(-200))}`);
      await new Promise<void>((r) => { wake = r; setTimeout(r, 50); });
    }
    const at = text.indexOf(s);
    text = keep ? text.slice(0, at) + text.slice(at + s.length) : text.slice(at + s.length);
  };
  await board.start();
  board.write(Buffer.from('\r\x01'));
  await until('raw REPL; CTRL-B to exit\r\n>');
  return { board, until };
}

/**
 * What a Node worker costs with nothing in it, with the limits an interpreter's worker has: the floor
 * under a running thread, which is one worker (bench/footprint.ts's own figure, same run).
 */
async function bareWorkerMiB(count = 8): Promise<number> {
  const before = await settledRss();
  const workers: Worker[] = [];
  for (let i = 0; i < count; i++) {
    const w = new Worker('require("node:worker_threads").parentPort.postMessage(0); setInterval(() => {}, 1 << 30)', { eval: true, resourceLimits: WORKER_LIMITS });
    await new Promise((r) => w.once('message', r));
    workers.push(w);
  }
  const after = await settledRss();
  await Promise.all(workers.map((w) => w.terminate()));
  return (after - before) / count / MiB;
}

async function footprintChild(): Promise<void> {
  const root = fs.mkdtempSync(path.join(os.tmpdir(), 'belay-footprint-'));
  const devices: Device[] = [];
  try {
    const bareMiB = await bareWorkerMiB();
    const rss0 = await settledRss();
    const connect = async (i: number) => {
      const d = new Device({ port: `virtual:fp-${process.pid}-${i}`, timeout: 30 });
      await d.connect();
      await d.define('t', THREAD);
      devices.push(d);
    };
    await connect(0);
    const rss1 = await settledRss();
    for (let i = 1; i < BOARDS; i++) await connect(i);
    const rssN = await settledRss();
    const idle = (rssN - rss1) / (BOARDS - 1) / MiB;

    const threads = Math.min(8, BOARDS);
    const handles = [];
    for (let i = 0; i < threads; i++) {
      handles.push(await devices[i].startThread('idle_thread', [], {}, {
        onYield() {}, onPrint() {}, onError(e) { throw e; }, onEnd() {},
      }));
    }
    const rssT = await settledRss();
    const perThread = (rssT - rssN) / threads / MiB;
    for (const h of handles) await h.stop();
    for (const d of devices.splice(0)) await d.close();

    // Latencies on a board of their own, in the raw REPL (what a Device's connect and startThread wait for).
    const b = await rawBoard(`fp-raw-${process.pid}`, path.join(root, 'raw'));
    const resets: number[] = [];
    const starts: number[] = [];
    for (let i = 0; i < 20; i++) {
      b.board.write(Buffer.from(`import _thread\nx = [bytearray(100) for i in range(${100 * i})]\n\x04`));
      await b.until('\x04>');
      const t0 = performance.now();
      b.board.write(Buffer.from('\x04'));
      await b.until('soft reboot\r\nraw REPL; CTRL-B to exit\r\n>');
      resets.push(performance.now() - t0);
    }
    b.board.write(Buffer.from('import _thread\n\x04'));
    await b.until('\x04>');
    // A thread start takes a booted spare and another boots behind it: started one after the other,
    // each waits for the boot of the one before (back to back); otherwise the spare is ready.
    const back: number[] = [];
    for (let i = 0; i < 40; i++) {
      const spaced = i % 2 === 0;
      if (spaced) await spareReady(resolveProfile({}));
      const t0 = performance.now();
      b.board.write(Buffer.from(`_thread.start_new_thread(print, ('started %d' % ${i},))\x04`));
      // the thread's line may come before or after the exec's end
      await b.until(`started ${i}`, true);
      (spaced ? starts : back).push(performance.now() - t0);
      await b.until('\x04>');
    }
    // Four started by one call (a flow whose thread nodes all start on connect): the pool holds
    // two booted spares, so the last ones wait for boots.
    const bursts: number[] = [];
    for (let round = 0; round < 5; round++) {
      await spareReady(resolveProfile({}));
      const t0 = performance.now();
      b.board.write(Buffer.from(`for i in range(${BURST}):\n    _thread.start_new_thread(print, ('burst ${round}.%d' % i,))\n\x04`));
      for (let i = 0; i < BURST; i++) await b.until(`burst ${round}.${i}\r\n`, true);
      bursts.push(performance.now() - t0);
      await b.until('\x04>');
    }
    await b.board.close();
    console.log(JSON.stringify({
      idleMiB: idle, threadMiB: perThread, rss32MiB: rssN / MiB, rss0MiB: rss0 / MiB,
      resetMs: median(resets), resetMax: max(resets), threadMs: median(starts), threadMax: max(starts),
      backMs: median(back), backMax: max(back), burstMs: median(bursts), burstMax: max(bursts), bareMiB,
    }));
  } finally {
    for (const d of devices) await d.close().catch(() => undefined);
    fs.rmSync(root, { recursive: true, force: true });
  }
}

function row(name: string, unit: string, now: number, base: number | undefined, target: number, note = ''): void {
  const ok = now <= target ? 'ok' : 'MISSED';
  const was = base === undefined ? '-' : base.toFixed(1);
  console.log(`  ${name.padEnd(30)}${now.toFixed(1).padStart(8)} ${unit.padEnd(4)}  baseline ${was.padStart(7)}   target <= ${String(target).padEnd(4)} ${ok}${note}`);
}

export async function footprintFigures(): Promise<void> {
  const f = await runChild(__filename, 'footprint');
  console.log(`\nFootprint of virtual boards (${BOARDS} boards connected through a Device each, idle in the agent's loop; baseline: the design before, measured with this script)`);
  row('idle board', 'MiB', f.idleMiB, BASELINE.idleMiB, TARGET.idleMiB);
  row('running thread, more', 'MiB', f.threadMiB, BASELINE.threadMiB, TARGET.threadMiB);
  row(`${BOARDS} idle boards, process RSS`, 'MiB', f.rss32MiB, BASELINE.rss32MiB, TARGET.rss32MiB, `  (process without boards ${f.rss0MiB.toFixed(0)} MiB)`);
  row('soft reset (median)', 'ms', f.resetMs, BASELINE.resetMs, TARGET.resetMs, `  (max ${f.resetMax.toFixed(1)})`);
  row('thread start (median)', 'ms', f.threadMs, BASELINE.threadMs, TARGET.threadMs, `  (max ${f.threadMax.toFixed(1)})`);
  row('thread start, back to back', 'ms', f.backMs, BASELINE.backMs, TARGET.threadMs, `  (max ${f.backMax.toFixed(1)}; the second of two booted spares)`);
  row(`${BURST} thread starts at once, all`, 'ms', f.burstMs, undefined, TARGET.threadMs, `  (max ${f.burstMax.toFixed(1)}; two find spares, the rest wait for boots)`);
  console.log(`  ${'bare Node worker, same limits'.padEnd(30)}${f.bareMiB.toFixed(1).padStart(8)} MiB   (same run: the floor under a running thread, which is one such worker)`);
  await manyBoardFigures();
}

if (require.main === module) {
  const part = process.argv[2];
  const run = part === 'footprint' ? footprintChild() : part ? Promise.reject(new Error(`unknown part ${part}`)) : footprintFigures();
  run.then(() => process.exit(0), (e) => {
    console.error(e);
    process.exit(1);
  });
}

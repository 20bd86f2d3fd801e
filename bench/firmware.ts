/**
 * Figures on real MicroPython firmware (../shared/boards): the emulated Pico (MicroPython 1.26.1 in
 * rp2040js) and micro:bit (MicroPython 1.9.2 in QEMU), each behind a socat pty.
 *
 *  - task call: the median latency of a call through the Device API, against a plain raw-REPL
 *    exchange per call on the same board in the same run (what Belay does: `print(repr(f(args)))`)
 *  - sync: a folder of random binary files (the Pico: 20 files / 96 KB into /bench; the micro:bit,
 *    flat, about 9 KB of free heap and a small filesystem: 6 files / 6 KB into /), first run and unchanged
 *    re-run, against one raw exec per 256-byte chunk (Belay's upload) on the same board in the same
 *    run, each starting from a board without those files
 *
 * The two paths take turns on one board (a pty has one reader), the Device first. An emulated
 * board computes at a fraction of a real one's speed, so these figures rank the paths; they are not
 * a real board's. BENCH_FW_CALLS=N sets the calls per path (default 200), BENCH_FW_SYNC_RUNS=N the
 * sync/baseline pairs per board (default 1), BENCH_FW_ONLY=calls|sync one kind of figure,
 * BENCH_FW_BOARDS=pico,microbit the boards.
 */
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { Device } from '../src/board/device';
import { SerialLink } from '../src/board/link/serial';
import { RawRepl } from '../src/board/raw-repl';
import { pyBytes } from '../src/board/python/literal';
import type { SyncResult } from '../src/board/types';
import { BOARD_NAMES, firmwareAvailable, startFirmware, type FirmwareKind } from '../test/support/firmware';

const CALLS = Number(process.env.BENCH_FW_CALLS || 200);
const WARM_UP = 20;
const TASK = 'def add(a, b):\n    return a + b\n';
const SYNC_RUNS = Number(process.env.BENCH_FW_SYNC_RUNS || 1);

/** What each board syncs: where to, and how much of it fits there. */
const SYNC: Record<FirmwareKind, { files: number; bytes: number; dest: string; baseDir: string }> = {
  pico: { files: 20, bytes: 4900, dest: '/bench', baseDir: '/belaybench' },
  // a flat filesystem and about 9 KB of free heap: a small project's worth, into /
  microbit: { files: 6, bytes: 1000, dest: '/', baseDir: '' },
};

interface Timing { median: number; p90: number; perSec: number }

function timing(times: number[]): Timing {
  const sorted = [...times].sort((a, b) => a - b);
  const total = times.reduce((a, b) => a + b, 0);
  return { median: sorted[Math.floor(sorted.length / 2)], p90: sorted[Math.floor(sorted.length * 0.9)], perSec: 1000 * times.length / total };
}

async function timeCalls(call: (i: number) => Promise<unknown>): Promise<Timing> {
  for (let i = 0; i < WARM_UP; i++) await call(i);
  const times: number[] = [];
  for (let i = 0; i < CALLS; i++) {
    const t = process.hrtime.bigint();
    await call(i);
    times.push(Number(process.hrtime.bigint() - t) / 1e6);
  }
  return timing(times);
}

/** The plain raw REPL on a link of its own, soft-reset, with `setup` run once. */
async function rawRepl(port: string, setup: string): Promise<{ repl: RawRepl; close(): Promise<void> }> {
  const link = new SerialLink(port);
  await link.open();
  const repl = new RawRepl(link, port);
  await repl.enterRaw(true);
  if (setup) await exec(repl, setup);
  return {
    repl,
    async close() {
      // Closed while the board still answers, the port can stay locked a moment after close()
      // resolves, and the next open fails: wait for the friendly prompt that ends the answer.
      const prompt = untilSeen(link, '>>> ', 5000);
      await repl.exitRaw();
      await prompt;
      await link.close();
    },
  };
}

/** Resolves once `text` has come in on the link, or after `ms` at the latest. */
function untilSeen(link: SerialLink, text: string, ms: number): Promise<void> {
  return new Promise((resolve) => {
    let seen = '';
    const done = () => {
      clearTimeout(timer);
      link.off('data', onData);
      resolve();
    };
    const onData = (c: Buffer) => {
      seen = (seen + c.toString('latin1')).slice(-64);
      if (seen.includes(text)) done();
    };
    const timer = setTimeout(done, ms);
    link.on('data', onData);
  });
}

async function exec(repl: RawRepl, code: string): Promise<string> {
  const r = await repl.exec(code, 20000);
  if (r.stderr.length) throw new Error(`raw exec failed: ${r.stderr.toString()}`);
  return r.stdout.toString();
}

const fmt = (n: number, d = 2) => n.toFixed(d).padStart(9);

async function callFigures(kind: FirmwareKind, port: string): Promise<void> {
  console.log(`\ntask call on the ${BOARD_NAMES[kind]}  (${CALLS} calls of add(i, 1) per path)`);
  console.log('                                   median ms   p90 ms   calls/s');
  const row = (name: string, t: Timing) => console.log(`  ${name.padEnd(32)}${fmt(t.median)}${fmt(t.p90)}${fmt(t.perSec, 0)}`);
  let device: Timing | undefined;
  const dev = new Device({ port, name: kind });
  try {
    const info = await dev.connect();
    await dev.define('bench', TASK);
    device = await timeCalls((i) => dev.call('add', [i, 1]));
    const callPath = (info as { callPath?: string }).callPath;
    row(`Device API${callPath ? ` (${callPath})` : ''}`, device);
  } catch (err) {
    console.log(`  Device API: failed: ${(err as Error).message.split('\n')[0]}`);
  } finally {
    await dev.close().catch(() => undefined);
  }
  const base = await rawRepl(port, TASK);
  try {
    const baseline = await timeCalls(async (i) => {
      const out = await exec(base.repl, `print(repr(add(${i}, 1)))`);
      if (out.trim() !== String(i + 1)) throw new Error(`baseline call answered ${JSON.stringify(out)}`);
    });
    row('baseline: Belay-style raw exec', baseline);
    if (device) console.log(`  => Device vs baseline: ${(device.median / baseline.median * 100).toFixed(0)}% of the median round trip`);
  } finally {
    await base.close();
  }
}

function makeFolder(kind: FirmwareKind): { dir: string; bytes: number } {
  const { files, bytes } = SYNC[kind];
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'belay-bench-fw-'));
  // xorshift32: every byte value alike (an LCG's low byte in doubles was three quarters zeros)
  let x = 0x2545f491;
  for (let i = 0; i < files; i++) {
    const data = Buffer.alloc(bytes);
    for (let j = 0; j < data.length; j++) {
      x ^= x << 13; x ^= x >>> 17; x ^= x << 5;
      data[j] = x >>> 24;
    }
    fs.writeFileSync(path.join(dir, `f${i}.bin`), data);
  }
  return { dir, bytes: files * bytes };
}

/** Removes what a run left: the synced files and the baseline's (the flat micro:bit: every file). */
async function clearBoard(kind: FirmwareKind, port: string): Promise<void> {
  const { dest, baseDir } = SYNC[kind];
  const base = await rawRepl(port, '');
  try {
    await exec(base.repl, kind === 'microbit'
      ? 'import os\nfor n in os.listdir():\n    os.remove(n)'
      : `import os\nfor d in (${JSON.stringify(dest)}, ${JSON.stringify(baseDir)}):\n    try:\n        for n in os.listdir(d):\n            os.remove(d + '/' + n)\n    except OSError:\n        pass`);
  } finally {
    await base.close();
  }
}

/** Belay's upload: per file an open, one raw exec per 256-byte chunk (a bytes repr), a close. */
async function chunkedUpload(kind: FirmwareKind, port: string, folder: string): Promise<number> {
  const dir = SYNC[kind].baseDir;
  const base = await rawRepl(port, dir ? `import os\ntry:\n    os.mkdir('${dir}')\nexcept OSError:\n    pass` : '');
  try {
    const t0 = Date.now();
    for (const name of fs.readdirSync(folder).sort()) {
      const data = fs.readFileSync(path.join(folder, name));
      await exec(base.repl, `f = open('${dir ? `${dir}/` : ''}${name}', 'wb')`);
      for (let i = 0; i < data.length; i += 256) await exec(base.repl, `f.write(${pyBytes(data.subarray(i, i + 256))})`);
      await exec(base.repl, 'f.close()');
    }
    return Date.now() - t0;
  } finally {
    await base.close();
  }
}

async function syncFigures(kind: FirmwareKind, port: string): Promise<void> {
  const { dir, bytes } = makeFolder(kind);
  const { files, dest } = SYNC[kind];
  const kb = bytes / 1024;
  const rate = (ms: number) => `${fmt(kb / (ms / 1000), 1)} KB/s`;
  try {
    console.log(`\nsync of ${files} files / ${kb.toFixed(0)} KB of random bytes to ${dest} on the ${BOARD_NAMES[kind]}`);
    for (let run = 1; run <= SYNC_RUNS; run++) {
      if (SYNC_RUNS > 1) console.log(`  run ${run} of ${SYNC_RUNS}`);
      await clearBoard(kind, port);
      let first: SyncResult | undefined;
      const dev = new Device({ port, name: kind });
      try {
        await dev.connect();
        if (dest !== '/') await dev.exec(`import os\ntry:\n    os.mkdir('${dest}')\nexcept OSError:\n    pass`);
        first = await dev.sync({ source: dir, dest, minify: false });
        const again = await dev.sync({ source: dir, dest, minify: false });
        console.log(`  first run                          ${fmt(first.ms, 0)} ms  ${rate(first.ms)}  (${first.uploaded.length} files uploaded)`);
        console.log(`  unchanged re-run                   ${fmt(again.ms, 0)} ms  (${again.unchanged.length} unchanged)`);
      } catch (err) {
        console.log(`  Device API: failed: ${(err as Error).message.split('\n')[0]}`);
      } finally {
        await dev.close().catch(() => undefined);
      }
      await clearBoard(kind, port);
      const ms = await chunkedUpload(kind, port, dir);
      console.log(`  baseline: 256 bytes per round trip ${fmt(ms, 0)} ms  ${rate(ms)}`);
      if (first) console.log(`  => first sync ${(ms / first.ms).toFixed(1)}x faster than the baseline`);
    }
  } finally {
    fs.rmSync(dir, { recursive: true, force: true });
  }
}

/** Prints the real-firmware figures, or one line per board saying why it was skipped. */
export async function firmwareFigures(): Promise<void> {
  const only = process.env.BENCH_FW_ONLY;
  const boards = (process.env.BENCH_FW_BOARDS || 'pico,microbit').split(',') as FirmwareKind[];
  for (const kind of (['pico', 'microbit'] as const).filter((k) => boards.includes(k))) {
    const reason = firmwareAvailable(kind);
    if (reason) {
      console.log(`\n(${BOARD_NAMES[kind]} figures skipped: ${reason})`);
      continue;
    }
    const board = await startFirmware(kind);
    try {
      if (only !== 'sync') await callFigures(kind, board.port);
      if (only !== 'calls') await syncFigures(kind, board.port);
    } finally {
      await board.stop();
    }
  }
}

// `node dist/bench/firmware.js` prints these figures alone.
if (require.main === module) {
  firmwareFigures().then(() => process.exit(0), (err) => {
    console.error(err);
    process.exit(1);
  });
}

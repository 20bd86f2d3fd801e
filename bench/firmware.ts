/**
 * Figures on real MicroPython firmware (../shared/boards): the emulated Pico (MicroPython 1.26.1 in
 * rp2040js) and micro:bit (MicroPython 1.9.2 in QEMU), each behind a socat pty.
 *
 *  - task call: the median latency of a call through the Device API, against a plain raw-REPL
 *    exchange per call on the same board in the same run (what Belay does: `print(repr(f(args)))`)
 *  - sync (Pico): 20 files / ~98 KB, first run and unchanged re-run, against one raw exec per
 *    256-byte chunk (Belay's upload)
 *
 * The two call paths take turns on one board (a pty has one reader), the Device first. An emulated
 * board computes at a fraction of a real one's speed, so these figures rank the paths; they are not
 * a real board's. BENCH_FW_CALLS=N sets the calls per path (default 200).
 */
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { Device } from '../src/board/device';
import { SerialLink } from '../src/board/link/serial';
import { RawRepl } from '../src/board/raw-repl';
import { pyBytes } from '../src/board/python/literal';
import { BOARD_NAMES, firmwareAvailable, startFirmware, type FirmwareKind } from '../test/support/firmware';

const CALLS = Number(process.env.BENCH_FW_CALLS || 200);
const WARM_UP = 20;
const TASK = 'def add(a, b):\n    return a + b\n';
const SYNC_FILES = 20;
const SYNC_FILE_BYTES = 4900;

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

function makeFolder(): { dir: string; bytes: number } {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'belay-bench-fw-'));
  let seed = 7;
  const rand = () => (seed = (seed * 1103515245 + 12345) & 0x7fffffff) & 0xff;
  for (let i = 0; i < SYNC_FILES; i++) {
    const data = Buffer.alloc(SYNC_FILE_BYTES);
    for (let j = 0; j < data.length; j++) data[j] = rand();
    fs.writeFileSync(path.join(dir, `f${i}.bin`), data);
  }
  return { dir, bytes: SYNC_FILES * SYNC_FILE_BYTES };
}

/** Belay's upload: per file an open, one raw exec per 256-byte chunk (a bytes repr), a close. */
async function chunkedUpload(port: string, folder: string): Promise<number> {
  const base = await rawRepl(port, "import os\ntry:\n    os.mkdir('/belaybench')\nexcept OSError:\n    pass");
  try {
    const t0 = Date.now();
    for (const name of fs.readdirSync(folder).sort()) {
      const data = fs.readFileSync(path.join(folder, name));
      await exec(base.repl, `f = open('/belaybench/${name}', 'wb')`);
      for (let i = 0; i < data.length; i += 256) await exec(base.repl, `f.write(${pyBytes(data.subarray(i, i + 256))})`);
      await exec(base.repl, 'f.close()');
    }
    return Date.now() - t0;
  } finally {
    await base.close();
  }
}

async function syncFigures(kind: FirmwareKind, port: string): Promise<void> {
  const { dir, bytes } = makeFolder();
  const kb = bytes / 1024;
  try {
    console.log(`\nsync of ${SYNC_FILES} files / ${kb.toFixed(0)} KB to the ${BOARD_NAMES[kind]}`);
    const dev = new Device({ port, name: kind });
    try {
      await dev.connect();
      await dev.exec("import os\ntry:\n    os.mkdir('/bench')\nexcept OSError:\n    pass");
      const first = await dev.sync({ source: dir, dest: '/bench', minify: false });
      const again = await dev.sync({ source: dir, dest: '/bench', minify: false });
      console.log(`  first run        ${fmt(first.ms, 0)} ms  ${fmt(kb / (first.ms / 1000), 1)} KB/s  (${first.uploaded.length} files uploaded)`);
      console.log(`  unchanged re-run ${fmt(again.ms, 0)} ms  (${again.unchanged.length} unchanged)`);
    } catch (err) {
      console.log(`  Device API: failed: ${(err as Error).message.split('\n')[0]}`);
    } finally {
      await dev.close().catch(() => undefined);
    }
    const ms = await chunkedUpload(port, dir);
    console.log(`  baseline: 256 bytes per round trip ${fmt(ms, 0)} ms  ${fmt(kb / (ms / 1000), 1)} KB/s`);
  } finally {
    fs.rmSync(dir, { recursive: true, force: true });
  }
}

/** Prints the real-firmware figures, or one line per board saying why it was skipped. */
export async function firmwareFigures(): Promise<void> {
  for (const kind of ['pico', 'microbit'] as const) {
    const reason = firmwareAvailable(kind);
    if (reason) {
      console.log(`\n(${BOARD_NAMES[kind]} figures skipped: ${reason})`);
      continue;
    }
    const board = await startFirmware(kind);
    try {
      await callFigures(kind, board.port);
      if (kind === 'pico') await syncFigures(kind, board.port);
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

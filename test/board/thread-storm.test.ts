/**
 * Thread output under load (issue #16): a thread started through the Device prints flat out for 5 s,
 * with a yield every 100 prints, while the host calls a task on the same board. Every printed line
 * arrives whole, in order, none lost; the calls answer (median under 100 ms); the thread runs to the
 * end. On the virtual board (where such a thread used to fill its heap in about a second and die in
 * the interpreter) and on the emulated Pico (real firmware).
 */
import { test, after } from 'node:test';
import assert from 'node:assert/strict';
import * as fs from 'node:fs';
import { monitorEventLoopDelay } from 'node:perf_hooks';
import { Device } from '../../src/board/device';
import type { BoardError } from '../../src/board/types';
import { defaultFsDir } from '../../src/virtual';
import '../../src/virtual/link';
import { firmwareAvailable, startFirmware } from '../support/firmware';

const STORM_MS = 5000;

/** The thread prints numbered lines flat out; every 100th print it yields how many it printed. */
const STORM = `
def storm(every):
    i = 0
    while True:
        print('%07d' % i)
        i += 1
        if i % every == 0:
            yield i
`;
const PING = 'def ping(i):\n    return i\n';
/** The same without a yield: it prints for the given seconds, then how many lines it printed. */
const FLAT = `
import time

def flat(seconds):
    t0 = time.ticks_ms()
    i = 0
    while time.ticks_diff(time.ticks_ms(), t0) < seconds * 1000:
        print('%07d' % i)
        i += 1
    print('end', i)
`;

interface Storm { lines: string[]; lastYield: number; callMs: number[]; lagP99: number; errors: BoardError[] }

/** Runs the storm for STORM_MS on a connected device, calling ping() one call after another meanwhile. */
async function storm(d: Device): Promise<Storm> {
  await d.define('storm', STORM);
  await d.define('ping', PING);
  const lines: string[] = [];
  const errors: BoardError[] = [];
  let lastYield = 0;
  let ended!: () => void;
  const end = new Promise<void>((resolve) => { ended = resolve; });
  const lag = monitorEventLoopDelay({ resolution: 1 });
  lag.enable();
  const handle = await d.startThread('storm', [100], {}, {
    onYield(v) { lastYield = v as number; },
    onPrint(line) { lines.push(line); },
    onError(e) { errors.push(e); },
    onEnd() { ended(); },
  });
  const callMs: number[] = [];
  const stopAt = Date.now() + STORM_MS;
  for (let i = 0; Date.now() < stopAt; i++) {
    const t0 = performance.now();
    const r = await d.call('ping', [i]);
    callMs.push(performance.now() - t0);
    assert.equal(r.value, i, 'each call gets its own answer');
  }
  // The thread stops at its next yield: it has printed exactly as many lines as it last yielded.
  await handle.stop();
  let waited: NodeJS.Timeout | undefined;
  await Promise.race([end, new Promise((_, reject) => {
    waited = setTimeout(() => reject(new Error(`the thread never ended (it printed ${lines.length} lines, last yield ${lastYield})`)), 10000);
  })]).finally(() => clearTimeout(waited));
  lag.disable();
  return { lines, lastYield, callMs, lagP99: lag.percentile(99) / 1e6, errors };
}

function check(s: Storm, board: string): void {
  assert.deepEqual(s.errors, [], `${board}: the thread raised nothing`);
  assert.ok(s.lastYield >= 100, `${board}: the thread ran (${s.lastYield} lines)`);
  assert.equal(s.lines.length, s.lastYield, `${board}: every printed line arrived, none more`);
  for (let i = 0; i < s.lines.length; i++) {
    if (s.lines[i] !== String(i).padStart(7, '0')) assert.fail(`${board}: line ${i} is ${JSON.stringify(s.lines[i])}`);
  }
  const sorted = [...s.callMs].sort((a, b) => a - b);
  const median = sorted[Math.floor(sorted.length / 2)];
  assert.ok(median < 100, `${board}: calls during the storm answered in ${median.toFixed(1)} ms (median)`);
  console.log(`# ${board}: ${s.lines.length} lines in ${STORM_MS / 1000} s (${Math.round(s.lines.length / (STORM_MS / 1000))}/s), ` +
    `${s.callMs.length} calls, median ${median.toFixed(2)} ms, event-loop lag p99 ${s.lagP99.toFixed(1)} ms`);
}

const names: string[] = [];
after(() => {
  for (const n of names) fs.rmSync(defaultFsDir(n), { recursive: true, force: true });
});

test('virtual board: a thread printing flat out for 5 s keeps running, every line arrives, calls answer meanwhile', { timeout: 60000 }, async () => {
  const name = `storm-${process.pid}`;
  names.push(name);
  const d = new Device({ port: `virtual:${name}`, timeout: 10 });
  try {
    await d.connect();
    check(await storm(d), 'virtual board');
  } finally {
    await d.close();
  }
});

const noPico = firmwareAvailable('pico');
test('emulated Pico: the same storm on real firmware', { timeout: 90000, skip: noPico }, async () => {
  const pico = await startFirmware('pico');
  const d = new Device({ port: pico.port, timeout: 30 });
  try {
    await d.connect();
    check(await storm(d), 'emulated Pico');
  } finally {
    await d.close();
    await pico.stop();
  }
});

test('virtual board: the same storm without a yield: every line arrives whole and in order', { timeout: 60000 }, async () => {
  const name = `storm-flat-${process.pid}`;
  names.push(name);
  const d = new Device({ port: `virtual:${name}`, timeout: 10 });
  try {
    await d.connect();
    await d.define('flat', FLAT);
    await d.define('ping', PING);
    const lines: string[] = [];
    const errors: BoardError[] = [];
    let ended!: () => void;
    const end = new Promise<void>((resolve) => { ended = resolve; });
    const lag = monitorEventLoopDelay({ resolution: 1 });
    lag.enable();
    await d.startThread('flat', [STORM_MS / 1000], {}, {
      onYield() {}, onPrint(line) { lines.push(line); }, onError(e) { errors.push(e); }, onEnd() { ended(); },
    });
    const callMs: number[] = [];
    let over = false;
    void end.then(() => { over = true; });
    for (let i = 0; !over; i++) {
      const t0 = performance.now();
      assert.equal((await d.call('ping', [i])).value, i);
      callMs.push(performance.now() - t0);
    }
    lag.disable();
    assert.deepEqual(errors, []);
    const last = lines.pop();
    assert.equal(last, `end ${lines.length}`, 'the count the thread printed last is the number of lines that arrived');
    check({ lines, lastYield: lines.length, callMs, lagP99: lag.percentile(99) / 1e6, errors }, 'virtual board, no yield');
  } finally {
    await d.close();
  }
});

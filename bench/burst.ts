/**
 * Calls in flight (issue #15): a burst of calls into one task, with the window (several requests on
 * their way at once) against one call at a time, on the same board in the same run, the two taking
 * turns. On the virtual board in-process, over a pty, and on the emulated Pico when ../shared/boards
 * is there. BENCH_BURST=N sets the calls per burst (default 1000; 300 on the Pico).
 */
import { Device } from '../src/board/device';
import '../src/virtual/link';
import { servePty } from './pty-endpoint';
import { firmwareAvailable, startFirmware } from '../test/support/firmware';

const TASK = 'def add(a, b):\n    return a + b\n';

interface Burst {
  perSec: number;
  /** the board's own clock (time.ticks_us) over the burst, per call: on an emulated board its CPU time when the board is what waits */
  boardUs: number;
}

async function burstRate(port: string, pipeline: boolean, n: number): Promise<Burst> {
  const d = new Device({ port, timeout: 60 });
  d.pipeline = pipeline;
  try {
    await d.connect();
    await d.define('burst', TASK);
    await Promise.all(Array.from({ length: 20 }, (_, i) => d.call('add', [i, 1])));
    await d.exec('import time\n_bt0 = time.ticks_us()');
    const t0 = performance.now();
    await Promise.all(Array.from({ length: n }, (_, i) => d.call('add', [i, 1])));
    const perSec = n / ((performance.now() - t0) / 1000);
    const us = (await d.exec('time.ticks_diff(time.ticks_us(), _bt0)')).value as number;
    return { perSec, boardUs: us / n };
  } finally {
    await d.close();
  }
}

async function figure(title: string, port: string, n: number): Promise<void> {
  const one: Burst[] = [], win: Burst[] = [];
  for (let round = 0; round < 3; round++) {
    one.push(await burstRate(port, false, n));
    win.push(await burstRate(port, true, n));
  }
  const med = (v: Burst[]) => [...v].sort((a, b) => a.perSec - b.perSec)[1];
  const [o, w] = [med(one), med(win)];
  console.log(`  ${title.padEnd(34)} one at a time ${o.perSec.toFixed(0).padStart(6)} calls/s   window ${w.perSec.toFixed(0).padStart(6)} calls/s   ${(w.perSec / o.perSec).toFixed(2)}x` +
    `   board's clock in the window ${w.boardUs.toFixed(0)} us a call`);
}

export async function burstFigures(): Promise<void> {
  const n = Number(process.env.BENCH_BURST || 1000);
  console.log(`\nBurst of ${n} messages into one task (median of 3 rounds each, taking turns)`);
  await figure('virtual board, in-process', `virtual:bench-burst-${process.pid}`, n);
  try {
    const pty = await servePty(`bench-burst-pty-${process.pid}`);
    try {
      await figure('virtual board over a pty', pty.path, n);
    } finally {
      await pty.close();
    }
  } catch (e) {
    console.log(`  (pty figure skipped: ${(e as Error).message})`);
  }
  const why = firmwareAvailable('pico');
  if (why) {
    console.log(`  (emulated Pico skipped: ${why})`);
    return;
  }
  const pico = await startFirmware('pico');
  try {
    await figure('emulated Pico (MicroPython 1.26.1)', pico.port, Math.min(n, 300));
  } finally {
    await pico.stop();
  }
}

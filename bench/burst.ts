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

async function burstRate(port: string, pipeline: boolean, n: number): Promise<number> {
  const d = new Device({ port, timeout: 60 });
  d.pipeline = pipeline;
  try {
    await d.connect();
    await d.define('burst', TASK);
    await Promise.all(Array.from({ length: 20 }, (_, i) => d.call('add', [i, 1])));
    const t0 = performance.now();
    await Promise.all(Array.from({ length: n }, (_, i) => d.call('add', [i, 1])));
    return n / ((performance.now() - t0) / 1000);
  } finally {
    await d.close();
  }
}

async function figure(title: string, port: string, n: number): Promise<void> {
  const one: number[] = [], win: number[] = [];
  for (let round = 0; round < 3; round++) {
    one.push(await burstRate(port, false, n));
    win.push(await burstRate(port, true, n));
  }
  const med = (v: number[]) => [...v].sort((a, b) => a - b)[1];
  console.log(`  ${title.padEnd(34)} one at a time ${med(one).toFixed(0).padStart(6)} calls/s   window ${med(win).toFixed(0).padStart(6)} calls/s   ${(med(win) / med(one)).toFixed(2)}x`);
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

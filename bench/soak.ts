/**
 * Long runs (issue #16): many task calls on one connection, the board's heap (after gc.collect())
 * at the start and at the end; the goal is flat. 200,000 calls on the virtual board and 20,000 on
 * the emulated Pico by default (BENCH_SOAK and BENCH_SOAK_PICO change them).
 */
import { Device } from '../src/board/device';
import '../src/virtual/link';
import { firmwareAvailable, startFirmware } from '../test/support/firmware';

async function soak(title: string, port: string, n: number): Promise<void> {
  const d = new Device({ port, timeout: 30 });
  try {
    await d.connect();
    await d.define('soak', 'def add(a, b):\n    return a + b\n');
    const heap = async () => (await d.exec('__import__("gc").collect() or __import__("gc").mem_alloc()')).value as number;
    const before = await heap();
    const t0 = performance.now();
    for (let i = 0; i < n; i++) await d.call('add', [i, 1]);
    const s = (performance.now() - t0) / 1000;
    const after = await heap();
    console.log(`  ${title.padEnd(34)} ${n} calls in ${s.toFixed(1)} s: heap in use ${before} -> ${after} bytes (${((after - before) / n).toFixed(3)} per call)`);
  } finally {
    await d.close();
  }
}

export async function soakFigures(): Promise<void> {
  console.log('\nSoak: calls on one connection, the board\'s heap after gc.collect() before and after');
  await soak('virtual board, in-process', `virtual:bench-soak-${process.pid}`, Number(process.env.BENCH_SOAK || 200000));
  const why = firmwareAvailable('pico');
  if (why) {
    console.log(`  (emulated Pico skipped: ${why})`);
    return;
  }
  const pico = await startFirmware('pico');
  try {
    await soak('emulated Pico (MicroPython 1.26.1)', pico.port, Number(process.env.BENCH_SOAK_PICO || 20000));
  } finally {
    await pico.stop();
  }
}

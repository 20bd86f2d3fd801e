/**
 * A 1 MB string through exec code (what {{payload}} renders) and back, on the virtual board, against
 * the same bytes on the paths every value took before (the same run): in, a literal the board's
 * compiler reads (the literal on an indented line, which stays in the code); out, a repr (the string
 * inside a list). Issue #16: "large values should move at link speed".
 */
import * as fs from 'node:fs';
import { Device } from '../src/board/device';
import { toPython } from '../src/board/python/literal';
import { defaultFsDir } from '../src/virtual';
import '../src/virtual/link';

const RUNS = Number(process.env.BENCH_LONG_RUNS || 3);

async function timed(fn: () => Promise<unknown>): Promise<number> {
  const t = performance.now();
  await fn();
  return performance.now() - t;
}

const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)];

export async function longValueFigures(): Promise<void> {
  const name = `bench-long-${process.pid}`;
  const d = new Device({ port: `virtual:${name}`, timeout: 120 });
  try {
    await d.connect();
    const s = 'sensor log line, 0123456789 é\n'.repeat(Math.ceil(1_000_000 / 30)).slice(0, 1_000_000);
    const lit = toPython(s);
    const rows: [string, number[], number[]][] = [
      ['into the board: v = {{payload}}', [], []],
      ['out of it: the 1 MB value', [], []],
    ];
    for (let i = 0; i < RUNS; i++) {
      rows[0][1].push(await timed(() => d.exec(`v = ${lit}`)));
      rows[0][2].push(await timed(() => d.exec(`if True:\n    v = ${lit}`)));
      rows[1][1].push(await timed(() => d.exec('v')));
      rows[1][2].push(await timed(() => d.exec('[v]')));
    }
    console.log(`\nA 1 MB string through exec code, virtual board in-process (median of ${RUNS}, ms)`);
    console.log('                                      now      before   MB/s now');
    for (const [label, now, before] of rows) {
      const n = median(now), b = median(before);
      console.log(`  ${label.padEnd(34)} ${n.toFixed(0).padStart(7)} ${b.toFixed(0).padStart(9)}   ${(1 / (n / 1000)).toFixed(1).padStart(6)}`);
    }
  } finally {
    await d.close().catch(() => undefined);
    fs.rmSync(defaultFsDir(name), { recursive: true, force: true });
  }
}

if (require.main === module) void longValueFigures();

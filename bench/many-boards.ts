/**
 * Many boards at once (issue #15): every board calling a task flat out, one call after the other,
 * through the board API (a Device per board) and through Node-RED (a flow per board: an inject
 * starts it, a belay-task whose output feeds its own input), on Node-RED as users run it (nodered.ts).
 * Aggregate calls/s and the host's event-loop lag (p99), beside one board alone on the same path.
 * Each run is a child process of its own (see footprint.ts). BENCH_BOARDS=N (default 32),
 * BENCH_MANY_MS=ms measured per run (default 5000).
 */
import * as os from 'node:os';
import { monitorEventLoopDelay } from 'node:perf_hooks';
import { Device } from '../src/board/device';
import '../src/virtual/link';
import { runChild } from './child';
import { withFlows } from './nodered';

const BOARDS = Number(process.env.BENCH_BOARDS || 32);
const MEASURE_MS = Number(process.env.BENCH_MANY_MS || 5000);
const WARM_MS = 1000;
const TASK = 'def inc(x):\n    return x + 1\n';
const cores = os.availableParallelism?.() ?? os.cpus().length;

interface Figure { perSec: number; lagP99: number }

/** Counts calls from WARM_MS on for MEASURE_MS, with the event loop's delay over the same span. */
async function measure(count: () => number): Promise<Figure> {
  await new Promise((r) => setTimeout(r, WARM_MS));
  const lag = monitorEventLoopDelay({ resolution: 1 });
  const n0 = count();
  const t0 = performance.now();
  lag.enable();
  await new Promise((r) => setTimeout(r, MEASURE_MS));
  lag.disable();
  const perSec = (count() - n0) / ((performance.now() - t0) / 1000);
  return { perSec, lagP99: lag.percentile(99) / 1e6 };
}

async function apiRun(boards: number): Promise<Figure> {
  const devices: Device[] = [];
  let calls = 0;
  let running = true;
  try {
    for (let i = 0; i < boards; i++) {
      const d = new Device({ port: `virtual:many-api-${process.pid}-${i}`, timeout: 30 });
      await d.connect();
      await d.define('inc', TASK);
      devices.push(d);
    }
    const loops = devices.map(async (d) => {
      let x = 0;
      while (running) {
        x = (await d.call('inc', [x])).value as number;
        calls++;
      }
    });
    const f = await measure(() => calls);
    running = false;
    await Promise.all(loops);
    return f;
  } finally {
    for (const d of devices) await d.close();
  }
}

async function noderedRun(boards: number): Promise<Figure> {
  const flow: Record<string, unknown>[] = [{ id: 'tab', type: 'tab', label: 'many' }];
  for (let i = 0; i < boards; i++) {
    flow.push(
      { id: `dev${i}`, type: 'belay-device', name: '', port: `virtual:many-nr-${process.pid}-${i}`, softReset: true, reconnect: true, timeout: 30 },
      {
        id: `go${i}`, z: 'tab', type: 'inject', x: 100, y: 100, props: [{ p: 'payload' }], payload: '0', payloadType: 'num',
        repeat: '', crontab: '', once: true, onceDelay: 0.1, topic: '', wires: [[`task${i}`]],
      },
      // The task's answer is its next input: one call after the other, as fast as the board answers.
      { id: `task${i}`, z: 'tab', type: 'belay-task', x: 300, y: 100, device: `dev${i}`, name: '', code: TASK, timeout: '', wires: [[`task${i}`]] },
    );
  }
  return withFlows(flow, async (node) => {
    let calls = 0;
    // Every task node's output is counted as it is sent (the send goes on to the same node's input).
    for (let i = 0; i < boards; i++) node(`task${i}`).on('input', () => { calls++; });
    const deadline = Date.now() + 60000;
    while (calls < boards * 10) {
      if (Date.now() > deadline) throw new Error(`the flows did not start within 60 s (${calls} calls)`);
      await new Promise((r) => setTimeout(r, 50));
    }
    return measure(() => calls);
  });
}

async function child(part: string): Promise<void> {
  const [kind, n] = part.split(':');
  const boards = Number(n);
  const f = kind === 'api' ? await apiRun(boards) : await noderedRun(boards);
  console.log(JSON.stringify(f));
}

export async function manyBoardFigures(): Promise<void> {
  console.log(`\nMany boards, each calling a task flat out (${BOARDS} virtual boards, ${cores} cores; ${MEASURE_MS / 1000} s measured)`);
  console.log('                                          one board calls/s   all calls/s   vs cores x one   lag p99 ms');
  for (const [name, kind] of [['board API (a Device per board)', 'api'], ['Node-RED (a flow per board)', 'nodered']] as const) {
    const one = await runChild(__filename, `${kind}:1`);
    const all = await runChild(__filename, `${kind}:${BOARDS}`);
    const ratio = all.perSec / (cores * one.perSec);
    console.log(`  ${name.padEnd(40)}${one.perSec.toFixed(0).padStart(12)}${all.perSec.toFixed(0).padStart(14)}${ratio.toFixed(2).padStart(14)}x${all.lagP99.toFixed(1).padStart(12)}`);
  }
  console.log('  targets through Node-RED: lag p99 < 20 ms, all calls/s >= 0.8 x cores x one board');
}

if (require.main === module) {
  child(process.argv[2]).then(() => process.exit(0), (e) => {
    console.error(e);
    process.exit(1);
  });
}

/**
 * Calls in flight (issue #15): a burst of calls into one task, with the window (several requests on
 * their way at once) against one call at a time, on the same board in the same run, the two taking
 * turns. On the virtual board in-process, over a pty, and on the emulated Pico when ../shared/boards
 * is there; through the board API and through a Node-RED flow (n messages into one belay-task node).
 * BENCH_BURST=N sets the calls per burst (default 1000; 300 on the Pico).
 */
import { Device } from '../src/board/device';
import '../src/virtual/link';
import { servePty } from './pty-endpoint';
import { firmwareAvailable, startFirmware } from '../test/support/firmware';
import { withFlows } from './nodered';
import { runChild } from './child';

const TASK = 'def add(a, b):\n    return a + b\n';
const FLOW_TASK = 'def inc(x):\n    return x + 1\n';

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

/**
 * The same through Node-RED: n messages into one belay-task node, all sent at once (the window
 * fills) against one at a time (the next sent when the last one's answer comes out), taking turns.
 * In a child process: one Node-RED per process (see nodered.ts).
 */
async function flowRates(port: string, n: number): Promise<{ one: number; win: number }> {
  const flow = [
    { id: 'tab', type: 'tab', label: 'burst' },
    { id: 'dev', type: 'belay-device', name: '', port, softReset: true, reconnect: true, timeout: 60 },
    { id: 'task', z: 'tab', type: 'belay-task', device: 'dev', name: '', code: FLOW_TASK, timeout: '', wires: [['out']] },
    // where the answers go: a debug node that shows nothing (its input is what is counted)
    { id: 'out', z: 'tab', type: 'debug', active: false, tosidebar: false, console: false, complete: 'payload', wires: [] },
  ];
  return withFlows(flow, async (node) => {
    const task = node('task');
    let waiting: ((m: Record<string, unknown>) => void) | undefined;
    node('out').on('input', (m) => waiting?.(m));
    const next = () => new Promise<Record<string, unknown>>((resolve) => { waiting = resolve; });
    const check = (m: Record<string, unknown>, x: number) => {
      if (m.payload !== x + 1) throw new Error(`${port}: ${x} gave ${JSON.stringify(m.payload)}`);
    };
    const oneAtATime = async () => {
      const t0 = performance.now();
      for (let x = 0; x < n; x++) {
        const got = next();
        task.receive({ payload: x });
        check(await got, x);
      }
      return n / ((performance.now() - t0) / 1000);
    };
    const burst = async () => {
      let seen = 0;
      const all = new Promise<void>((resolve) => {
        waiting = (m) => {
          check(m, seen++);
          if (seen === n) resolve();
        };
      });
      const t0 = performance.now();
      for (let x = 0; x < n; x++) task.receive({ payload: x });
      await all;
      return n / ((performance.now() - t0) / 1000);
    };
    // the first message waits for the connect and the definition
    const first = next();
    task.receive({ payload: 0 });
    check(await first, 0);
    const one: number[] = [], win: number[] = [];
    for (let round = 0; round < 3; round++) {
      one.push(await oneAtATime());
      win.push(await burst());
    }
    const med = (v: number[]) => [...v].sort((a, b) => a - b)[1];
    return { one: med(one), win: med(win) };
  });
}

async function flowFigure(title: string, port: string, n: number): Promise<void> {
  const { one, win } = await runChild(__filename, JSON.stringify({ port, n }));
  console.log(`  ${title.padEnd(34)} one at a time ${one.toFixed(0).padStart(6)} msgs/s    burst  ${win.toFixed(0).padStart(6)} msgs/s    ${(win / one).toFixed(2)}x`);
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
  const picoN = Math.min(n, 300);
  const why = firmwareAvailable('pico');
  for (const through of ['api', 'flow'] as const) {
    const show = through === 'api' ? figure : flowFigure;
    console.log(through === 'api'
      ? `\nBurst of ${n} calls through the board API (${picoN} on the Pico; median of 3 rounds each, taking turns)`
      : `\nBurst of ${n} messages into one belay-task node through Node-RED, against one message at a time (${picoN} on the Pico)`);
    await show('virtual board, in-process', `virtual:bench-burst-${through}-${process.pid}`, n);
    try {
      const pty = await servePty(`bench-burst-${through}-pty-${process.pid}`);
      try {
        await show('virtual board over a pty', pty.path, n);
      } finally {
        await pty.close();
      }
    } catch (e) {
      console.log(`  (pty figure skipped: ${(e as Error).message})`);
    }
    if (why) {
      console.log(`  (emulated Pico skipped: ${why})`);
      continue;
    }
    const pico = await startFirmware('pico');
    try {
      await show('emulated Pico (MicroPython 1.26.1)', pico.port, picoN);
    } finally {
      await pico.stop();
    }
  }
}

if (require.main === module) {
  const { port, n } = JSON.parse(process.argv[2]) as { port: string; n: number };
  flowRates(port, n).then((r) => {
    console.log(JSON.stringify(r));
    process.exit(0);
  }, (e) => {
    console.error(e);
    process.exit(1);
  });
}

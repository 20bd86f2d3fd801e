/**
 * Board events (issue #11): latency from pins.drive() on the host to the event's arrival, through a
 * belay-event pin IRQ, beside the same press seen by a board thread that polls the pin every 10 ms
 * and yields what changed (the only way before). Virtual board, in-process; presses alternate
 * between the two pins, one at a time. BENCH_EVENTS=N sets the presses per path (default 200).
 * On the emulated Pico, whose pins the host cannot drive, a task call toggles an output pin (the
 * pad reads back its level): from the call to the IRQ's event, beside the call to the thread's.
 */
import { Device } from '../src/board/device';
import { BoardEvents } from '../src/board/events';
import { getVirtualBoard } from '../src/virtual';
import '../src/virtual/link';
import { firmwareAvailable, startFirmware } from '../test/support/firmware';

const IRQ = 'b = Pin(14, Pin.IN, Pin.PULL_UP)\nb.irq(lambda p: emit(p.value()), Pin.IRQ_FALLING | Pin.IRQ_RISING)\n';
const POLL = 'def poll10():\n    p = Pin(15, Pin.IN, Pin.PULL_UP)\n    last = p.value()\n    yield last\n    while True:\n        v = p.value()\n        if v != last:\n            last = v\n            yield v\n        time.sleep_ms(10)\n';

function summary(ms: number[]): string {
  const s = [...ms].sort((a, b) => a - b);
  const at = (q: number) => s[Math.min(s.length - 1, Math.floor(s.length * q))];
  return `median ${at(0.5).toFixed(2).padStart(6)} ms   p99 ${at(0.99).toFixed(2).padStart(6)} ms`;
}

export async function eventFigures(): Promise<void> {
  const n = Number(process.env.BENCH_EVENTS || 200);
  const name = `bench-events-${process.pid}`;
  const d = new Device({ port: `virtual:${name}`, timeout: 10 });
  try {
    await d.connect();
    const pins = getVirtualBoard(name).pins;
    let arrived: (() => void) | undefined;
    const next = () => new Promise<void>((resolve) => { arrived = resolve; });
    await BoardEvents.of(d).define('bench', IRQ, { onEvent: () => arrived?.(), onError: (e) => { throw e; } });
    await d.define('poll10', POLL);
    const ready = next();
    const thread = await d.startThread('poll10', [], {}, {
      onYield: () => arrived?.(), onPrint: () => undefined, onError: (e) => { throw e; }, onEnd: () => undefined,
    });
    // the thread has looked at its pin once (and said so) before the first press
    await ready;
    const irq: number[] = [], polled: number[] = [];
    for (let i = 0; i < n; i++) {
      const level = i % 2 ? 1 : 0;
      for (const [pin, out] of [[14, irq], [15, polled]] as const) {
        const got = next();
        const t0 = performance.now();
        pins.drive(pin, level);
        await Promise.race([got, new Promise((_, reject) => setTimeout(() => reject(new Error(`press ${i} on GPIO${pin} was not seen within 5 s`)), 5000).unref())]);
        out.push(performance.now() - t0);
      }
    }
    await thread.stop();
    console.log(`\nboard events: pins.drive() to the event on the host, ${n} presses each (virtual board)`);
    console.log(`  ${'belay-event pin IRQ'.padEnd(34)} ${summary(irq)}`);
    console.log(`  ${'thread polling every 10 ms'.padEnd(34)} ${summary(polled)}`);
  } finally {
    await d.close();
  }
  const why = firmwareAvailable('pico');
  if (why) {
    console.log(`  emulated Pico: skipped (${why})`);
    return;
  }
  await picoFigures(Math.min(n, 100));
}

const PICO_IRQ = 'o = Pin(14, Pin.OUT, value=0)\no.irq(lambda p: emit(p.value()), Pin.IRQ_FALLING | Pin.IRQ_RISING)\n';
const PICO_POLL = POLL.replace('Pin(15, Pin.IN, Pin.PULL_UP)', 'Pin(15, Pin.OUT, value=0)');

async function picoFigures(n: number): Promise<void> {
  const pico = await startFirmware('pico');
  const d = new Device({ port: pico.port, timeout: 30 });
  try {
    await d.connect();
    let arrived: (() => void) | undefined;
    const next = () => new Promise<void>((resolve) => { arrived = resolve; });
    await BoardEvents.of(d).define('bench', PICO_IRQ, { onEvent: () => arrived?.(), onError: (e) => { throw e; } });
    await d.define('poll10', PICO_POLL);
    await d.define('flip', 'def flip(n):\n    Pin(n).toggle()\n');
    const ready = next();
    const thread = await d.startThread('poll10', [], {}, {
      onYield: () => arrived?.(), onPrint: () => undefined, onError: (e) => { throw e; }, onEnd: () => undefined,
    });
    await ready;
    const irq: number[] = [], polled: number[] = [], call: number[] = [];
    for (let i = 0; i < n; i++) {
      for (const [pin, out] of [[14, irq], [15, polled]] as const) {
        const got = next();
        const t0 = performance.now();
        const done = d.call('flip', [pin]).then(() => { if (pin === 14) call.push(performance.now() - t0); });
        await got;
        out.push(performance.now() - t0);
        await done;
      }
    }
    await thread.stop();
    console.log(`\nboard events on the emulated Pico (MicroPython 1.26.1): a task call toggles the pin, ${n} times each`);
    console.log(`  ${'the task call\'s own answer'.padEnd(34)} ${summary(call)}`);
    console.log(`  ${'belay-event pin IRQ'.padEnd(34)} ${summary(irq)}`);
    console.log(`  ${'thread polling every 10 ms'.padEnd(34)} ${summary(polled)}`);
  } finally {
    await d.close();
    await pico.stop();
  }
}

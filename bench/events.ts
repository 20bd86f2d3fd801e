/**
 * Board events (issue #11): latency from pins.drive() on the host to the event's arrival, through a
 * belay-event pin IRQ, beside the same press seen by a board thread that polls the pin every 10 ms
 * and yields what changed (the only way before). Virtual board, in-process; presses alternate
 * between the two pins, one at a time. BENCH_EVENTS=N sets the presses per path (default 200).
 */
import { Device } from '../src/board/device';
import { BoardEvents } from '../src/board/events';
import { getVirtualBoard } from '../src/virtual';
import '../src/virtual/link';

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
    console.log(`  belay-event pin IRQ                ${summary(irq)}`);
    console.log(`  thread polling every 10 ms         ${summary(polled)}`);
  } finally {
    await d.close();
  }
}

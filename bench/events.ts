/**
 * Board events (issue #11): latency from pins.drive() on the host to the event's arrival, through a
 * belay-event pin IRQ, beside the same press seen by a board thread that polls the pin every 10 ms
 * and yields what changed (the only way before). Virtual board, in-process; presses alternate
 * between the two pins, one at a time. BENCH_EVENTS=N sets the presses per path (default 200).
 *
 * The emulated Pico too, its GPIO input driven by the host: the emulator runs in a process of its
 * own (../shared/boards/pico-runner.mjs behind socat) whose only way in is the serial port, so a
 * preload handed to it through NODE_OPTIONS (the runner inherits the environment) catches its
 * rp2040js Simulator and serves a unix socket on which "PIN LEVEL" sets that pad's input
 * (rp2040js's GPIOPin.setInputValue, as a button would) and wakes the emulator's scheduler. Should
 * that fail, a task call toggles an output pin instead (the pad reads back its level), as before.
 */
import * as fs from 'node:fs';
import * as net from 'node:net';
import * as os from 'node:os';
import * as path from 'node:path';
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

/** Runs in the emulator's process: see the file's comment. */
const GPIO_HOOK = String.raw`'use strict';
const net = require('net');
const { Simulator } = require(require.resolve('rp2040js', { paths: [process.env.RP2040JS_FROM || process.cwd()] }));
const plain = Object.getOwnPropertyDescriptor(Simulator.prototype, 'execute').value;
let sim;
// dualcore.mjs's installScheduler assigns sim.execute (its scheduler's kick): that assignment names the simulator
Object.defineProperty(Simulator.prototype, 'execute', {
  configurable: true,
  get() { return this.bvKick || plain; },
  set(fn) { sim = this; Object.defineProperty(this, 'bvKick', { value: fn, writable: true }); },
});
const server = net.createServer((sock) => {
  sock.setNoDelay(true);
  let buf = '';
  sock.on('data', (chunk) => {
    buf += chunk;
    for (let i = buf.indexOf('\n'); i >= 0; i = buf.indexOf('\n')) {
      const [pin, level] = buf.slice(0, i).split(' ').map(Number);
      buf = buf.slice(i + 1);
      if (!sim) { sock.write('no simulator\n'); continue; }
      sim.rp2040.gpio[pin].setInputValue(level === 1);
      sim.execute();
      sock.write('ok\n');
    }
  });
});
server.listen(process.env.BELAY_BENCH_GPIO);
server.unref();
`;

/** The emulated Pico's pads, driven from the host through the hook's socket. */
class PicoPins {
  private buf = '';
  private waiting: ((line: string) => void)[] = [];
  private constructor(private readonly sock: net.Socket) {
    sock.setNoDelay(true);
    sock.on('data', (c) => {
      this.buf += c.toString();
      for (let i = this.buf.indexOf('\n'); i >= 0; i = this.buf.indexOf('\n')) {
        const line = this.buf.slice(0, i);
        this.buf = this.buf.slice(i + 1);
        this.waiting.shift()?.(line);
      }
    });
  }

  static open(file: string): Promise<PicoPins> {
    return new Promise((resolve, reject) => {
      const sock = net.createConnection(file, () => resolve(new PicoPins(sock)));
      sock.once('error', reject);
    });
  }

  /** Sets GPIO `pin`'s input to `level`; resolves when the emulator has it. */
  drive(pin: number, level: 0 | 1): Promise<void> {
    const done = new Promise<string>((resolve) => this.waiting.push(resolve));
    this.sock.write(`${pin} ${level}\n`);
    return done.then((line) => { if (line !== 'ok') throw new Error(`the emulator's GPIO hook: ${line}`); });
  }

  close(): void {
    this.sock.destroy();
  }
}

/** Starts the emulated Pico with the GPIO hook; pins is undefined when the hook did not take. */
async function picoWithPins(): Promise<{ pico: Awaited<ReturnType<typeof startFirmware>>; pins?: PicoPins; why?: string; dir: string }> {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'belay-bench-gpio-'));
  const hook = path.join(dir, 'gpio-hook.cjs');
  const sock = path.join(dir, 'gpio.sock');
  fs.writeFileSync(hook, GPIO_HOOK);
  const saved = { options: process.env.NODE_OPTIONS, gpio: process.env.BELAY_BENCH_GPIO };
  process.env.NODE_OPTIONS = `${saved.options ?? ''} --require ${hook}`.trim();
  process.env.BELAY_BENCH_GPIO = sock;
  let pico;
  try {
    pico = await startFirmware('pico');
  } finally {
    for (const [k, v] of [['NODE_OPTIONS', saved.options], ['BELAY_BENCH_GPIO', saved.gpio]] as const) {
      if (v === undefined) delete process.env[k]; else process.env[k] = v;
    }
  }
  try {
    const pins = await PicoPins.open(sock);
    return { pico, pins, dir };
  } catch (e) {
    return { pico, why: `the emulator's GPIO hook did not answer (${(e as Error).message})`, dir };
  }
}

const PICO_IRQ = 'o = Pin(14, Pin.OUT, value=0)\no.irq(lambda p: emit(p.value()), Pin.IRQ_FALLING | Pin.IRQ_RISING)\n';
const PICO_POLL = POLL.replace('Pin(15, Pin.IN, Pin.PULL_UP)', 'Pin(15, Pin.OUT, value=0)');

async function picoFigures(n: number): Promise<void> {
  const { pico, pins, why, dir } = await picoWithPins();
  const d = new Device({ port: pico.port, timeout: 30 });
  try {
    await d.connect();
    let arrived: (() => void) | undefined;
    const next = () => new Promise<void>((resolve) => { arrived = resolve; });
    const host = !!pins && await pins.drive(14, 1).then(() => pins.drive(15, 1)).then(() => true, () => false);
    await BoardEvents.of(d).define('bench', host ? IRQ : PICO_IRQ, { onEvent: () => arrived?.(), onError: (e) => { throw e; } });
    await d.define('poll10', host ? POLL : PICO_POLL);
    await d.define('flip', 'def flip(n):\n    Pin(n).toggle()\n');
    const ready = next();
    const thread = await d.startThread('poll10', [], {}, {
      onYield: () => arrived?.(), onPrint: () => undefined, onError: (e) => { throw e; }, onEnd: () => undefined,
    });
    await ready;
    const irq: number[] = [], polled: number[] = [], own: number[] = [];
    for (let i = 0; i < n; i++) {
      const level = i % 2 ? 1 : 0;
      for (const [pin, out] of [[14, irq], [15, polled]] as const) {
        const got = next();
        const t0 = performance.now();
        const done = host
          ? pins!.drive(pin, level).then(() => { if (pin === 14) own.push(performance.now() - t0); })
          : d.call('flip', [pin]).then(() => { if (pin === 14) own.push(performance.now() - t0); });
        await Promise.race([got, new Promise((_, reject) => setTimeout(() => reject(new Error(`press ${i} on GPIO${pin} was not seen within 5 s`)), 5000).unref())]);
        out.push(performance.now() - t0);
        await done;
      }
    }
    await thread.stop();
    if (host) {
      console.log(`\nboard events on the emulated Pico (MicroPython 1.26.1): the host drives the GPIO input, ${n} presses each`);
      console.log(`  ${'the emulator has the level'.padEnd(34)} ${summary(own)}`);
    } else {
      console.log(`\nboard events on the emulated Pico (MicroPython 1.26.1): a task call toggles the pin, ${n} times each (${why ?? 'the GPIO hook failed'})`);
      console.log(`  ${'the task call\'s own answer'.padEnd(34)} ${summary(own)}`);
    }
    console.log(`  ${'belay-event pin IRQ'.padEnd(34)} ${summary(irq)}`);
    console.log(`  ${'thread polling every 10 ms'.padEnd(34)} ${summary(polled)}`);
  } finally {
    pins?.close();
    await d.close();
    await pico.stop();
    fs.rmSync(dir, { recursive: true, force: true });
  }
}

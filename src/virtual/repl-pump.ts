import { CTRL } from './shared';
import type { ByteRing } from './shared';
import type { Output } from './output';
import type { ReplMode } from './protocol';
import type { RawPasteMode, VirtualProfile } from './profile';
import { CP_DATE, CP_VERSION } from './python/circuitpython';

/* eslint-disable @typescript-eslint/no-explicit-any */

export interface PumpDeps {
  mp: any;
  out: Output;
  ring: ByteRing;
  ctrl: Int32Array;
  /** the friendly banner, ending in ">>> " */
  banner: string;
  profile: VirtualProfile;
  rawPaste: RawPasteMode;
  kbdPending(): boolean;
  clearKbd(): void;
  idlePoll(): number;
  waitEvent(ms: number): void;
  markSeen(): void;
  /** when a Timer may be due (Date.now() ms), and a setter for it from the poll result */
  nextTimer: { get(): number; set(at: number): void };
  /** leaves the REPL for a soft reset (it throws: the worker resets the interpreter) */
  onSoftReset(mode: ReplMode): never;
}

const RAW_BANNER = 'raw REPL; CTRL-B to exit\r\n>';
const WINDOW = 128;

const utf8 = (s: string) => Buffer.from(s, 'utf8');
/** CircuitPython sets the terminal's title (OSC 0) as its state changes, also just before prompts. */
const cpTitle = (state: string) => `\x1b]0;\u{1F40D}${state} | ${CP_VERSION}\x1b\\`;
const CP_TITLE_REPL = utf8(cpTitle('REPL'));
const CP_BANNER = `\r\nAdafruit CircuitPython ${CP_VERSION} on ${CP_DATE}; virtual board wasm\r\n${cpTitle('REPL')}>>> `;
/** After power-on, a reload or code.py: the next byte only wakes the REPL (CircuitPython 8). */
const CP_WAIT = `${cpTitle('Done')}\r\nAuto-reload is off.\r\nCode done running.\r\n\r\nPress any key to enter the REPL. Use CTRL-D to reload.\r\n`;
const PROMPT = utf8('>>> ');
const RAW_HEAD = utf8('raw REPL; CTRL-B');

function startsWith(bytes: Uint8Array, head: Uint8Array): boolean {
  if (bytes.length < head.length) return false;
  for (let i = 0; i < head.length; i++) if (bytes[i] !== head[i]) return false;
  return true;
}

/**
 * The main interpreter's REPL loop: takes bytes from the ring and feeds them to the port's own REPL
 * state machine (pyexec, the same code as on a board), answering the raw-paste handshake itself
 * because the port hangs on it. Between bytes it runs due Timer and IRQ callbacks.
 *
 * The host can only tell a Ctrl-C from a REPL byte while code runs, so CTRL.EXEC is 1 around every call
 * into the port; the host swaps it to 2 when it turned a Ctrl-C into a KeyboardInterrupt instead of
 * queueing it. If that interrupt arrived after the code had finished, it is still pending here: it is
 * withdrawn and the Ctrl-C fed to the REPL as the byte it then was, at its place in the stream
 * (CTRL.LATE_AT): after the bytes the host wrote before it.
 */
export class ReplPump {
  mode: ReplMode = 'friendly';
  private rawLen = 0;
  private held: number[] = [];
  private paste: { data: number[]; since: number } | undefined;
  private lastGen = -1;
  /** a Ctrl-C arrived too late to interrupt anything: feed it to the REPL as a byte */
  private lateCtrlC = false;
  /** where it goes in the stream */
  private lateAt = 0;
  private readonly cp: boolean;
  /** CircuitPython waits at "Press any key to enter the REPL" */
  private waitKey = false;

  constructor(private readonly d: PumpDeps) {
    this.cp = d.profile === 'circuitpython';
    if (this.cp) {
      d.out.prefix = (bytes) => (this.mode === 'friendly' && (startsWith(bytes, PROMPT) || startsWith(bytes, RAW_HEAD)) ? CP_TITLE_REPL : undefined);
    }
  }

  run(mode: ReplMode, greeting: boolean): never {
    const { out } = this.d;
    if (mode === 'raw') {
      out.muted = true;
      this.feed(1);
      out.takeCaptured();
      out.muted = false;
      if (greeting) out.text(RAW_BANNER);
    } else if (greeting && this.cp) {
      out.write(utf8(CP_WAIT));
      this.waitKey = true;
    } else if (greeting) {
      out.text(this.d.banner);
    }
    out.flush();
    for (;;) {
      this.feedLateCtrlC();
      const b = this.d.ring.take();
      if (b >= 0) this.byte(b);
      else this.idle();
    }
  }

  /**
   * Takes a late Ctrl-C once every byte the host wrote before it has been taken, as the byte it
   * then was (CircuitPython's "press any key" wait, a raw paste and a held \x05 see it too).
   */
  private feedLateCtrlC(): void {
    if (!this.lateCtrlC || ((this.d.ring.consumed - this.lateAt) | 0) < 0) return;
    this.lateCtrlC = false;
    this.byte(3);
  }

  private late(): void {
    this.lateCtrlC = true;
    this.lateAt = Atomics.load(this.d.ctrl, CTRL.LATE_AT);
  }

  private idle(): void {
    const { ctrl, nextTimer } = this.d;
    this.d.out.flush();
    this.d.markSeen();
    const gen = Atomics.load(ctrl, CTRL.PIN_GEN);
    if (gen !== this.lastGen || Date.now() >= nextTimer.get()) {
      this.lastGen = gen;
      const ms = this.call(() => this.d.idlePoll());
      // -2: a Ctrl-C interrupted a callback while idle; it was a REPL byte, and timers are still due.
      nextTimer.set(ms >= 0 ? Date.now() + ms : ms === -2 ? Date.now() : Infinity);
      if (ms === -2) this.late();
      this.feedLateCtrlC();
      if (this.d.ring.available() > 0) return;
    }
    const until = nextTimer.get() - Date.now();
    this.d.waitEvent(Math.max(0, Math.min(1000, until)));
  }

  private byte(b: number): void {
    if (this.paste) return this.pasteByte(b);
    if (this.waitKey) return this.wake(b);
    if (this.cp && b === 2) return this.cpBanner();
    if (this.held.length) {
      const held = this.held;
      if (held.length === 1 && b === 0x41) { held.push(b); return; }
      this.held = [];
      if (held.length === 2 && b === 0x01) return this.startPaste();
      for (const h of held) this.feed(h);
    }
    if (this.mode === 'raw' && this.rawLen === 0 && b === 0x05) { this.held = [b]; return; }
    this.feed(b);
  }

  /** Runs fn with Ctrl-C armed; a Ctrl-C that came too late to interrupt becomes a REPL byte. */
  private call<T>(fn: () => T): T {
    const { ctrl } = this.d;
    const raised = Atomics.load(ctrl, CTRL.RAISED);
    Atomics.store(ctrl, CTRL.EXEC, 1);
    let r: T;
    try {
      r = fn();
    } finally {
      const prev = Atomics.exchange(ctrl, CTRL.EXEC, 0);
      if (prev === 2) {
        // the host swapped EXEC for a Ctrl-C; let it finish raising before looking (microseconds)
        for (let i = 0; i < 100 && Atomics.load(ctrl, CTRL.RAISED) === raised; i++) Atomics.wait(ctrl, CTRL.RAISED, raised, 10);
        if (this.d.kbdPending()) {
          this.d.clearKbd();
          this.late();
        }
      }
    }
    return r;
  }

  private feed(b: number): void {
    const { mp, out } = this.d;
    const r = this.call(() => mp.replProcessChar(b));
    if (this.mode === 'raw') {
      if (b === 1 || b === 3 || b === 4) this.rawLen = 0;
      else if (b === 2) this.mode = 'friendly';
      else this.rawLen++;
    } else if (b === 1 && out.recent().endsWith(RAW_BANNER)) {
      this.mode = 'raw';
      this.rawLen = 0;
    }
    if (r & 0x100) {
      this.d.onSoftReset(this.mode);
    }
    out.flush();
    this.feedLateCtrlC();
  }

  /** CircuitPython: the byte that ends the wait is swallowed; Ctrl-D reloads instead. */
  private wake(b: number): void {
    this.waitKey = false;
    if (b === 4) {
      this.d.onSoftReset('friendly');
    }
    this.d.out.write(utf8(CP_BANNER));
    this.d.out.flush();
  }

  /** Ctrl-B on CircuitPython: the port's own banner is replaced by CircuitPython's. */
  private cpBanner(): void {
    const { out } = this.d;
    out.muted = true;
    try {
      this.feed(2);
    } finally {
      out.takeCaptured();
      out.muted = false;
    }
    out.write(utf8(CP_BANNER));
    out.flush();
  }

  private startPaste(): void {
    const { out } = this.d;
    if (this.d.rawPaste === 'old') {
      // Before MicroPython 1.14 the raw REPL kept \x05 and "A" as code and reset on the Ctrl-A.
      this.feed(1);
      return;
    }
    if (this.d.rawPaste === 'refuse') {
      out.write(Uint8Array.of(0x52, 0x00));
    } else {
      out.write(Uint8Array.of(0x52, 0x01, WINDOW & 0xff, WINDOW >> 8));
      this.paste = { data: [], since: 0 };
    }
    out.flush();
  }

  private pasteByte(b: number): void {
    const { out } = this.d;
    const p = this.paste!;
    if (b !== 0x04) {
      p.data.push(b);
      if (++p.since >= WINDOW) {
        p.since = 0;
        out.write(Uint8Array.of(0x01));
        out.flush();
      }
      return;
    }
    this.paste = undefined;
    out.write(Uint8Array.of(0x04));
    out.flush();
    for (const c of p.data) this.feed(c);
    out.dropNext('OK');
    this.feed(0x04);
  }
}

import { EventEmitter } from 'node:events';
import { PIN, PIN_COUNT, PIN_MODES, PULLS, type PinMode } from './shared';
import { changePin, pinLevel } from './pin-logic';

export interface PinState {
  id: number;
  mode: PinMode;
  /** the level the board reads or drives */
  value: 0 | 1;
  pull: 'none' | 'up' | 'down';
  /** level the host drives onto the pin, when it does */
  driven?: 0 | 1;
  pwm?: { freq: number; duty_u16: number };
  /** reading the host forces on an ADC pin, when it does */
  analog?: number;
}

/**
 * The board's pins as the host sees them. Reads come straight from the shared pin bank, so they are
 * current even while board code runs; drive() is a button or a wire the host controls.
 *
 * Events: 'change' (id: number, state: PinState) whenever the board or the host changes a pin.
 */
export class PinBank extends EventEmitter {
  private readonly p: Int32Array;
  private readonly ctrl: Int32Array;

  constructor(pins: SharedArrayBuffer, ctrl: SharedArrayBuffer) {
    super();
    this.p = new Int32Array(pins);
    this.ctrl = new Int32Array(ctrl);
  }

  get(id: number): PinState {
    this.check(id);
    const b = id * PIN.SIZE;
    const mode = PIN_MODES[Atomics.load(this.p, b + PIN.MODE)] ?? 'unset';
    const state: PinState = {
      id, mode, value: pinLevel(this.p, id), pull: PULLS[Atomics.load(this.p, b + PIN.PULL)] ?? 'none',
    };
    const ext = Atomics.load(this.p, b + PIN.EXT);
    if (ext >= 0) state.driven = ext ? 1 : 0;
    if (mode === 'pwm') state.pwm = { freq: Atomics.load(this.p, b + PIN.FREQ), duty_u16: Atomics.load(this.p, b + PIN.DUTY) };
    const analog = Atomics.load(this.p, b + PIN.ANALOG);
    if (analog >= 0) state.analog = analog;
    return state;
  }

  /** Pins the board has configured or the host drives. */
  list(): PinState[] {
    const out: PinState[] = [];
    for (let id = 0; id < PIN_COUNT; id++) {
      const s = this.get(id);
      if (s.mode !== 'unset' || s.driven !== undefined || s.analog !== undefined) out.push(s);
    }
    return out;
  }

  /** Drives a level onto the pin from outside (null lets go); input pins read it, IRQs see the edge. */
  drive(id: number, value: 0 | 1 | null): void {
    this.check(id);
    changePin(this.p, this.ctrl, id, (b) => Atomics.store(this.p, b + PIN.EXT, value === null ? -1 : value ? 1 : 0));
    this.changed(id);
  }

  /** Forces what ADC(id).read_u16() returns (null: back to the simulated drifting reading). */
  setAnalog(id: number, u16: number | null): void {
    this.check(id);
    const v = u16 === null ? -1 : Math.max(0, Math.min(65535, Math.round(u16)));
    Atomics.store(this.p, id * PIN.SIZE + PIN.ANALOG, v);
    this.changed(id);
  }

  /** Called when a worker reports that board code changed a pin. */
  changed(id: number): void {
    if (this.listenerCount('change')) this.emit('change', id, this.get(id));
  }

  private check(id: number): void {
    if (!Number.isInteger(id) || id < 0 || id >= PIN_COUNT) {
      throw new RangeError(`pin ${id} does not exist on the virtual board: use 0..${PIN_COUNT - 1}`);
    }
  }
}


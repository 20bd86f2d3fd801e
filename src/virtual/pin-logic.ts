import { CTRL, PIN, wake } from './shared';

/**
 * Pin levels as both sides see them, computed from the shared pin bank: an output drives its own
 * level; an input reads what the host drives, else its pull (pull-up reads 1, no pull reads 0).
 * Every change counts rising and falling edges, so IRQs fire even for a press and release that happen
 * between two looks.
 */
export function pinLevel(p: Int32Array, id: number): 0 | 1 {
  const b = id * PIN.SIZE;
  const mode = Atomics.load(p, b + PIN.MODE);
  const ext = Atomics.load(p, b + PIN.EXT);
  if (mode === 2 || mode === 4) return Atomics.load(p, b + PIN.OUT) ? 1 : 0;
  if (mode === 3) return Atomics.load(p, b + PIN.OUT) === 0 ? 0 : ext >= 0 ? (ext ? 1 : 0) : 1;
  if (ext >= 0) return ext ? 1 : 0;
  return Atomics.load(p, b + PIN.PULL) === 1 ? 1 : 0;
}

/** Applies a change to pin id, counts the edge it makes, and wakes waiting interpreters. */
export function changePin(p: Int32Array, ctrl: Int32Array, id: number, mutate: (base: number) => void): void {
  const before = pinLevel(p, id);
  mutate(id * PIN.SIZE);
  const after = pinLevel(p, id);
  if (after > before) Atomics.add(p, id * PIN.SIZE + PIN.RISES, 1);
  if (after < before) Atomics.add(p, id * PIN.SIZE + PIN.FALLS, 1);
  Atomics.add(ctrl, CTRL.PIN_GEN, 1);
  wake(ctrl);
}

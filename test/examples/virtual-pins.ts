/**
 * The virtual boards the example flows run on, seen from the host: read a pin to check that a flow
 * really moved it, press a button wired to one, and wipe a board's filesystem so an example starts from a fresh board.
 * Node-RED runs inside the test process, so its virtual boards live in this process's registry
 * (the nodes load the same compiled file: Node.js resolves the user directory's symlink).
 */
import type { EventEmitter } from 'node:events';
import fs from 'node:fs';
import { defaultFsDir, listVirtualBoards, parseVirtualPort } from '../../src/virtual/index';
import type { FlowNode } from '../support/nodered-server';

function running(board: string) {
  const vb = listVirtualBoards().find((b) => b.name === board);
  if (!vb) throw new Error(`no virtual board "${board}" is running in this process (running: ${listVirtualBoards().map((b) => b.name).join(', ') || 'none'})`);
  return vb;
}

/** The pins of the running board `virtual:NAME`: they emit 'change' whenever a pin changes. */
export function virtualPins(board: string): EventEmitter {
  return running(board).pins;
}

/** The level (0/1) of `pin` on the running board `virtual:NAME`. */
export async function virtualPin(board: string, pin: number): Promise<0 | 1> {
  return running(board).pins.get(pin).value;
}

/** Drives input `pin` of the running board `virtual:NAME` to `level`, as a button wired to it would. */
export function driveVirtualPin(board: string, pin: number, level: 0 | 1): void {
  running(board).pins.drive(pin, level);
}

/** The PWM duty (0..65535) on `pin`, or undefined when the pin is no PWM output. */
export function virtualPwmDuty(board: string, pin: number): number | undefined {
  return running(board).pins.get(pin).pwm?.duty_u16;
}

/** Deletes the files of every virtual board the flow uses (they persist in a temp folder otherwise). */
export function wipeVirtualBoards(flow: FlowNode[]): void {
  for (const n of flow) {
    if (n.type !== 'belay-device') continue;
    const v = parseVirtualPort(String(n.port));
    if (v && !listVirtualBoards().some((b) => b.name === v.name)) {
      fs.rmSync(defaultFsDir(v.name), { recursive: true, force: true });
    }
  }
}

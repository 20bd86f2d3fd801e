/**
 * Reads a pin of a virtual board from the host side, to check that a flow really moved the pin.
 * Node-RED runs inside the test process, so its virtual boards live in this process's registry.
 */
import path from 'node:path';
import { projectRoot } from '../support/nodered-server';

interface VirtualRegistry {
  getVirtualBoard(name: string): { pins: Map<number | string, unknown> } | undefined;
}

/** The level (0/1) of `pin` on board `virtual:NAME` (`virtual` alone is name "default"). */
export async function virtualPin(board: string, pin: number | string): Promise<number | undefined> {
  // The same file the nodes load, so the same registry (Node.js resolves the user dir symlink).
  // eslint-disable-next-line @typescript-eslint/no-require-imports
  const registry = require(path.join(projectRoot, 'dist', 'src', 'virtual', 'index.js')) as VirtualRegistry;
  const vb = registry.getVirtualBoard(board);
  if (!vb) throw new Error(`no virtual board "${board}" is running in this process`);
  const p = vb.pins.get(pin) ?? vb.pins.get(String(pin));
  if (p === undefined) return undefined;
  if (typeof p === 'number' || typeof p === 'boolean') return Number(p);
  return Number((p as { value: unknown }).value);
}

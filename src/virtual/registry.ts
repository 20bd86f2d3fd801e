import { VirtualBoard, type VirtualBoardOptions } from './board';

const boards = new Map<string, VirtualBoard>();

/**
 * The open virtual board called name, or a new (not yet started) one. The same name gives the same
 * board until it is closed; options only apply when the board is created.
 */
export function getVirtualBoard(name = 'default', opts: VirtualBoardOptions = {}): VirtualBoard {
  const open = boards.get(name);
  if (open && !open.isClosed) return open;
  const board = new VirtualBoard({ ...opts, name });
  boards.set(name, board);
  board.once('close', () => {
    if (boards.get(name) === board) boards.delete(name);
  });
  return board;
}

export function listVirtualBoards(): VirtualBoard[] {
  return [...boards.values()].filter((b) => !b.isClosed);
}

/**
 * Reads `virtual`, `virtual:NAME` and `virtual:NAME?thread=off&rawpaste=off`; null for any other port.
 */
export function parseVirtualPort(port: string): { name: string; opts: VirtualBoardOptions } | null {
  const m = /^virtual(?::([^?]*))?(?:\?(.*))?$/.exec(port.trim());
  if (!m) return null;
  const name = m[1] || 'default';
  const opts: VirtualBoardOptions = {};
  for (const [k, v] of new URLSearchParams(m[2] ?? '')) {
    const on = !/^(off|false|0|no)$/i.test(v);
    if (k === 'thread' || k === 'threads') opts.threads = on;
    else if (k === 'rawpaste') opts.rawPaste = on;
    else throw new Error(`${port}: unknown virtual board option '${k}' (known: thread, rawpaste)`);
  }
  return { name, opts };
}

import * as path from 'node:path';
import { parsePort } from '../board/link/ports';
import { VirtualBoard, defaultFsDir, type VirtualBoardOptions } from './board';
import { resolveProfile } from './profile';

const boards = new Map<string, VirtualBoard>();

/**
 * The open virtual board called name, or a new (not yet started) one. The same name gives the same
 * board until it is closed; options only apply when the board is created, and an open board whose
 * profile, threads, raw-paste or folder differ from options the caller sets is an error.
 */
export function getVirtualBoard(name = 'default', opts: VirtualBoardOptions = {}): VirtualBoard {
  const open = boards.get(name);
  if (open && !open.isClosed) {
    checkSame(open, opts);
    return open;
  }
  const board = new VirtualBoard({ ...opts, name });
  boards.set(name, board);
  board.once('close', () => {
    if (boards.get(name) === board) boards.delete(name);
  });
  return board;
}

function checkSame(board: VirtualBoard, opts: VirtualBoardOptions): void {
  const want = resolveProfile({ rawPaste: opts.rawPaste });
  const have = board.profile;
  const differs: string[] = [];
  if (opts.profile !== undefined && opts.profile !== have.name) differs.push(`profile=${have.name}`);
  if (opts.threads !== undefined && opts.threads !== have.threads) differs.push(`thread=${have.threads ? 'on' : 'off'}`);
  if (opts.rawPaste !== undefined && want.rawPaste !== have.rawPaste) differs.push(`raw-paste ${have.rawPaste}`);
  if (opts.fsDir !== undefined && path.resolve(opts.fsDir) !== board.fsDir) differs.push(`files in ${board.fsDir}`);
  if (differs.length) {
    throw new Error(`virtual:${board.name} is already running with ${differs.join(', ')}; `
      + 'every device on one virtual board must give it the same options (or use another name)');
  }
}

export function listVirtualBoards(): VirtualBoard[] {
  return [...boards.values()].filter((b) => !b.isClosed);
}

/**
 * Reads `virtual`, `virtual:NAME` and `virtual:NAME?profile=small&thread=off&rawpaste=off` with the
 * board layer's port parser (a LinkError for a bad option); null for any other kind of port.
 */
export function parseVirtualPort(port: string): { name: string; opts: VirtualBoardOptions } | null {
  if (!/^virtual(:|\?|$)/.test(port.trim())) return null;
  const parsed = parsePort(port);
  if (parsed.kind !== 'virtual') return null;
  return { name: parsed.name, opts: { ...parsed.options } };
}

export { defaultFsDir };

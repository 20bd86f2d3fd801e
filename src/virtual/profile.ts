import type { VirtualProfile } from '../board/link/ports';

export type { VirtualProfile };

/**
 * How a board answers the raw-paste request: 'on' grants windows (MicroPython 1.14+, CircuitPython 8),
 * 'refuse' answers R\x00 (a board that knows the request but has it turned off), 'old' ignores it
 * and shows the raw banner again, as firmware before 1.14 does.
 */
export type RawPasteMode = 'on' | 'refuse' | 'old';

/** Everything a board's workers need to know about the kind of board they imitate. */
export interface BoardProfile {
  name: VirtualProfile;
  threads: boolean;
  rawPaste: RawPasteMode;
  /** MicroPython GC heap at load, in bytes */
  heapBytes: number;
  /** whether the GC heap may grow past heapBytes (the port adds heap areas as it fills) */
  growHeap: boolean;
  /** a fixed heap is filled after boot until this much is left free (0: no filling) */
  freeBytes: number;
  /** modules that `import` refuses with ImportError, as on a board built without them */
  missing: string[];
}

/**
 * A BBC micro:bit has about 8-10 KB free after boot. Compiling the board's own glue (_vboard, machine)
 * needs more than that, so the small profile boots in a 64 KB heap and then fills it with ballast
 * that the GC never frees until SMALL_FREE is left: user code sees the micro:bit's room.
 */
const SMALL_HEAP = 64 * 1024;
const SMALL_FREE = 9 * 1024;

export interface ProfileChoice {
  profile?: VirtualProfile;
  threads?: boolean;
  /** true = 'on', false = 'refuse' */
  rawPaste?: boolean | RawPasteMode;
  heapBytes?: number;
}

/** The profile's defaults, with what the port or the caller set explicitly on top. */
export function resolveProfile(c: ProfileChoice): BoardProfile {
  const name = c.profile ?? 'micropython';
  const base: BoardProfile = name === 'circuitpython'
    ? { name, threads: false, rawPaste: 'on', heapBytes: 1024 * 1024, growHeap: true, freeBytes: 0, missing: [] }
    : name === 'small'
      ? {
        name, threads: false, rawPaste: 'old', heapBytes: SMALL_HEAP, growHeap: false, freeBytes: SMALL_FREE,
        missing: ['json', 'binascii', 'select', 'io'],
      }
      : { name, threads: true, rawPaste: 'on', heapBytes: 1024 * 1024, growHeap: true, freeBytes: 0, missing: [] };
  if (c.threads !== undefined) base.threads = c.threads;
  if (c.rawPaste !== undefined) base.rawPaste = c.rawPaste === true ? 'on' : c.rawPaste === false ? 'refuse' : c.rawPaste;
  if (c.heapBytes !== undefined) {
    base.heapBytes = c.heapBytes;
    base.freeBytes = 0;
  }
  return base;
}

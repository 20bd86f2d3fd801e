import type { BoardShared } from './shared';
import type { BoardProfile } from './profile';

/** Messages between the host and a board's workers. */

/** What a worker boots with: nothing of any one board, so a booted spare serves any board of its profile. */
export interface WorkerInit {
  wasm: { module: WebAssembly.Module; initialPages: number; maximumPages: number };
  profile: BoardProfile;
  /** the boot image an earlier worker of this profile made, to share (see BootImage) */
  bootImage?: SharedArrayBuffer;
}

/** The board a booted worker then works for (see Attach). */
export interface BoardBinding {
  shared: BoardShared;
  fsDir: string;
  name: string;
  /** machine.unique_id(), hex */
  uniqueId: string;
  /** this worker's output ring (see Output) */
  outRing: SharedArrayBuffer;
}

/** One word that mp_sched_keyboard_interrupt() changes: at byte address addr, from before to after. */
export interface KbdWord { addr: number; before: number; after: number }

export type ReplMode = 'raw' | 'friendly';

export type ToWorker =
  /** work for this board from now on: its shared memory, files and output ring */
  | { t: 'attach'; board: BoardBinding }
  /**
   * become the board's main interpreter; greeting: print the banner of mode, or nothing;
   * power: a power-on or hard reset (CircuitPython runs boot.py then)
   */
  | { t: 'activate'; mode: ReplMode; greeting: boolean; power: boolean }
  /** run thread `ident` from the parent's memory, on the C stack below `sp` (see Fork) */
  | { t: 'fork'; ident: number; snapshot: ArrayBuffer; sp: number };

export type ToHost =
  /** bootImage: this worker made its own boot image (it had none to share, or its boot differed) */
  | { t: 'ready'; memory: WebAssembly.Memory; kbd: KbdWord[]; heapBytes: number; bootImage?: SharedArrayBuffer }
  /** output is waiting in the worker's output ring (told through the ring, never posted: see Interpreter) */
  | { t: 'out' }
  | { t: 'pin'; id: number }
  /**
   * the parent's memory at start_new_thread, and its C stack pointer then; epitaph: what to send in
   * the thread's place if it ends without its last frame ('' for none, see epitaph in _vboard)
   */
  | { t: 'fork'; ident: number; snapshot: ArrayBuffer; sp: number; epitaph: string }
  /**
   * the thread's interpreter is done. returned: its function returned (for the Belay agent's
   * threads: the agent has sent the thread's last frame); why: the interpreter failed under it
   */
  | { t: 'exit'; ident: number; returned: boolean; why?: string }
  /** carries a buffer the worker is done with (transferred, so it is freed on the host's side) */
  | { t: 'free' }
  /**
   * kind 0: soft reset (Ctrl-D, machine.soft_reset), 1: machine.reset(). inPlace: the worker has
   * put its interpreter back as it was after boot and waits for 'activate'; otherwise it waits to be
   * terminated and a fresh interpreter takes over.
   */
  | { t: 'reset'; kind: number; mode: ReplMode; inPlace: boolean }
  | { t: 'fatal'; message: string };

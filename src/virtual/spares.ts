import { prepareWasm } from './wasm-binary';
import { Interpreter } from './interpreter';
import type { BoardProfile } from './profile';

/**
 * Booted interpreters that no board owns yet: one per kind of board (profile) that threads may be
 * started on, shared by every board of the process. A worker boots for no board in particular, so
 * whichever board starts a thread next takes it (a thread start costs a fork, not a boot) and a new
 * spare boots behind it. Before, each board kept a spare of its own: a second interpreter per idle
 * board. Soft resets need none (the worker resets in place, see worker.ts).
 */
interface Pool {
  spare: Interpreter | undefined;
  /** open boards that may start threads on this profile */
  users: number;
}

const pools = new Map<string, Pool>();
/** One boot image per profile, made by the first worker and shared by the next (see BootImage). */
const images = new Map<string, SharedArrayBuffer>();

const keyOf = (p: BoardProfile) => JSON.stringify(p);

function spawn(profile: BoardProfile): Interpreter {
  const key = keyOf(profile);
  const w = new Interpreter({ wasm: prepareWasm(profile.growHeap), profile, bootImage: images.get(key) }, `virtual board (${profile.name})`);
  w.ready.then(() => { if (w.bootImage && !images.has(key)) images.set(key, w.bootImage); }, () => undefined);
  // A spare alone never keeps the process alive; attach() refs it.
  w.worker.unref();
  return w;
}

/** A board of this profile is open and may start threads: keep a spare booted. Returns the release. */
export function useSpares(profile: BoardProfile): () => void {
  const key = keyOf(profile);
  let pool = pools.get(key);
  if (!pool) pools.set(key, (pool = { spare: undefined, users: 0 }));
  pool.users++;
  pool.spare ??= spawn(profile);
  let released = false;
  return () => {
    if (released) return;
    released = true;
    if (--pool.users > 0) return;
    const w = pool.spare;
    pools.delete(key);
    void w?.terminate();
  };
}

/**
 * A booted interpreter of this profile, attached to no board yet: the pooled spare when there is one
 * (and a new one boots behind it), else one booted now. label names the board in errors.
 */
export async function takeInterpreter(profile: BoardProfile, label: string): Promise<Interpreter> {
  const pool = pools.get(keyOf(profile));
  let w = pool?.spare;
  if (pool) pool.spare = pool.users > 0 ? spawn(profile) : undefined;
  if (!w || w.isDead) w = spawn(profile);
  // Taken: the board waits for it, so it keeps the process alive from now on.
  w.worker.ref();
  try {
    await w.ready;
  } catch (e) {
    void w.terminate();
    throw new Error(`${label}: ${(e as Error).message.replace(/^virtual board \([^)]*\): /, '')}`);
  }
  return w;
}

/** Resolves once the pooled spare of this profile has booted (at once when there is none). */
export async function spareReady(profile: BoardProfile): Promise<void> {
  await pools.get(keyOf(profile))?.spare?.ready.catch(() => undefined);
}

import { prepareWasm } from './wasm-binary';
import { Interpreter } from './interpreter';
import type { BoardProfile } from './profile';

/**
 * Booted interpreters that no board owns yet, per kind of board (profile) that threads may be
 * started on, shared by every board of the process. A worker boots for no board in particular, so
 * whichever board starts a thread (or a board) next takes one: a thread start costs a fork, not a
 * boot (60-130 ms here), and a new spare boots behind it. Before, each board kept a spare of its
 * own: a second interpreter per idle board. Soft resets need none (the worker resets in place, see
 * worker.ts).
 *
 * The pool holds SPARES: with one, a thread started right after another waited for the boot of the
 * spare the first one took (80-170 ms back to back); with two, the second start finds one booted
 * while the replacements boot side by side. It costs one idle worker (about 9 MiB) per process,
 * not per board. While a start waits for a spare that is still booting, the pool boots nothing
 * more: on two cores, refills booting beside it made four threads started at once take 400 ms.
 */
const SPARES = 2;

interface Pool {
  profile: BoardProfile;
  spares: Interpreter[];
  /** open boards that may start threads on this profile */
  users: number;
  /** starts waiting for a spare that is still booting */
  waiting: number;
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

/** Tops the pool up to SPARES, unless a start waits for a boot; a pool whose boards all closed stays empty. */
function fill(pool: Pool): void {
  if (pool.users === 0 || pool.waiting > 0) return;
  pool.spares = pool.spares.filter((w) => !w.isDead);
  while (pool.spares.length < SPARES) pool.spares.push(spawn(pool.profile));
}

/** A board of this profile is open and may start threads: keep spares booted. Returns the release. */
export function useSpares(profile: BoardProfile): () => void {
  const key = keyOf(profile);
  let pool = pools.get(key);
  if (!pool) pools.set(key, (pool = { profile, spares: [], users: 0, waiting: 0 }));
  pool.users++;
  fill(pool);
  let released = false;
  const mine = pool;
  return () => {
    if (released) return;
    released = true;
    if (--mine.users > 0) return;
    pools.delete(key);
    for (const w of mine.spares.splice(0)) void w.terminate();
  };
}

/**
 * A booted interpreter of this profile, attached to no board yet: a pooled spare when there is one
 * (a booted one first, and replacements start booting), else one booted now. label names the board
 * in errors.
 */
export async function takeInterpreter(profile: BoardProfile, label: string): Promise<Interpreter> {
  const pool = pools.get(keyOf(profile));
  let w: Interpreter | undefined;
  if (pool) {
    pool.spares = pool.spares.filter((s) => !s.isDead);
    w = pool.spares.find((s) => s.booted) ?? pool.spares[0];
    if (w) pool.spares.splice(pool.spares.indexOf(w), 1);
  }
  w ??= spawn(profile);
  // Taken: the board waits for it, so it keeps the process alive from now on.
  w.worker.ref();
  const waits = pool !== undefined && !w.booted;
  if (pool) {
    if (waits) pool.waiting++;
    else fill(pool);
  }
  try {
    await w.ready;
  } catch (e) {
    void w.terminate();
    throw new Error(`${label}: ${(e as Error).message.replace(/^virtual board \([^)]*\): /, '')}`);
  } finally {
    if (pool && waits) {
      pool.waiting--;
      fill(pool);
    }
  }
  return w;
}

/** Resolves once the pool of this profile is full and booted (at once when there is none). */
export async function spareReady(profile: BoardProfile): Promise<void> {
  for (;;) {
    const pool = pools.get(keyOf(profile));
    const booting = pool?.spares.filter((w) => !w.booted && !w.isDead) ?? [];
    if (booting.length === 0) return;
    await Promise.all(booting.map((w) => w.ready.catch(() => undefined)));
  }
}

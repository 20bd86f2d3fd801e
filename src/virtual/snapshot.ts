/**
 * An interpreter's state as it was just after boot, and the part of its memory that is in use.
 *
 * A soft reset puts the worker's interpreter back as it was after boot (its memory up to the heap's
 * break, the C stack pointer, and the JavaScript side that the port keeps beside its memory: the
 * tables of proxies between Python and JavaScript objects, open files, the current folder) instead
 * of swapping in a second booted worker: a reset costs about a millisecond and no board needs a
 * spare of its own. A thread start copies only the memory in use, not the whole 16 MiB, and both
 * write only the pages that differ (see writeChanged): a page a copy writes becomes resident, zeros
 * or not.
 */

/* eslint-disable @typescript-eslint/no-explicit-any */

const PAGE = 65536;
/** what a malloc takes from the top of the heap at boot to see which word moves with it: the break stays there (malloc does not give memory back), so it is small */
const PROBE_BYTES = 128 << 10;

/**
 * The end of the memory in use: the heap's break (Emscripten's sbrk). Below it lie the C stack,
 * static data and malloc's heap (the GC heap and its extra areas are malloc'd); above it nothing was
 * ever written. The break is a static word, found at boot as the highest of those that grow by what a
 * large malloc takes from the top; where none is found, the whole memory counts as in use.
 */
export function heapBreak(exportsRef: any, memory: WebAssembly.Memory): () => number {
  const stackBase: number = exportsRef.emscripten_stack_get_base();
  const probe: number = exportsRef.malloc(4);
  exportsRef.free(probe);
  const size = memory.buffer.byteLength;
  let w = new Int32Array(memory.buffer);
  const seen: [number, number][] = [];
  for (let i = stackBase >> 2; i < probe >> 2; i++) if (w[i] >= probe && w[i] <= size) seen.push([i, w[i]]);
  const big: number = exportsRef.malloc(PROBE_BYTES);
  w = new Int32Array(memory.buffer);
  const moved = big ? seen.filter(([i, v]) => w[i] - v >= PROBE_BYTES) : [];
  if (big) exportsRef.free(big);
  if (moved.length === 0) return () => memory.buffer.byteLength;
  // malloc's top chunk moves too, and lies below the break: the break is the highest of them.
  const at = moved.reduce((a, b) => (b[1] > a[1] ? b : a))[0];
  return () => {
    const end = memory.buffer.byteLength;
    const brk = new Int32Array(memory.buffer, at * 4, 1)[0];
    return Math.min(end, Math.ceil(brk / PAGE) * PAGE);
  };
}

/** The port's JavaScript-side proxy tables (globals of the worker, see proxy_js_init in the port). */
interface ProxyTables {
  ref: unknown[];
  next: number;
  refMap: Map<unknown, number>;
  map: Map<number, unknown>;
  existing: unknown[];
}

const g = globalThis as any;

function saveProxies(): ProxyTables {
  return {
    ref: [...g.proxy_js_ref], next: g.proxy_js_ref_next, refMap: new Map(g.proxy_js_ref_map),
    map: new Map(g.proxy_js_map), existing: [...g.proxy_js_existing],
  };
}

function restoreProxies(t: ProxyTables): void {
  g.proxy_js_ref = [...t.ref];
  g.proxy_js_ref_next = t.next;
  g.proxy_js_ref_map = new Map(t.refMap);
  g.proxy_js_map = new Map(t.map);
  g.proxy_js_existing = [...t.existing];
}

/**
 * Python objects that JavaScript holds are freed in the port when their JavaScript proxy is
 * collected. One made before a reset (or, in a thread, by its own boot) must not free what the
 * memory now uses for something else: the registry drops callbacks of an earlier generation.
 * Installed right after load, before the boot makes any proxy; returns what starts a generation.
 */
export function guardFinalizers(exportsRef: any): () => void {
  let gen = 0;
  const registry = new FinalizationRegistry((held: { id: number; gen: number }) => {
    if (held.gen !== gen) return;
    g.proxy_js_map.delete(held.id);
    exportsRef.proxy_c_free_obj(held.id);
  });
  g.pyProxyFinalizationRegistry = { register: (obj: object, id: number) => registry.register(obj, { id, gen }) };
  return () => { gen++; };
}

export class BootImage {
  private readonly image: Uint8Array;
  private readonly sp: number;
  private readonly proxies: ProxyTables;
  private readonly fds: Set<number>;
  private readonly cwd: string;

  /** the image's memory, when this worker made it (for the next workers of its profile) */
  readonly made: SharedArrayBuffer | undefined;

  /**
   * Takes the image now: call it at the top level (no call into the port running). nextGeneration
   * comes from guardFinalizers. shared: the image another worker of the same profile made; every
   * boot writes the same bytes (bar a few in the free part of the C stack), so where this worker's
   * memory above the stack equals it, the workers share one image instead of 1.3 MiB each.
   */
  constructor(private readonly exportsRef: any, private readonly memory: WebAssembly.Memory, private readonly FS: any,
    private readonly top: () => number, private readonly nextGeneration: () => void, shared?: SharedArrayBuffer) {
    const own = new Uint8Array(memory.buffer, 0, top());
    const stackBase: number = exportsRef.emscripten_stack_get_base();
    if (shared && sameFrom(new Uint8Array(shared), own, stackBase)) {
      this.image = new Uint8Array(shared);
    } else {
      this.made = new SharedArrayBuffer(own.length);
      this.image = new Uint8Array(this.made);
      this.image.set(own);
    }
    this.sp = exportsRef.emscripten_stack_get_current();
    this.proxies = saveProxies();
    this.fds = new Set(this.streams().map((s) => s.fd));
    this.cwd = FS.cwd();
  }

  /** The image's bytes, for a comparison against what the memory holds now. */
  get bytes(): Uint8Array {
    return this.image;
  }

  /** Memory in use beyond the image: past a limit, a fresh worker is the better reset (RSS stays). */
  growth(): number {
    return this.top() - this.image.length;
  }

  /**
   * Puts the interpreter back as it was at the image; whatever ran is abandoned (the caller has
   * unwound its JavaScript frames).
   */
  restore(): void {
    const now = this.top();
    const m = new Uint8Array(this.memory.buffer);
    writeChanged(m, this.image);
    if (now > this.image.length) zeroChanged(m, this.image.length, now);
    this.exportsRef._emscripten_stack_restore(this.sp);
    this.nextGeneration();
    restoreProxies(this.proxies);
    for (const s of this.streams()) {
      if (this.fds.has(s.fd)) continue;
      try { this.FS.close(s); } catch { /* a file the host removed meanwhile */ }
    }
    this.FS.chdir(this.cwd);
  }

  private streams(): any[] {
    return (this.FS.streams as any[]).filter((s) => s);
  }
}

function sameFrom(a: Uint8Array, b: Uint8Array, from: number): boolean {
  if (a.length !== b.length) return false;
  const n = a.length >> 2;
  const wa = new Int32Array(a.buffer, a.byteOffset, n), wb = new Int32Array(b.buffer, b.byteOffset, n);
  for (let i = from >> 2; i < n; i++) if (wa[i] !== wb[i]) return false;
  return true;
}

/**
 * Copies a parent's memory (taken up to its break) into this interpreter's: pages above the copy
 * that this interpreter's own boot wrote are zeroed, as they are in the parent.
 */
export function loadMemory(memory: WebAssembly.Memory, snap: Uint8Array, top: () => number, grow: (bytes: number) => void): void {
  const own = top();
  if (snap.length > memory.buffer.byteLength) grow(snap.length);
  const m = new Uint8Array(memory.buffer);
  writeChanged(m, snap);
  if (own > snap.length) zeroChanged(m, snap.length, own);
}

/**
 * A page of the host's memory: what a write makes resident. Most of the memory in use is zeros (the
 * free GC heap: 304 of the 352 pages of a boot image) and a booted interpreter holds the same bytes
 * as the image in most of the rest, so a copy that writes every byte made 1.4 MiB resident per
 * thread and per reset board where 0.2 MiB differ. Reading an untouched page costs no memory.
 */
const OS_PAGE = 4096;

/** Copies src into dst from address 0, writing only the pages whose bytes differ. */
function writeChanged(dst: Uint8Array, src: Uint8Array): void {
  const n = src.length >> 2;
  const d = new Int32Array(dst.buffer, dst.byteOffset, n);
  const s = new Int32Array(src.buffer, src.byteOffset, n);
  for (let p = 0; p < n; p += OS_PAGE >> 2) {
    const end = Math.min(p + (OS_PAGE >> 2), n);
    for (let i = p; i < end; i++) {
      if (d[i] !== s[i]) {
        d.set(s.subarray(p, end), p);
        break;
      }
    }
  }
  for (let i = n << 2; i < src.length; i++) dst[i] = src[i];
}

/** Zeroes dst[from, to), writing only the pages that hold anything else; from and to are page-aligned. */
function zeroChanged(dst: Uint8Array, from: number, to: number): void {
  const d = new Int32Array(dst.buffer, dst.byteOffset + from, (to - from) >> 2);
  for (let p = 0; p < d.length; p += OS_PAGE >> 2) {
    const end = Math.min(p + (OS_PAGE >> 2), d.length);
    for (let i = p; i < end; i++) {
      if (d[i] !== 0) {
        d.fill(0, p, end);
        break;
      }
    }
  }
}

import * as fs from 'node:fs';
import * as path from 'node:path';

/**
 * Loads the official MicroPython WebAssembly binary once and rewrites it so that its linear memory is
 * imported as a *shared* memory. The host thread then keeps a view of each interpreter's memory and can
 * set the VM's pending-KeyboardInterrupt words while a busy loop runs: the port has no periodic hook
 * into JavaScript, so nothing else can stop `while True: pass`.
 */

export const PACKAGE_DIR = path.dirname(require.resolve('@micropython/micropython-webassembly-pyscript/package.json'));
export const MJS_PATH = path.join(PACKAGE_DIR, 'micropython.mjs');
const WASM_PATH = path.join(PACKAGE_DIR, 'micropython.wasm');

/** What sys.implementation._machine and the banner say; the patch keeps the original's length (18), which the binary stores. */
const MACHINE_ORIGINAL = 'JS with Emscripten';
export const MACHINE_NAME = 'virtual board wasm';

/** Largest memory an interpreter may grow to (64 MiB in pages of 64 KiB); beyond it MemoryError. */
const MAX_PAGES = 1024;

export interface PreparedWasm {
  module: WebAssembly.Module;
  initialPages: number;
  maximumPages: number;
}

const cached = new Map<boolean, PreparedWasm>();

/**
 * Compiles the rewritten binary once per process and variant; WebAssembly.Module objects can be
 * posted to workers. growHeap false makes the GC heap stay at the size given at load, as on a board.
 */
export function prepareWasm(growHeap = true): PreparedWasm {
  let prepared = cached.get(growHeap);
  if (!prepared) {
    let bin = patchMachineName(fs.readFileSync(WASM_PATH));
    if (!growHeap) bin = patchMaxNewSplit(bin);
    const { bytes, initialPages } = importSharedMemory(bin);
    prepared = { module: new WebAssembly.Module(bytes), initialPages, maximumPages: MAX_PAGES };
    cached.set(growHeap, prepared);
  }
  return prepared;
}

/**
 * The port adds GC heap areas as the heap fills (MICROPY_GC_SPLIT_HEAP_AUTO) up to what
 * gc_get_max_new_split() allows, 128 MiB, which gc.mem_free() also counts as free. That function is
 * one `i32.const 134217728` (body: size 8, no locals, const, end); zero makes the heap fixed.
 */
function patchMaxNewSplit(bin: Buffer): Buffer {
  const body = Buffer.from([0x08, 0x00, 0x41, 0x80, 0x80, 0x80, 0xc0, 0x00, 0x0b]);
  const at = bin.indexOf(body);
  if (at < 0 || bin.indexOf(body, at + 1) >= 0) {
    throw new Error('micropython.wasm: cannot find gc_get_max_new_split() to fix the heap size; unexpected build of the WebAssembly port');
  }
  const out = Buffer.from(bin);
  // Zero as a 5-byte LEB128 (padded), so no offset in the binary moves.
  Buffer.from([0x80, 0x80, 0x80, 0x80, 0x00]).copy(out, at + 3);
  return out;
}

function patchMachineName(bin: Buffer): Buffer {
  const from = Buffer.from(MACHINE_ORIGINAL + '\0', 'latin1');
  const at = bin.indexOf(from);
  if (at < 0) return bin;
  const out = Buffer.from(bin);
  const to = Buffer.from(MACHINE_NAME + '\0', 'latin1');
  if (to.length !== from.length) throw new Error('machine name patch must keep the length of the original');
  to.copy(out, at);
  return out;
}

function readLeb(buf: Uint8Array, pos: number): [number, number] {
  let result = 0;
  let shift = 0;
  for (;;) {
    const b = buf[pos++];
    result += (b & 0x7f) * 2 ** shift;
    shift += 7;
    if ((b & 0x80) === 0) return [result, pos];
  }
}

function leb(n: number): number[] {
  const out: number[] = [];
  do {
    let b = n & 0x7f;
    n = Math.floor(n / 128);
    if (n !== 0) b |= 0x80;
    out.push(b);
  } while (n !== 0);
  return out;
}

function name(s: string): number[] {
  const b = Buffer.from(s, 'utf8');
  return [...leb(b.length), ...b];
}

interface Section { id: number; body: Uint8Array }

/**
 * Moves the module's own memory (memory section) into the import section as `env.memory`, shared,
 * with a maximum. The export of memory index 0 stays valid because the import takes index 0.
 */
function importSharedMemory(bin: Uint8Array): { bytes: Uint8Array; initialPages: number } {
  const sections: Section[] = [];
  let pos = 8;
  while (pos < bin.length) {
    const id = bin[pos++];
    let size: number;
    [size, pos] = readLeb(bin, pos);
    sections.push({ id, body: bin.subarray(pos, pos + size) });
    pos += size;
  }
  const memory = sections.find((s) => s.id === 5);
  const imports = sections.find((s) => s.id === 2);
  if (!memory || !imports) throw new Error('micropython.wasm has no memory or import section: unexpected build of the WebAssembly port');
  let p = 0;
  let count: number;
  [count, p] = readLeb(memory.body, p);
  if (count !== 1) throw new Error(`micropython.wasm declares ${count} memories; expected one`);
  const flags = memory.body[p++];
  let initialPages: number;
  [initialPages, p] = readLeb(memory.body, p);
  if (flags & 1) [, p] = readLeb(memory.body, p);

  let ip = 0;
  let importCount: number;
  [importCount, ip] = readLeb(imports.body, ip);
  const memoryImport = [...name('env'), ...name('memory'), 0x02, 0x03, ...leb(initialPages), ...leb(MAX_PAGES)];
  const newImports = new Uint8Array([...leb(importCount + 1), ...imports.body.subarray(ip), ...memoryImport]);

  const parts: number[] = [...bin.subarray(0, 8)];
  for (const s of sections) {
    if (s.id === 5) continue;
    const body = s.id === 2 ? newImports : s.body;
    parts.push(s.id, ...leb(body.length));
    for (let i = 0; i < body.length; i++) parts.push(body[i]);
  }
  return { bytes: new Uint8Array(parts), initialPages };
}

/**
 * Garbage collection while Python code runs. The port (MICROPY_GC_SPLIT_HEAP_AUTO) cannot scan the
 * C stack, so its gc_collect() only sets a flag and the collection runs when the outermost call from
 * JavaScript returns (external_call_depth back to 0). A loop that never returns to the REPL, such
 * as a host agent reading stdin or a thread, never collected: its heap only grew, gc.collect() or not.
 *
 * collect() runs that deferred collection now, from inside a call: it sets the depth word to 0 and
 * makes one nested call into the port (an empty exec), whose return collects. The roots the port
 * scans are its root pointers and the Python stack; for the C frames of the interrupted call it
 * would scan nothing, so the Python-stack range is pointed for the moment at a copy of the Python
 * stack followed by the C shadow stack, which the collection then scans conservatively too.
 * Only gc.collect() calls this, a point where the objects a C frame holds are on one of those stacks.
 *
 * The words are found at boot by watching memory: the depth word reads 0, 1, 2 at the top level,
 * inside a call and inside a nested call; the Python stack's start, end and current pointers are
 * three adjacent words whose end - start is the Python stack's size.
 */

/* eslint-disable @typescript-eslint/no-explicit-any */

export interface Collector {
  /** Runs a collection the port was asked for (gc.collect()); false when the words were not found. */
  collect(): boolean;
}

const SLACK = 2048;

export function createCollector(mp: any, exportsRef: any, memory: WebAssembly.Memory, pystackBytes: number): Collector {
  // Emscripten's layout: the C stack (growing down from its base), then static data, then the heap.
  const stackBase: number = exportsRef.emscripten_stack_get_base();
  const probe: number = exportsRef.malloc(4);
  exportsRef.free(probe);
  const from = stackBase >> 2;
  const count = (probe >> 2) - from;
  // Word indexes whose value is v, among `among` (all of the static range when not given): the
  // probe keeps index lists, not copies of the range (a megabyte each that an idle worker kept).
  const where = (v: number, among?: number[]) => {
    const w = new Int32Array(memory.buffer, from * 4, count);
    if (among) return among.filter((i) => w[i] === v);
    const out: number[] = [];
    for (let i = 0; i < count; i++) if (w[i] === v) out.push(i);
    return out;
  };
  let inside: number[] = [];
  let nested: number[] = [];
  mp.registerJsModule('_vbprobe', {
    outer() {
      inside = where(1);
      mp.runPython('import _vbprobe\n_vbprobe.inner()');
    },
    inner() { nested = where(2, inside); },
  });
  mp.runPython("import _vbprobe, sys\n_vbprobe.outer()\ndel sys.modules['_vbprobe']");
  const depth = where(0, nested).map((i) => (from + i) * 4);
  const words = new Int32Array(memory.buffer, from * 4, count);
  const stack: number[] = [];
  for (let i = 0; i + 2 < words.length; i++) {
    const start = words[i], end = words[i + 1], cur = words[i + 2];
    if (start > 0 && end - start === pystackBytes && cur >= start && cur <= end) stack.push((from + i) * 4);
  }
  if (depth.length !== 1 || stack.length !== 1) {
    return { collect: () => false };
  }
  const depthAt = depth[0] >> 2;
  const ps = stack[0] >> 2;
  const empty: number = exportsRef.malloc(16);
  const result: number = exportsRef.malloc(16);

  return {
    collect(): boolean {
      const w = new Int32Array(memory.buffer);
      const start = w[ps], end = w[ps + 1], cur = w[ps + 2];
      const sp: number = exportsRef.emscripten_stack_get_current();
      const used = cur - start;
      const cstack = stackBase - sp;
      const copy: number = exportsRef.malloc(used + cstack + SLACK);
      if (!copy) return false;
      const wb = new Uint8Array(memory.buffer);
      wb.copyWithin(copy, start, cur);
      wb.copyWithin(copy + used, sp, stackBase);
      const savedDepth = w[depthAt];
      w[ps] = copy;
      w[ps + 1] = copy + used + cstack + SLACK;
      w[ps + 2] = copy + used + cstack;
      w[depthAt] = 0;
      try {
        exportsRef.mp_js_do_exec(empty, 0, result);
      } finally {
        const w2 = new Int32Array(memory.buffer);
        w2[ps] = start;
        w2[ps + 1] = end;
        w2[ps + 2] = cur;
        w2[depthAt] = savedDepth;
        exportsRef.free(copy);
      }
      return true;
    },
  };
}

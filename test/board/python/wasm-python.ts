/**
 * The official MicroPython WebAssembly port loaded straight into a test, to prove that what the host
 * writes compiles on a real MicroPython and that what MicroPython prints parses on the host.
 */

export interface WasmPython {
  /** Runs code; returns what it printed. Throws an Error whose message is the traceback. */
  run(code: string): string;
  /** Emscripten's in-memory filesystem, as the interpreter sees it. */
  fs: {
    writeFile(path: string, data: Uint8Array | string): void;
    readFile(path: string): Uint8Array;
    mkdir(path: string): void;
    readdir(path: string): string[];
    stat(path: string): { mode: number };
  };
}

export async function loadWasmPython(): Promise<WasmPython> {
  // A variable specifier keeps TypeScript from resolving (and typing) the ESM-only package.
  const spec = '@micropython/micropython-webassembly-pyscript';
  const { loadMicroPython } = await import(spec);
  const chunks: Uint8Array[] = [];
  const mp = await loadMicroPython({ stdout: (b: Uint8Array) => chunks.push(b), linebuffer: false, heapsize: 4 * 1024 * 1024 });
  return {
    fs: mp.FS,
    run(code: string): string {
      chunks.length = 0;
      try {
        mp.runPython(code);
      } catch (e) {
        throw new Error(String((e as Error).message ?? e));
      }
      return Buffer.concat(chunks).toString('utf8');
    },
  };
}

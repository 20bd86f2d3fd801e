/**
 * The few WebAssembly declarations the virtual board needs: the project compiles with lib ES2022 and
 * @types/node 20, neither of which declares the WebAssembly namespace.
 */
declare namespace WebAssembly {
  class Module {
    constructor(bytes: Uint8Array);
  }
  interface MemoryDescriptor { initial: number; maximum?: number; shared?: boolean }
  class Memory {
    constructor(desc: MemoryDescriptor);
    readonly buffer: ArrayBuffer | SharedArrayBuffer;
    grow(pages: number): number;
  }
  class Instance {
    readonly exports: Record<string, unknown>;
  }
  function instantiate(module: Module, imports?: object): Promise<Instance>;
}

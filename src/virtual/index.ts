/** The virtual board: a real MicroPython interpreter (WebAssembly port) behind the raw REPL. */
export { VirtualBoard, defaultFsDir, type VirtualBoardOptions } from './board';
export { PinBank, type PinState } from './pins';
export type { PinMode } from './shared';
export { getVirtualBoard, listVirtualBoards, parseVirtualPort } from './registry';

/**
 * The virtual board: a real MicroPython interpreter (WebAssembly port) behind the raw REPL.
 * Importing this module registers the link for `virtual` ports with the board layer (createLink).
 */
export { VirtualBoard, defaultFsDir, setVirtualRoot, virtualRoot, type VirtualBoardOptions } from './board';
export { PinBank, type PinState } from './pins';
export type { PinMode } from './shared';
export type { VirtualProfile, RawPasteMode } from './profile';
export { getVirtualBoard, listVirtualBoards, parseVirtualPort } from './registry';
export { VirtualLink } from './link';

/**
 * The node behaviours of CONTRACT.md on a BBC micro:bit v1: MicroPython 1.9.2 in QEMU, behind a pty.
 * The smallest board a user may still have: about 8 KB of heap, no raw-paste, no _thread, a flat
 * filesystem; the device keeps its default start-up, which must skip the imports the board lacks.
 */
import { boardContract } from './contract';

boardContract('microbit', { status: /^MicroPython 1\.9\b/, threads: false, folders: false });

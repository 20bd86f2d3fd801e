/**
 * The CONTRACT's node behaviours on the virtual board's profiles (issue #9), the same tests the
 * emulated Pico and micro:bit run (test/firmware/contract.ts): CircuitPython 8 (no compile, no
 * _thread, read-only filesystem to code); profile-small.test.ts runs the small board.
 */
import { boardContract } from '../firmware/contract';

boardContract({ port: `virtual:cp-${process.pid}?profile=circuitpython`, name: 'circuitpython' },
  { status: /^CircuitPython 8\.0\b/, threads: false, folders: true, readOnly: true });

/** The CONTRACT's node behaviours on the virtual board's small profile (see profiles.test.ts). */
import { boardContract } from '../firmware/contract';

boardContract({ port: `virtual:small-${process.pid}?profile=small`, name: 'small' },
  { status: /^MicroPython 1\.27\b/, threads: false, folders: true, sync: false });

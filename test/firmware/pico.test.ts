/** The node behaviours of CONTRACT.md on a Raspberry Pi Pico: MicroPython 1.26.1 in rp2040js, behind a pty. */
import { boardContract } from './contract';

boardContract('pico', { status: /^MicroPython 1\.26\b/, threads: true, folders: true, rtc: true, events: true });

/**
 * Devices on virtual boards for one test file: each gets a board of its own, closed and its folder
 * removed when the file's tests are done.
 */
import { after } from 'node:test';
import * as fs from 'node:fs';
import { Device } from '../../src/board/device';
import { BoardError } from '../../src/board/types';
import { defaultFsDir } from '../../src/virtual';
import '../../src/virtual/link';

/** `board(name, dispatcher)` makes a Device on `virtual:<prefix>-<name>-<pid>` (timeout in seconds). */
export function virtualDevices(prefix: string, timeout = 20): (name: string, dispatcher?: boolean) => Device {
  const devices: Device[] = [];
  const names: string[] = [];
  after(async () => {
    for (const d of devices) await d.close().catch(() => undefined);
    for (const n of names) fs.rmSync(defaultFsDir(n), { recursive: true, force: true });
  });
  return (name, dispatcher = true) => {
    const n = `${prefix}-${name}-${process.pid}`;
    names.push(n);
    const d = new Device({ port: `virtual:${n}`, timeout });
    d.useDispatcher = dispatcher;
    devices.push(d);
    return d;
  };
}

/** For assert.rejects: a BoardError of this type. */
export const isType = (type: string) => (e: unknown): boolean => e instanceof BoardError && e.type === type;

/** What the real-firmware test files share: tests that run only where the board can, and a board with a Device on it. */
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { Device } from '../../src/board/device';
import type { BoardInfo } from '../../src/board/types';
import { BOARD_NAMES, firmwareAvailable, startFirmware, type FirmwareBoard, type FirmwareKind } from './firmware';

/**
 * Declares `body`'s tests where the emulated board can run; where it cannot, one test that says
 * why: skipped in a user's clone, failed in CI (the boards are there by design, so a missing one is
 * a failure there, not a skip).
 */
export function onFirmware(kind: FirmwareKind, what: string, body: () => void): void {
  const reason = firmwareAvailable(kind);
  if (!reason) body();
  else if (process.env.CI) test(`the ${BOARD_NAMES[kind]} runs in CI`, () => assert.fail(reason));
  else test(`${what} on the ${BOARD_NAMES[kind]}`, { skip: reason }, () => undefined);
}

/**
 * One emulated board and one connected Device on it for the tests of a file: started before them,
 * closed and stopped after. Read `.device` inside a test.
 */
export function firmwareDevice(kind: FirmwareKind, timeout: number, check?: (info: BoardInfo) => void): { readonly device: Device } {
  let board: FirmwareBoard | undefined;
  let device: Device | undefined;
  before(async () => {
    board = await startFirmware(kind);
    device = new Device({ port: board.port, timeout });
    const info = await device.connect();
    check?.(info);
  });
  after(async () => {
    await device?.close();
    await board?.stop();
  });
  return {
    get device(): Device {
      if (!device) throw new Error(`the ${BOARD_NAMES[kind]} did not start`);
      return device;
    },
  };
}

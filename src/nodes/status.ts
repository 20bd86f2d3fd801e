import type { BoardInfo, DeviceState } from '../board';
import { describeError } from './errors';
import { t } from './i18n';
import type { NodeStatus } from '@node-red/registry';

/**
 * Statuses stay short, as Node-RED's own do ("connected", "error"): the whole text of an error goes
 * to Catch nodes and the debug sidebar, the board's details to its config node.
 */
export const STATUS_MAX = 32;

/** The first line of an error (or any text), cut to `max` characters. */
export function shortText(err: unknown, max = STATUS_MAX): string {
  const text = (err instanceof Error ? err.message : String(err)).split('\n')[0];
  return text.length > max ? text.slice(0, max - 1) + '…' : text;
}

/** "MicroPython 1.27", "CircuitPython 9.2": the implementation and its major.minor version. */
export function shortBoard(info: BoardInfo): string {
  const impl = info.implementation === 'circuitpython' ? 'CircuitPython'
    : info.implementation === 'micropython' ? 'MicroPython' : info.implementation;
  const version = /^\d+\.\d+/.exec(info.version)?.[0] ?? info.version;
  return `${impl} ${version}`;
}

/** An error's code and message without the board (every node of the board shows which it is). */
function errorText(err: unknown): string {
  const e = describeError(err);
  return e.message ? `${e.type}: ${e.message}` : e.type;
}

/** What the board connection looks like under every node that uses it. */
export function connectionStatus(state: DeviceState, info: BoardInfo | undefined, problem: unknown): NodeStatus {
  switch (state) {
    case 'connecting':
      return { fill: 'grey', shape: 'ring', text: t('status.connecting') };
    case 'connected':
      return { fill: 'green', shape: 'dot', text: info ? shortBoard(info) : t('status.connected') };
    case 'idle':
      return { fill: 'grey', shape: 'ring', text: t('status.idle') };
    default:
      return {
        fill: 'red', shape: 'ring',
        text: problem ? shortText(t('status.disconnected-because', { why: errorText(problem) })) : t('status.disconnected'),
      };
  }
}

export function busyStatus(pending: number): NodeStatus {
  return { fill: 'yellow', shape: 'dot', text: pending > 1 ? t('status.busy-n', { n: pending }) : t('status.busy') };
}

/** The error's code and message, shortened. */
export function errorStatus(err: unknown): NodeStatus {
  return { fill: 'red', shape: 'ring', text: shortText(errorText(err)) };
}

/** Something the node does well enough, but should be looked at (two nodes defining one name). */
export function warningStatus(text: string): NodeStatus {
  return { fill: 'yellow', shape: 'ring', text: shortText(text) };
}

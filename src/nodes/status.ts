import { describeBoard, type BoardInfo, type DeviceState } from '../board/types';
import { describeError } from './errors';
import type { NodeStatus } from './red';

/** The first line of an error, short enough for a status under a node. */
export function shortText(err: unknown, max = 60): string {
  const text = (err instanceof Error ? err.message : String(err)).split('\n')[0];
  return text.length > max ? text.slice(0, max - 1) + '…' : text;
}

/** What the board connection looks like under every node that uses it. */
export function connectionStatus(state: DeviceState, info: BoardInfo | undefined, problem: unknown): NodeStatus {
  switch (state) {
    case 'connecting':
      return { fill: 'grey', shape: 'ring', text: 'connecting' };
    case 'connected':
      return { fill: 'green', shape: 'dot', text: info ? describeBoard(info) : 'connected' };
    case 'idle':
      return { fill: 'grey', shape: 'ring', text: 'not connected' };
    default:
      return { fill: 'red', shape: 'ring', text: problem ? `disconnected: ${shortText(problem)}` : 'disconnected' };
  }
}

export function busyStatus(pending: number): NodeStatus {
  return { fill: 'yellow', shape: 'dot', text: pending > 1 ? `busy (${pending})` : 'busy' };
}

/** The Python exception type and message; the board's name is already on the status of every node. */
export function errorStatus(err: unknown): NodeStatus {
  const e = describeError(err);
  return { fill: 'red', shape: 'ring', text: shortText(e.message ? `${e.type}: ${e.message}` : e.type) };
}

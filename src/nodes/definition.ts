import type { DeviceApi } from '../board/types';
import type { BoardUser } from './user';

/** Which node defined each function name on a board: all share the board's global scope. */
const namesOn = new WeakMap<DeviceApi, Map<string, string>>();

function warnOnClash(user: BoardUser, device: DeviceApi, key: string, name: string): void {
  let names = namesOn.get(device);
  if (!names) namesOn.set(device, names = new Map());
  const owner = names.get(name);
  if (owner && owner !== key) {
    user.node.warn(`another node (${owner}) also defines ${name}() on this board; the last one sent wins. Give the functions different names.`);
  }
  names.set(name, key);
}

/**
 * A task or thread node's function on the board: registered with the Device under the node's id,
 * so it is sent now (when connected) and again after every reconnect, and forgotten on close. A node
 * changed by a partial deploy registers its new source under the same id: no board restart.
 */
export class Definition {
  /** the function's name once the board (or the Device, when not yet connected) accepted it */
  readonly name: Promise<string>;

  constructor(user: BoardUser, key: string, source: string) {
    if (!user.board) {
      this.name = new Promise<string>(() => undefined);
      return;
    }
    const device = user.device;
    this.name = device.define(key, source);
    // A definition that fails (no def, a SyntaxError) shows now, at deploy time, not only on the first message.
    this.name.then((name) => warnOnClash(user, device, key, name), (err) => user.report(err));
    user.onClose(() => {
      device.undefine(key);
      const names = namesOn.get(device);
      for (const [name, owner] of names ?? []) if (owner === key) names?.delete(name);
    });
  }
}

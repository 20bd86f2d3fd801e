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
 * A task or thread node's function on the board, registered with the Device under the node's id:
 * once accepted, the Device sends it again after every reconnect, and it is forgotten on close. A
 * node changed by a partial deploy registers its new source under the same id: no board restart.
 *
 * Adapter for a Device behaviour: a definition the Device replays while connecting fails the whole
 * connection when it raises (a SyntaxError in one node would take the board down for every node).
 * So a definition is only handed over once the board is connected, where a failure is this node's
 * alone; one that fails is withdrawn from the Device and tried again on the next connect.
 */
export class Definition {
  private current: Promise<string> | undefined;
  private accepted = false;
  private waiting: { promise: Promise<Promise<string>>; resolve: (p: Promise<string>) => void } | undefined;

  constructor(private readonly user: BoardUser, private readonly key: string, private readonly source: string) {
    if (!user.board) return;
    const device = user.device;
    user.onConnected(() => this.send(device));
    user.onClose(() => {
      device.undefine(key);
      const names = namesOn.get(device);
      for (const [name, owner] of names ?? []) if (owner === key) names?.delete(name);
    });
  }

  private send(device: DeviceApi): void {
    if (this.accepted) return;
    const p = device.define(this.key, this.source);
    this.current = p;
    p.then((name) => {
      this.accepted = true;
      warnOnClash(this.user, device, this.key, name);
    }, (err) => {
      device.undefine(this.key);
      this.user.report(err);
    });
    this.waiting?.resolve(p);
    this.waiting = undefined;
  }

  /**
   * The function's name once the board accepted the definition; rejects with the board's error when
   * it did not. Before the first connect it waits for the board (starting the connection if nobody
   * has), for `timeoutS` seconds at most (0 = no limit).
   */
  name(timeoutS: number): Promise<string> {
    if (this.current) return this.current;
    if (!this.waiting) {
      let resolve!: (p: Promise<string>) => void;
      const promise = new Promise<Promise<string>>((r) => { resolve = r; });
      this.waiting = { promise, resolve };
    }
    this.user.board?.connect();
    const wait = this.waiting.promise.then((p) => p);
    if (!(timeoutS > 0)) return wait;
    return new Promise<string>((resolve, reject) => {
      const timer = setTimeout(() => reject(Object.assign(
        new Error(`the board did not connect within ${timeoutS} s, so the function could not be defined`), { name: 'TimeoutError' })), timeoutS * 1000);
      wait.then((v) => { clearTimeout(timer); resolve(v); }, (e) => { clearTimeout(timer); reject(e); });
    });
  }
}

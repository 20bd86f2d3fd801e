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
 * A definition is first handed over once the board is connected, so a failure (a SyntaxError, an
 * import the board lacks) is this node's alone and its messages fail with that error rather than a
 * NameError; one that fails is withdrawn from the Device and tried again on the next connect. One
 * accepted before that fails when the Device replays it on a reconnect ('define-error') is reported
 * the same way.
 */
export class Definition {
  private current: Promise<string> | undefined;
  private accepted = false;
  private waiting: { promise: Promise<Promise<string>>; resolve: (p: Promise<string>) => void } | undefined;

  constructor(private readonly user: BoardUser, private readonly key: string, private readonly source: string) {
    if (!user.board) return;
    const device = user.device;
    const onReplayError = (failedKey: string, err: Error) => { if (failedKey === key) this.fail(device, err); };
    device.on('define-error', onReplayError);
    user.onConnected(() => this.send(device));
    user.onClose(() => {
      device.off('define-error', onReplayError);
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
    }, (err) => this.fail(device, err));
    this.waiting?.resolve(p);
    this.waiting = undefined;
  }

  /** Messages fail with the board's error until the next connect tries the definition again. */
  private fail(device: DeviceApi, err: Error): void {
    this.accepted = false;
    device.undefine(this.key);
    const failed = Promise.reject(err);
    failed.catch(() => undefined);
    this.current = failed;
    this.user.report(err);
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

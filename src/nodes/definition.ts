import type { DeviceApi } from '../board';
import { calledFunction } from '../board';
import { t } from './i18n';
import type { BoardUser } from './user';

/** A node that defines a function on a board, as its users read about it. */
interface Owner { key: string; label: string; user: BoardUser }

/** Which nodes defined each function name on a board: all share the board's global scope. */
const namesOn = new WeakMap<DeviceApi, Map<string, Owner[]>>();

/**
 * Two nodes defining one name replace each other's function on the board. Both are told, by the
 * other's label (never a node id): a warning in the log and a yellow status until one changes.
 */
function noteName(device: DeviceApi, me: Owner, name: string): void {
  let names = namesOn.get(device);
  if (!names) namesOn.set(device, names = new Map());
  const owners = (names.get(name) ?? []).filter((o) => o.key !== me.key);
  owners.push(me);
  names.set(name, owners);
  if (owners.length < 2) return;
  for (const o of owners) {
    const others = owners.filter((x) => x !== o).map((x) => `"${x.label}"`).join(', ');
    o.user.setWarning(t('status.name-clash', { name }));
    if (o === me) o.user.node.warn(t('warn.name-clash', { name, others }));
  }
}

function forgetName(device: DeviceApi, key: string): void {
  const names = namesOn.get(device);
  for (const [name, owners] of names ?? []) {
    const left = owners.filter((o) => o.key !== key);
    if (left.length === owners.length) continue;
    if (left.length === 0) names!.delete(name);
    else names!.set(name, left);
    if (left.length === 1) left[0].user.setWarning(undefined);
  }
}

/**
 * How messages and tracebacks name a task or thread node: its name, else its type and function,
 * e.g. `belay-task quadruple()`.
 */
export function definitionLabel(type: string, name: string | undefined, source: string): string {
  if (name) return name;
  const fn = calledFunction(source);
  return fn ? `${type} ${fn.name}()` : type;
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

  /** label: how tracebacks and warnings name the node (definitionLabel). */
  constructor(private readonly user: BoardUser, private readonly key: string, private readonly source: string, private readonly label: string) {
    if (!user.board || user.board.configError) return;
    const device = user.device;
    const onReplayError = (failedKey: string, err: Error) => { if (failedKey === key) this.fail(device, err); };
    device.on('define-error', onReplayError);
    user.onConnected(() => this.send(device));
    user.onClose(() => {
      device.off('define-error', onReplayError);
      device.undefine(key);
      forgetName(device, key);
    });
  }

  private send(device: DeviceApi): void {
    if (this.accepted) return;
    const p = device.define(this.key, this.source, this.label);
    this.current = p;
    p.then((name) => {
      this.accepted = true;
      noteName(device, { key: this.key, label: this.label, user: this.user }, name);
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
   * has), as long as the Device would let a call wait: a harmless call asks it, so a port that is
   * not there fails at once and one that does not connect within `timeoutS` seconds (0 = no limit)
   * fails with the last connection error, exactly as the node's own calls would.
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
    const reachable = this.user.device.exec('None', { timeout: timeoutS });
    return new Promise<string>((resolve, reject) => {
      wait.then(resolve, reject);
      reachable.catch(reject);
    });
  }
}

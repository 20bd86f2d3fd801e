import type { CallOptions, DeviceApi } from '../board';
import { BoardError, calledFunction } from '../board';
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
 * A task or thread node's function on the board, registered with the Device under the node's id.
 * The Device owns it from then on: it sends it now or on connect, again after every reconnect, and
 * keeps how it stands (pending, defined, failed: a failure is this node's alone, its messages fail
 * with that error rather than a NameError, and the next connect tries it again). A node changed by
 * a partial deploy registers its new source under the same id: no board restart. What is left here
 * is telling the node's users: failures in its status and to Catch, and two nodes on one name.
 */
export class Definition {
  /** a problem with the code found before it reached the board (it defines no function) */
  private problem: Error | undefined;

  /** label: how tracebacks and warnings name the node (definitionLabel). */
  constructor(private readonly user: BoardUser, private readonly key: string, source: string, label: string) {
    if (!user.board || user.board.configError) return;
    const device = user.device;
    // Every failure on the board, the first one and those on a reconnect, comes this way; one
    // while the board connects is told once it is connected (a new connection clears old ones).
    let held: Error | undefined;
    const onError = (failedKey: string, err: Error) => {
      if (failedKey !== key) return;
      if (user.connected) user.report(err);
      else held = err;
    };
    device.on('define-error', onError);
    user.onConnected(() => {
      if (held) user.report(held);
      held = undefined;
    });
    device.define(key, source, label).then(
      (name) => noteName(device, { key, label, user }, name),
      (err: unknown) => {
        if (!(err instanceof BoardError) || err.type !== 'ConfigError') return;
        this.problem = err;
        user.report(err);
      });
    user.onClose(() => {
      device.off('define-error', onError);
      device.undefine(key);
      forgetName(device, key);
    });
  }

  /**
   * The function's name once the board has the definition; rejects with the board's error when it
   * did not. It waits for the board as the node's calls do (the message's connect wait).
   */
  name(opts: CallOptions): Promise<string> {
    if (this.problem) return Promise.reject(this.problem);
    return this.user.device.defined(this.key, opts);
  }
}

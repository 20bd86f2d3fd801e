import type { BoardUser } from './user';

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
    this.name.catch((err) => user.report(err));
    user.onClose(() => device.undefine(key));
  }
}

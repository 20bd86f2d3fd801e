import type { BoardInfo, DeviceApi, DeviceState } from '../board/types';
import type { Node } from './red';

/** A node that uses a board: told about every change of the connection. */
export interface BoardListener {
  readonly node: Node;
  onBoardState(state: DeviceState, info: BoardInfo | undefined, problem: unknown): void;
}

/**
 * Some time for the replacement of a node changed in a partial deploy to register before the board
 * is let go; otherwise redeploying the only task node would restart the board.
 */
const RELEASE_GRACE_MS = 2000;
/** Node-RED gives up on a node's close after 15 s; teardown and closing must end well before. */
const CLOSE_LIMIT_MS = 11000;

/**
 * One board shared by the nodes that use it (the belay-device config node owns one), like the core
 * MQTT broker node: connects when the first user registers, tells every user about the connection,
 * and lets the board go when the last user is removed or the config node closes.
 */
export class SharedBoard {
  readonly users = new Map<string, BoardListener>();
  private problem: unknown;
  private releaseTimer: NodeJS.Timeout | undefined;
  private closed = false;

  /**
   * timeout: the device's seconds per call, for waits the nodes do themselves.
   * configError: why this board cannot be used at all (a bad port form), shown instead of connecting.
   */
  constructor(readonly device: DeviceApi, readonly timeout = 10, readonly configError?: Error) {
    device.on('state', (state, detail) => {
      // A retry keeps the last failure on show; a clean connect or disconnect clears it.
      if (detail instanceof Error) this.problem = detail;
      else if (state !== 'connecting') this.problem = undefined;
      this.broadcast();
    });
  }

  get state(): DeviceState { return this.device.state; }
  get lastProblem(): unknown { return this.configError ?? this.problem; }

  register(user: BoardListener): void {
    clearTimeout(this.releaseTimer);
    this.users.set(user.node.id, user);
    this.tell(user);
    if (this.users.size === 1) this.connect();
  }

  /** removed: the user node was deleted (not just changed), so nothing will take its place. */
  async deregister(user: BoardListener, removed: boolean): Promise<void> {
    this.users.delete(user.node.id);
    if (this.users.size > 0 || this.closed) return;
    if (removed) {
      await this.release();
    } else {
      clearTimeout(this.releaseTimer);
      this.releaseTimer = setTimeout(() => { void this.release(); }, RELEASE_GRACE_MS);
      this.releaseTimer.unref();
    }
  }

  /** Starts connecting unless connected or already on the way; failures show in the statuses. */
  connect(): void {
    if (this.configError || this.closed) return;
    if (this.device.state === 'connected' || this.device.state === 'connecting') return;
    this.device.connect().catch(() => undefined);
  }

  private async release(): Promise<void> {
    if (this.users.size > 0 || this.closed) return;
    await bounded(this.device.disconnect(), CLOSE_LIMIT_MS);
  }

  /** Teardown, then close the link for good; bounded so Node-RED's close never times out. */
  async close(): Promise<void> {
    clearTimeout(this.releaseTimer);
    this.closed = true;
    await bounded(this.device.close(), CLOSE_LIMIT_MS);
  }

  private broadcast(): void {
    for (const user of this.users.values()) this.tell(user);
  }

  private tell(user: BoardListener): void {
    user.onBoardState(this.configError ? 'disconnected' : this.device.state, this.device.info, this.lastProblem);
  }
}

/** Waits for p, but no longer than ms; never rejects. */
export function bounded(p: Promise<unknown>, ms: number): Promise<void> {
  return new Promise((resolve) => {
    const t = setTimeout(resolve, ms);
    p.catch(() => undefined).finally(() => { clearTimeout(t); resolve(); });
  });
}

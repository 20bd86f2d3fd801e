import type { BoardInfo, DeviceApi, DeviceState } from '../board';
import type { PortHub, PortMember } from './port-hub';
import type { Node } from '@node-red/registry';
import { t } from './i18n';

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

/** What a config node tells its SharedBoard about itself. */
export interface BoardSettings {
  id: string;
  /** the config node's name, else its port */
  label: string;
  setup: string;
  teardown: string;
  /** the config node's seconds per call: what its users' calls default to (several config nodes may share one Device) */
  timeout: number;
  log(text: string): void;
}

/**
 * One config node's board, shared by the nodes that use it, like the core MQTT broker node:
 * connects when the first user registers, tells every user about the connection, and lets the
 * board go when the last user is removed or the config node closes. Config nodes on the same port
 * share one Device through a PortHub; without a hub (a setting to fix) it never connects.
 */
export class SharedBoard implements PortMember {
  readonly users = new Map<string, BoardListener>();
  private problem: unknown;
  private setupProblem: Error | undefined;
  private releaseTimer: NodeJS.Timeout | undefined;
  private closed = false;
  private readonly onState: (state: DeviceState, detail?: BoardInfo | Error) => void;
  readonly id: string;
  readonly label: string;
  readonly setup: string;
  readonly teardown: string;
  readonly timeout: number;
  private readonly logFn: (text: string) => void;

  private hub: PortHub | undefined;
  private idle: DeviceApi | undefined;

  /**
   * configError: why this board cannot be used at all (a bad port form), shown instead of
   * connecting. Such a board gets `idle`, a Device that is never connected; any other joins its
   * port's hub through attach().
   */
  constructor(settings: BoardSettings, readonly configError?: Error, idle?: DeviceApi) {
    this.id = settings.id;
    this.label = settings.label;
    this.setup = settings.setup;
    this.teardown = settings.teardown;
    this.timeout = settings.timeout;
    this.logFn = settings.log;
    this.onState = (state, detail) => {
      // A retry keeps the last failure on show; a clean connect or disconnect clears it.
      if (detail instanceof Error) this.problem = detail;
      else if (state !== 'connecting') this.problem = undefined;
      this.broadcast();
    };
    if (idle) {
      this.idle = idle;
      idle.on('state', this.onState);
    }
  }

  /** Joins the port's hub: from now on the board is the hub's Device. */
  attach(hub: PortHub): void {
    this.hub = hub;
    hub.device.on('state', this.onState);
  }

  /** The Device of this board's port. */
  get device(): DeviceApi {
    const d = this.hub?.device ?? this.idle;
    if (!d) throw new Error(t('errors.not-set-up'));
    return d;
  }

  get state(): DeviceState { return this.device.state; }
  get lastProblem(): unknown { return this.configError ?? this.problem ?? this.setupProblem; }
  get userCount(): number { return this.users.size; }

  /** PortMember: the hub tells how this config node's setup went. */
  setupFailed(err: Error | undefined): void {
    if (this.setupProblem === err) return;
    this.setupProblem = err;
    if (err || this.device.state === 'connected') this.broadcast();
  }

  log(text: string): void { this.logFn(text); }

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

  /** msg.action = "disconnect": every teardown on the port, then the link closes. */
  async disconnect(): Promise<void> {
    if (this.hub) await this.hub.disconnect();
    else await this.device.disconnect();
  }

  /** The last user of the port is gone: let the board go (other config nodes' users keep it). */
  private async release(): Promise<void> {
    if (this.users.size > 0 || this.closed || !this.hub || this.hub.inUse) return;
    await bounded(this.hub.disconnect(), CLOSE_LIMIT_MS);
  }

  /** The config node closes: its teardown, and the Device's end when it was the last on the port. */
  async close(): Promise<void> {
    clearTimeout(this.releaseTimer);
    this.closed = true;
    this.device.off('state', this.onState);
    if (this.hub) await bounded(this.hub.leave(this), CLOSE_LIMIT_MS);
    else if (this.idle) await bounded(this.idle.close(), CLOSE_LIMIT_MS);
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

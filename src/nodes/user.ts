import type { BoardInfo, CallOptions, DeviceApi, DeviceState } from '../board';
import { parseSeconds } from './device-options';
import { configError, describeError, failWith } from './errors';
import { t } from './i18n';
import type { Node, NodeAPI, NodeDef, NodeMessage, NodeStatus } from '@node-red/registry';
import { bounded, type BoardListener, type SharedBoard } from './shared-board';
import { busyStatus, connectionStatus, errorStatus, warningStatus } from './status';

/** How a node ends one input message (Node-RED's done). */
export type Done = (err?: Error) => void;

/** Properties every belay user node has in its saved config. */
export interface UserNodeConfig extends NodeDef {
  device?: string;
  /** seconds as text or number; '' = the device's timeout */
  timeout?: string | number;
}

/** A belay-device config node as its users see it. */
export interface DeviceNode extends Node<{ password?: string }> {
  board?: SharedBoard;
}

/** Busy counts change per message; the editor needs them a few times a second at most. */
const STATUS_INTERVAL_MS = 250;
/** How long a node's own closing work (stopping its threads) may take before the board is let go. */
const HOOKS_LIMIT_MS = 3000;

/**
 * The glue every belay node shares: finds its belay-device, registers with it, shows the
 * connection in its status, applies timeouts, answers msg.action, and turns each input into one
 * board job that ends in done() or done(err) with msg.error.
 */
export class BoardUser implements BoardListener {
  readonly board: SharedBoard | undefined;
  private readonly timeout: number | undefined;
  private pending = 0;
  private activity: NodeStatus | undefined;
  private failure: unknown;
  private state: DeviceState = 'idle';
  private info: BoardInfo | undefined;
  private problem: unknown;
  private warning: string | undefined;
  private reportedProblem: string | undefined;
  private shown = '';
  private statusTimer: NodeJS.Timeout | undefined;
  private closing = false;
  private readonly connectedHooks: (() => void)[] = [];
  private readonly closeHooks: (() => Promise<void> | void)[] = [];
  private readonly setupError: Error | undefined;

  constructor(RED: NodeAPI, readonly node: Node, config: UserNodeConfig) {
    let timeout: number | undefined;
    let setupError: Error | undefined;
    try {
      timeout = parseSeconds(config.timeout, 'timeout');
    } catch (err) {
      setupError = configError((err as Error).message);
    }
    this.timeout = timeout;
    const deviceNode = config.device ? RED.nodes.getNode(config.device) as DeviceNode | null : null;
    this.board = deviceNode?.board;
    if (!this.board) setupError ??= configError(t('errors.no-device'));
    this.setupError = setupError;
    this.board?.register(this);
    this.refresh();
    node.on('close', (removed: boolean, done: () => void) => { void this.close(removed).finally(done); });
  }

  /** The board's Device; only call it once `board` is known to exist. */
  get device(): DeviceApi {
    if (!this.board) throw this.setupError;
    return this.board.device;
  }

  get connected(): boolean {
    return this.state === 'connected';
  }

  /** Runs fn on every connect and reconnect (after start-up, setup and function definitions). */
  onConnected(fn: () => void): void {
    this.connectedHooks.push(fn);
    if (this.state === 'connected') fn();
  }

  /** Runs fn when the node closes, before it lets go of the board. */
  onClose(fn: () => Promise<void> | void): void {
    this.closeHooks.push(fn);
  }

  /**
   * Per-call options: msg.timeout (seconds) over the node's timeout over its belay-device's (each
   * config node's own, also where several share one port).
   */
  callOptions(msg?: NodeMessage): CallOptions {
    let perMessage: number | undefined;
    try {
      perMessage = msg ? parseSeconds(msg.timeout, 'msg.timeout') : undefined;
    } catch (err) {
      throw configError((err as Error).message);
    }
    const timeout = perMessage ?? this.timeout ?? this.board?.timeout;
    return timeout === undefined ? {} : { timeout };
  }

  /**
   * Handles one input message: msg.action, or one board job. The job's result is sent by the job;
   * this ends the message with done() or done(err), msg.error set.
   */
  handle(msg: NodeMessage, done: Done, job: (device: DeviceApi) => Promise<void>): void {
    if (msg.action === 'connect' || msg.action === 'disconnect') {
      this.act(msg.action).then(() => done(), (err) => done(failWith(msg, err)));
      return;
    }
    // A setting to fix fails each message at once with what to fix, like any connection error.
    const unusable = this.setupError ?? this.board?.configError;
    if (unusable) {
      done(failWith(msg, unusable));
      return;
    }
    const device = this.device;
    this.pending++;
    this.refresh();
    let ok = true;
    Promise.resolve()
      .then(() => job(device))
      .then(() => { this.failure = undefined; done(); }, (err) => {
        ok = false;
        this.failure = err;
        done(failWith(msg, err));
      })
      .finally(() => {
        this.pending--;
        this.refresh(ok && this.pending === 0);
      });
  }

  /**
   * Reports an error that belongs to no current input (a thread's, an on-connect sync's, the
   * connection's). Node-RED hands an error to Catch nodes only with a message, so one is made up
   * when there is none.
   */
  report(err: unknown, msg: NodeMessage = {}): void {
    this.failure = err;
    this.node.error(failWith(msg, err), msg);
    this.refresh(true);
  }

  /** Shows something the node is doing (a running thread, sync progress) while it is connected. */
  setActivity(status: NodeStatus | undefined): void {
    const was = this.activity;
    const changed = !was !== !status || was?.fill !== status?.fill || was?.shape !== status?.shape;
    this.activity = status;
    // The start and end of an activity, and a change of its kind (a running thread asked to stop),
    // show at once; only its progress in between (a count, a percentage) may wait a little.
    this.refresh(changed);
  }

  clearFailure(): void {
    this.failure = undefined;
    this.refresh();
  }

  /** A warning the status shows while connected and nothing else is to be shown (undefined: none). */
  setWarning(text: string | undefined): void {
    if (this.warning === text) return;
    this.warning = text;
    this.refresh(true);
  }

  private async act(action: 'connect' | 'disconnect'): Promise<void> {
    if (!this.board) throw this.setupError;
    if (this.board.configError) throw this.board.configError;
    if (action === 'connect') await this.device.connect();
    else await this.board.disconnect();
  }

  onBoardState(state: DeviceState, info: BoardInfo | undefined, problem: unknown): void {
    const wasConnected = this.state === 'connected';
    // A new connection is a fresh start: what failed on the old one no longer shows.
    if (state === 'connected' && !wasConnected) this.failure = undefined;
    this.state = state;
    this.info = info;
    this.problem = problem;
    this.refresh(true);
    if (problem) this.reportProblem(problem);
    else if (state === 'connected') this.reportedProblem = undefined;
    if (state === 'connected' && !wasConnected && !this.closing) {
      for (const fn of this.connectedHooks) fn();
    }
  }

  /** A connection problem reaches Catch nodes once, not on every reconnect attempt. */
  private reportProblem(problem: unknown): void {
    const text = describeError(problem).message;
    if (text === this.reportedProblem || this.closing) return;
    this.reportedProblem = text;
    const msg: NodeMessage = {};
    this.node.error(failWith(msg, problem), msg);
  }

  private status(): NodeStatus {
    if (this.setupError) return errorStatus(this.setupError);
    // Shortened like every status; the whole explanation reaches Catch nodes and the debug sidebar.
    if (this.board?.configError) return errorStatus(this.board.configError);
    if (this.state !== 'connected') return connectionStatus(this.state, this.info, this.problem);
    if (this.activity) return this.activity;
    if (this.pending > 0) return busyStatus(this.pending);
    if (this.failure) return errorStatus(this.failure);
    // connected, but the device's setup failed
    if (this.problem) return errorStatus(this.problem);
    if (this.warning) return warningStatus(this.warning);
    return connectionStatus(this.state, this.info, undefined);
  }

  /** Shows the status now when `now`, else at most every STATUS_INTERVAL_MS. */
  private refresh(now = false): void {
    if (this.closing) return;
    if (!now && this.statusTimer) return;
    clearTimeout(this.statusTimer);
    this.statusTimer = undefined;
    const s = this.status();
    const key = JSON.stringify(s);
    if (key !== this.shown) {
      this.shown = key;
      this.node.status(s);
    }
    if (!now) {
      this.statusTimer = setTimeout(() => { this.statusTimer = undefined; this.refresh(true); }, STATUS_INTERVAL_MS);
    }
  }

  private async close(removed: boolean): Promise<void> {
    // Hooks get a few seconds; letting go of the board (teardown) must still fit in Node-RED's 15 s.
    await bounded(Promise.all(this.closeHooks.map(async (fn) => fn())), HOOKS_LIMIT_MS);
    this.closing = true;
    clearTimeout(this.statusTimer);
    await this.board?.deregister(this, removed);
  }
}

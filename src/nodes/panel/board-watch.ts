/**
 * What the editor's belay tab shows of one board, kept current from the board layer's events and
 * pushed to the editor over RED.comms, at most UPDATES_PER_SECOND times a second.
 */
import type { BoardError, BoardInfo, DeviceState, ThreadInfo } from '../../board';
import { listVirtualBoards, parseVirtualPort, type PinState, type VirtualBoard } from '../../virtual/index';
import type { NodeStatus } from '@node-red/registry';
import type { SharedBoard } from '../shared-board';
import { connectionStatus, shortText } from '../status';
import { Throttle } from './throttle';

export const UPDATES_PER_SECOND = 10;
/** Errors kept for the tab's list; older ones drop off. */
const ERRORS_KEPT = 10;
/** Board output waiting for the next update; a board printing faster than that loses the oldest. */
const OUTPUT_KEPT = 64 * 1024;

export interface PanelError { time: number; text: string }

export interface BoardSnapshot {
  id: string;
  /** counts up with every snapshot of this board: the editor shows none older than it has shown */
  seq: number;
  name: string;
  port: string;
  /** a virtual board, whose pins the host sees and drives */
  virtual: boolean;
  state: DeviceState;
  /** the words and colour the nodes' statuses use for this state */
  status: NodeStatus;
  info?: BoardInfo;
  /** calls waiting or running */
  queue: number;
  /** the threads running on the board, whichever node started them */
  threads: ThreadInfo[];
  errors: PanelError[];
  /** the nodes that use the board */
  users: { id: string; type: string; name: string }[];
  /** virtual boards: every pin the board's code set up or the host drives */
  pins?: PinState[];
}

/** One message on the board's comms topic: the board now, and what it printed since the last one. */
export interface BoardUpdate { board: BoardSnapshot; output?: string }

export type Publish = (topic: string, data: unknown) => void;

export function boardTopic(id: string): string {
  return `belay-panel/board/${id}`;
}

export class BoardWatch {
  private readonly errors: PanelError[] = [];
  private output = '';
  private readonly throttle: Throttle;
  private pinBoard: VirtualBoard | undefined;
  private readonly virtualName: string | undefined;
  private disposed = false;
  private seq = 0;

  private readonly onState = (state: DeviceState, detail?: BoardInfo | Error): void => {
    if (detail instanceof Error) this.addError(detail.message);
    if (state === 'connected') this.attachPins();
    this.throttle.poke();
  };
  private readonly onQueue = (): void => this.throttle.poke();
  private readonly onOutput = (text: string): void => {
    this.output = (this.output + text).slice(-OUTPUT_KEPT);
    this.throttle.poke();
  };
  private readonly onThreads = (): void => this.throttle.poke();
  /** what a thread prints shows in the console too, after its function's name */
  private readonly onThreadPrint = (thread: ThreadInfo, line: string): void => this.onOutput(`[${thread.name}] ${line}\n`);
  private readonly onDefineError = (key: string, err: BoardError): void => {
    const user = this.board.users.get(key)?.node;
    this.addError(`${user?.name || user?.type || key}: ${err.message}`);
    this.throttle.poke();
  };
  private readonly onPin = (): void => this.throttle.poke();
  private readonly onPinBoardClose = (): void => {
    this.detachPins();
    this.throttle.poke();
  };

  constructor(
    readonly id: string,
    readonly port: string,
    readonly board: SharedBoard,
    private readonly nameOf: () => string,
    private readonly publish: Publish,
  ) {
    this.throttle = new Throttle(1000 / UPDATES_PER_SECOND, () => this.flush());
    this.virtualName = parseVirtualName(port);
    const device = board.device;
    device.on('state', this.onState);
    device.on('queue', this.onQueue);
    device.on('output', this.onOutput);
    device.on('threads', this.onThreads);
    device.on('thread-print', this.onThreadPrint);
    device.on('define-error', this.onDefineError);
    if (board.lastProblem) this.addError(shortText(board.lastProblem, 500));
    if (board.state === 'connected') this.attachPins();
  }

  get closed(): boolean {
    return this.disposed || this.board.state === 'closed';
  }

  /** The virtual board behind this device while it runs. */
  get virtualBoard(): VirtualBoard | undefined {
    if (!this.pinBoard || this.pinBoard.isClosed) this.attachPins();
    return this.pinBoard;
  }

  snapshot(): BoardSnapshot {
    const b = this.board;
    const state = b.configError ? 'disconnected' : b.state;
    const snap: BoardSnapshot = {
      id: this.id,
      seq: ++this.seq,
      name: this.nameOf(),
      port: this.port,
      virtual: this.virtualName !== undefined,
      state,
      status: b.configError ? { fill: 'red', shape: 'ring', text: b.configError.message } : connectionStatus(state, b.device.info, b.lastProblem),
      info: b.device.info,
      queue: b.device.queueLength,
      threads: b.device.runningThreads(),
      errors: [...this.errors],
      users: [...b.users.values()].map((u) => ({ id: u.node.id, type: u.node.type, name: u.node.name ?? '' })),
    };
    const vb = this.virtualBoard;
    if (vb) snap.pins = vb.pins.list();
    return snap;
  }

  /** Something changed outside the board's events (a pin the host drove): tell the editor soon. */
  changed(): void {
    this.throttle.poke();
  }

  dispose(): void {
    if (this.disposed) return;
    this.disposed = true;
    this.throttle.cancel();
    const device = this.board.device;
    device.off('state', this.onState);
    device.off('queue', this.onQueue);
    device.off('output', this.onOutput);
    device.off('threads', this.onThreads);
    device.off('thread-print', this.onThreadPrint);
    device.off('define-error', this.onDefineError);
    this.detachPins();
  }

  private flush(): void {
    if (this.disposed) return;
    const update: BoardUpdate = { board: this.snapshot() };
    if (this.output) update.output = this.output;
    this.output = '';
    this.publish(boardTopic(this.id), update);
    if (this.board.state === 'closed') this.dispose();
  }

  private addError(text: string): void {
    const last = this.errors[this.errors.length - 1];
    // A board that keeps failing to reconnect says the same thing each time: once is enough.
    if (last?.text === text) {
      last.time = Date.now();
      return;
    }
    this.errors.push({ time: Date.now(), text });
    if (this.errors.length > ERRORS_KEPT) this.errors.shift();
  }

  private attachPins(): void {
    if (this.virtualName === undefined || this.disposed) return;
    const vb = listVirtualBoards().find((b) => b.name === this.virtualName);
    if (vb === this.pinBoard) return;
    this.detachPins();
    if (!vb) return;
    vb.pins.on('change', this.onPin);
    vb.once('close', this.onPinBoardClose);
    this.pinBoard = vb;
  }

  private detachPins(): void {
    const vb = this.pinBoard;
    if (!vb) return;
    vb.pins.off('change', this.onPin);
    vb.off('close', this.onPinBoardClose);
    this.pinBoard = undefined;
  }
}

function parseVirtualName(port: string): string | undefined {
  try {
    return parseVirtualPort(port)?.name;
  } catch {
    return undefined;
  }
}

import { EventEmitter } from 'node:events';
import { LinkError, parsePort, registerLink, type Link } from '../board/link';
import { getVirtualBoard } from './registry';
import type { VirtualBoard, VirtualBoardOptions } from './board';

/**
 * A link to the built-in virtual board (`virtual`, `virtual:NAME`, `virtual:NAME?profile=small`).
 * Opening starts the board if it is not running; closing closes it (its workers end, its files stay).
 * Importing this module registers it as the board layer's link for virtual ports.
 */
export class VirtualLink extends EventEmitter implements Link {
  readonly description: string;
  /** the board applies its own flow control: no pacing needed */
  readonly pacing = { chunk: 4096, pauseMs: 0 };
  private readonly name: string;
  private readonly opts: VirtualBoardOptions;
  private attached: VirtualBoard | undefined;
  private readonly onData = (chunk: Buffer) => this.emit('data', chunk);
  private readonly onBoardClose = (err?: Error) => this.detach(err);

  /** port: a virtual port (parsed by parsePort); opts override what the port says. */
  constructor(port: string, opts: VirtualBoardOptions = {}) {
    super();
    const parsed = parsePort(port);
    if (parsed.kind !== 'virtual') throw new LinkError(port.trim(), 'not a virtual board port; use virtual or virtual:NAME');
    this.name = parsed.name;
    this.opts = { ...parsed.options, ...opts };
    this.description = `virtual:${this.name}`;
  }

  get isOpen(): boolean {
    return this.attached !== undefined;
  }

  /** The board behind the link while it is open (tests read and drive its pins). */
  get board(): VirtualBoard | undefined {
    return this.attached;
  }

  async open(): Promise<void> {
    if (this.attached) return;
    const board = getVirtualBoard(this.name, this.opts);
    try {
      await board.start();
    } catch (e) {
      throw new LinkError(this.description, `could not start the virtual board: ${(e as Error).message}`);
    }
    board.on('data', this.onData);
    board.once('close', this.onBoardClose);
    this.attached = board;
  }

  async write(data: Uint8Array): Promise<void> {
    if (!this.attached) throw new LinkError(this.description, 'link is not open; open() it first');
    try {
      this.attached.write(data);
    } catch (e) {
      throw new LinkError(this.description, (e as Error).message);
    }
  }

  async close(): Promise<void> {
    const board = this.attached;
    if (!board) return;
    board.off('close', this.onBoardClose);
    this.detach();
    await board.close();
  }

  /** Makes the link die as an unplugged board would: 'close' with an error (for reconnect tests). */
  async kill(reason = 'virtual board killed'): Promise<void> {
    await this.attached?.close(new LinkError(this.description, reason));
  }

  private detach(err?: Error): void {
    const board = this.attached;
    if (!board) return;
    board.off('data', this.onData);
    this.attached = undefined;
    this.emit('close', err);
  }
}

registerLink('virtual', (parsed) => new VirtualLink(`virtual:${parsed.name}`, parsed.options));

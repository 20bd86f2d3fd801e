import { EventEmitter } from 'node:events';
import { Link, LinkError } from './link';

const CLOSE_GIVE_UP_MS = 3000;

/**
 * What every byte link shares: the open/closed state and the promise that 'close' is emitted
 * exactly once, with an Error when the link died rather than was closed by us.
 * Subclasses call opened() once their transport is up, received() for incoming bytes and
 * ended(err?) from every path by which the transport can go away; they implement shutdown()
 * to tear the transport down when close() is called.
 */
export abstract class BaseLink extends EventEmitter implements Link {
  abstract readonly description: string;
  abstract readonly pacing: { chunk: number; pauseMs: number };

  private state: 'new' | 'open' | 'closing' | 'closed' = 'new';
  /** close() came while open() was still under way. */
  private abandoned = false;
  private giveUp?: NodeJS.Timeout;
  private readonly closedPromise: Promise<void>;
  private resolveClosed!: () => void;

  constructor() {
    super();
    this.closedPromise = new Promise((resolve) => { this.resolveClosed = resolve; });
  }

  get isOpen(): boolean {
    return this.state === 'open';
  }

  /** True once close() was called: the transport going away is then expected, not an error. */
  protected get closing(): boolean {
    return this.state === 'closing';
  }

  abstract open(): Promise<void>;
  abstract write(data: Uint8Array): Promise<void>;
  /** Tears the transport down; must lead to ended() being called (directly or through its events). */
  protected abstract shutdown(): void;

  async close(): Promise<void> {
    if (this.state === 'open') {
      this.state = 'closing';
      try {
        this.shutdown();
      } catch (err) {
        this.ended(err as Error);
      }
      // A wedged driver or socket must not hold up Node-RED's close (15 s limit): give up waiting.
      if (this.state === 'closing') this.giveUp = setTimeout(() => this.ended(), CLOSE_GIVE_UP_MS);
    }
    if (this.state === 'new') this.abandoned = true;
    else await this.closedPromise;
  }

  /** Rejects a write on a link that is not open, naming the link. */
  protected assertWritable(): void {
    if (this.state !== 'open') throw new LinkError(this.description, 'the link is not open; cannot write');
  }

  /** Marks the transport up. If close() was called meanwhile, tears it down and throws instead. */
  protected opened(): void {
    if (this.state !== 'new') return;
    if (this.abandoned) {
      this.state = 'closed';
      this.resolveClosed();
      this.shutdown();
      throw new LinkError(this.description, 'closed while it was being opened');
    }
    this.state = 'open';
  }

  protected received(chunk: Buffer): void {
    if (this.state === 'open' || this.state === 'closing') this.emit('data', chunk);
  }

  /**
   * The transport is gone. `why` describes the failure when it died; it is dropped when we
   * closed it ourselves. Emits 'close' once; later calls do nothing.
   */
  protected ended(why?: Error): void {
    if (this.state === 'closed' || this.state === 'new') return;
    const expected = this.state === 'closing';
    this.state = 'closed';
    clearTimeout(this.giveUp);
    this.emit('close', expected ? undefined : why ?? new LinkError(this.description, 'the connection ended'));
    this.resolveClosed();
  }
}

/** Resolves after `ms` milliseconds. */
export function sleep(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms));
}

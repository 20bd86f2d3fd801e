import type { NodeAPI, NodeMessage } from '@node-red/registry';

/**
 * Sends a generator's values as a message sequence a core Join node rebuilds in automatic mode:
 * msg.parts = { id, index, type: 'array' }, and `count` on the last one. The last is only known when
 * the generator ends, so each value is held back until the next arrives.
 */
export class PartsStream {
  private held: { value: unknown } | undefined;
  private index = 0;
  private readonly id: string;

  constructor(private readonly RED: NodeAPI, private readonly msg: NodeMessage, private readonly send: (m: NodeMessage) => void) {
    this.id = msg._msgid ?? Math.random().toString(16).slice(2);
  }

  push(value: unknown): void {
    if (this.held) this.emit(this.held.value, undefined, '');
    this.held = { value };
  }

  /** Sends the last value with the count and all the printed text. An empty generator sends nothing. */
  end(stdout: string): number {
    const count = this.index + (this.held ? 1 : 0);
    if (this.held) this.emit(this.held.value, count, stdout);
    this.held = undefined;
    return count;
  }

  /**
   * The generator raised part-way: what it yielded is still sent (the held value without a count,
   * since the sequence is incomplete), then the error ends the message.
   */
  abort(): void {
    if (this.held) this.emit(this.held.value, undefined, '');
    this.held = undefined;
  }

  private emit(value: unknown, count: number | undefined, stdout: string): void {
    const out = this.RED.util.cloneMessage(this.msg);
    out.payload = value;
    out.stdout = stdout;
    // A sequence of sequences: the incoming msg.parts is kept inside, as the core Split node does.
    out.parts = { id: this.id, index: this.index++, type: 'array', ...(count !== undefined ? { count } : {}), ...(this.msg.parts ? { parts: this.msg.parts } : {}) };
    this.send(out);
  }
}

import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { EventEmitter } from 'node:events';

/** Collects what a board or link sends and waits for a suffix or substring, with a deadline. */
export class Collector {
  text = '';
  private waiters: Array<() => void> = [];
  constructor(source: EventEmitter) {
    source.on('data', (d: Buffer) => {
      this.text += d.toString('latin1');
      for (const w of this.waiters.splice(0)) w();
    });
  }

  /** Resolves with the next n characters once they have arrived. */
  async take(n: number, ms = 5000): Promise<string> {
    await this.arrived(() => this.text.length >= n, ms, () => `${n} bytes`);
    const got = this.text.slice(0, n);
    this.text = this.text.slice(n);
    return got;
  }

  /** Resolves with everything up to and including `s`, and drops it from the buffer. */
  async until(s: string, ms = 5000): Promise<string> {
    await this.arrived(() => this.text.includes(s), ms, () => JSON.stringify(s));
    const end = this.text.indexOf(s) + s.length;
    const got = this.text.slice(0, end);
    this.text = this.text.slice(end);
    return got;
  }

  /** Waits for `done` to hold, looking again on every chunk that arrives; fails after ms. */
  private async arrived(done: () => boolean, ms: number, what: () => string): Promise<void> {
    const deadline = Date.now() + ms;
    while (!done()) {
      const left = deadline - Date.now();
      if (left <= 0) throw new Error(`timed out waiting for ${what()}; got ${JSON.stringify(this.text)}`);
      await new Promise<void>((resolve) => {
        const t = setTimeout(resolve, left);
        this.waiters.push(() => { clearTimeout(t); resolve(); });
      });
    }
  }
}

export function tempDir(tag: string): string {
  return fs.mkdtempSync(path.join(os.tmpdir(), `belay-vtest-${tag}-`));
}

export function removeDir(dir: string): void {
  fs.rmSync(dir, { recursive: true, force: true });
}

/** Splits a plain raw-REPL exec answer "OK<stdout>\x04<stderr>\x04>" into its parts. */
export function parseRawAnswer(answer: string): { stdout: string; stderr: string } {
  const m = /OK([\s\S]*?)\x04([\s\S]*?)\x04>$/.exec(answer);
  if (!m) throw new Error(`not a raw REPL answer: ${JSON.stringify(answer)}`);
  return { stdout: m[1], stderr: m[2] };
}

export const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

import { VirtualBoard, type VirtualBoardOptions } from '../../src/virtual/board';

export const RAW_BANNER = 'raw REPL; CTRL-B to exit\r\n>';

/** A started board in raw REPL mode with its own temporary folder; close() removes both. */
export async function rawBoard(name: string, opts: VirtualBoardOptions = {}) {
  const fsDir = opts.fsDir ?? tempDir(name);
  const board = new VirtualBoard({ ...opts, name, fsDir });
  const rx = new Collector(board);
  await board.start();
  board.write(Buffer.from('\r\x01'));
  await rx.until(RAW_BANNER);
  return {
    board, rx, fsDir,
    /** plain raw exec: code, Ctrl-D, answer split into stdout and stderr */
    async exec(code: string, ms = 5000) {
      board.write(Buffer.from(code + '\x04'));
      return parseRawAnswer(await rx.until('\x04>', ms));
    },
    async close() {
      await board.close();
      if (!opts.fsDir) removeDir(fsDir);
    },
  };
}

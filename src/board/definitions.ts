/**
 * The definitions of one board (a task or thread node's code each): which function each calls, how
 * each stands on the board (pending, defined, failed), sent again on every connect, and the names
 * their frames get in tracebacks.
 */
import type { BoardContext } from './context';
import { functionName, isGeneratorFunction, topLevelFunctions } from './python/names';
import { remapTraceback } from './python/traceback';
import { BoardError } from './types';

export interface Definition {
  source: string;
  /** the function a call runs: the last top-level def */
  name: string;
  /** the file name it is compiled under: tracebacks name it */
  file: string;
  generator: boolean;
  /** top-level functions it defines, to name their frames where the board cannot (exec mode) */
  functions: string[];
  state: 'pending' | 'defined' | 'failed';
  error?: BoardError;
}

/** The file name a definition is compiled under: its tracebacks then count lines from its own line 1. */
export function fileFor(label: string): string {
  return label.replace(/["\\\r\n]/g, '_');
}

export class Definitions {
  private readonly defs = new Map<string, Definition>();

  /** `failed` hears of a definition that failed on the board (not of one replaced meanwhile) */
  constructor(private readonly board: string, private readonly failed: (key: string, err: BoardError) => void) {}

  /**
   * Registers (or replaces) a definition; a host-side problem with the code is a ConfigError.
   * `setup`: code run on every connect with no function to call (a config node's own setup where
   * several share a port); its name is ''.
   */
  add(key: string, source: string, label?: string, setup = false): Definition {
    let name: string | undefined;
    try {
      name = setup ? '' : functionName(source);
    } catch (e) {
      throw new BoardError(this.board, 'ConfigError', e instanceof Error ? e.message : String(e));
    }
    if (name === undefined) throw new BoardError(this.board, 'ConfigError', 'the code must define a function: def NAME(...):');
    const d: Definition = {
      source, name, file: fileFor(label ?? key), generator: !setup && isGeneratorFunction(source, name),
      functions: topLevelFunctions(source).map((f) => f.name), state: 'pending',
    };
    this.defs.set(key, d);
    return d;
  }

  remove(key: string): void {
    this.defs.delete(key);
  }

  get(key: string): Definition | undefined {
    return this.defs.get(key);
  }

  state(key: string): { state: Definition['state']; error?: BoardError } | undefined {
    const d = this.defs.get(key);
    return d && { state: d.state, error: d.error };
  }

  /** Whether the function `name` (as a definition calls it) is a generator. */
  isGenerator(name: string): boolean {
    for (const d of this.defs.values()) if (d.name === name) return d.generator;
    return false;
  }

  /** Sends one definition; its state says how it went. */
  async send(ctx: BoardContext, key: string, d: Definition): Promise<void> {
    try {
      await ctx.define(d.source, d.file);
      d.state = 'defined';
      d.error = undefined;
    } catch (e) {
      d.state = 'failed';
      d.error = e instanceof BoardError ? e : new BoardError(this.board, 'ConnectionError', e instanceof Error ? e.message : String(e));
      if (this.defs.get(key) === d) this.failed(key, d.error);
      throw d.error;
    }
  }

  /** Sends every definition (on connect); one that fails does not stop the others. */
  async sendAll(ctx: BoardContext): Promise<void> {
    for (const [key, d] of this.defs) await this.send(ctx, key, d).catch(() => undefined);
  }

  /** Where the board could not name a definition's frames (exec mode), names them by function. */
  nameFrames(e: BoardError): BoardError {
    if (!e.traceback) return e;
    const end = e.traceback.endsWith('\n') ? '\n' : '';
    e.traceback = remapTraceback(e.traceback, (f) => {
      if ((f.file !== '<stdin>' && f.file !== '<string>') || f.fn === undefined) return null;
      for (const d of this.defs.values()) if (d.functions.includes(f.fn)) return d.file;
      return null;
    }) + end;
    return e;
  }
}

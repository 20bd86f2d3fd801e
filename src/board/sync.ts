import { toPython, pyBytes } from './python/literal';
import { scanHostFolder, planSync } from './sync-plan';
import { BoardError, type SyncOptions, type SyncProgress, type SyncResult } from './types';
import type { BoardContext } from './context';

/** What sync needs of a board: its sync part through the connection's context (agent/sync.py). */
interface BoardFiles {
  /** the board's filesystem has folders; false: one flat folder (micro:bit) */
  folders: boolean;
  /** file data may go as "W" request lines (the loop, with a native decoder) */
  lines: boolean;
  /** characters of one request: what the board's heap takes in one go */
  chunk: number;
  prepare(): Promise<void>;
  expr(e: string, timeoutS?: number): Promise<unknown>;
  write(path: string, data: string, flags: number): Promise<void>;
}

function boardFiles(ctx: BoardContext, timeoutS: number): BoardFiles {
  const info = ctx.info;
  return {
    folders: info.folders,
    // the loop takes file data as base64/hex lines that are never compiled; exec mode as literals
    lines: ctx.mode === 'loop',
    // what one request may carry: 4-8 KB where the heap is roomy, a sixteenth of it on small
    // boards (compiling a request takes several times its size; the micro:bit hangs when it runs out)
    chunk: Math.max(256, Math.min(ctx.mode === 'loop' ? 8192 : 4096, Math.floor(info.memFree / 16))),
    prepare: async () => {
      const part = info.folders ? 'sync' : 'sync_flat';
      if (ctx.has(part)) return;
      // viper where the port compiles it (not on small boards: they have no native emitter)
      if (!ctx.has('fnv_viper') && !ctx.has('fnv')) {
        await (info.memFree >= 32 * 1024 ? ctx.ensure('fnv_viper').catch(() => ctx.ensure('fnv')) : ctx.ensure('fnv'));
      }
      await ctx.ensure(part);
    },
    expr: (e, t = timeoutS) => ctx.expr(e, t),
    write: (path, data, flags) => ctx.write(path, data, flags, 60),
  };
}

/**
 * Makes a board folder equal to a host folder (Belay's sync): one call hashes every board file,
 * only files whose FNV-1a hash differs are uploaded (several small files per round trip, large ones
 * in chunks), folders are created, and what is neither on the host nor kept is deleted.
 */
export async function runSync(ctx: BoardContext, opts: SyncOptions, onProgress: ((p: SyncProgress) => void) | undefined,
  label: string, timeoutS: number): Promise<SyncResult> {
  const t0 = Date.now();
  const board = boardFiles(ctx, timeoutS);
  const dest = normalizeDest(opts.dest ?? '/');
  const host = await scanHostFolder(opts.source, { ignore: opts.ignore ?? [], minify: opts.minify ?? true });
  if (!board.folders && (dest !== '/' || host.dirs.length > 0)) {
    const what = dest !== '/' ? `the destination ${dest}` : `the folder ${host.dirs[0]}`;
    throw new BoardError(label, 'UnsupportedError', `this board's filesystem is flat (no folders, as on the micro:bit): ` +
      `${what} cannot be mirrored. Sync a folder without subfolders to "/".`);
  }
  let boardState: unknown;
  try {
    await board.prepare();
    boardState = await board.expr(`_bhashes(${toPython(dest)})`, 60);
  } catch (e) {
    throw explain(e, label);
  }
  const [files, dirs, enc] = boardState as [Record<string, number>, string[], 'base64' | 'hex' | null];
  const keep = opts.keep ?? (dest === '/' ? ['boot.py', 'webrepl_cfg.py', 'lib'] : []);
  const plan = planSync(host.files, host.dirs, new Map(Object.entries(files)), dirs, { dest, keep });
  // on a flat filesystem the board's names have no leading slash
  const at = (p: string) => board.folders ? p : p.replace(/^\//, '');

  const total = plan.upload.length + (plan.delete.length ? 1 : 0);
  let done = 0;
  onProgress?.({ done, total });
  try {
    // Deletes first: a board file may stand where the host now has a folder, or the reverse.
    if (plan.delete.length) {
      await board.expr(`_brm(${toPython(plan.delete)})`, 60);
      done++;
      onProgress?.({ done, total });
    }
    if (plan.mkdirs.length) await board.expr(`_bmk(${toPython(plan.mkdirs)})`);
    let bytes = 0;
    let batch: string[] = [];
    let batchBytes = 0;
    let batchFiles: string[] = [];
    const flush = async () => {
      if (!batch.length) return;
      await board.expr(`(${batch.join(', ')},)`, 60);
      done += batchFiles.length;
      onProgress?.({ done, total, path: batchFiles[batchFiles.length - 1] });
      batch = []; batchBytes = 0; batchFiles = [];
    };
    for (const f of plan.upload) {
      const data = f.data;
      bytes += data.length;
      if (board.lines && enc && !/[\t\r\n]/.test(f.path)) {
        // Never compiled: the board's lexer costs far more per byte than decoding base64 or hex.
        const step = enc === 'hex' ? board.chunk >> 1 : Math.floor(board.chunk / 4) * 3;
        for (let i = 0; i < data.length || i === 0; i += step) {
          await board.write(at(f.path), Buffer.from(data.subarray(i, i + step)).toString(enc), pieceFlags(i, step, data.length));
        }
        onProgress?.({ done: ++done, total, path: f.path });
        continue;
      }
      // As literals the board compiles: a request never holds more characters than its heap takes
      // (binary costs up to 4 per byte, so a piece is a quarter of that).
      const step = Math.max(64, board.chunk >> 2);
      const name = toPython(at(f.path));
      if (data.length === 0) batch.push(`_bw(${name}, b'', 2)`);
      for (let i = 0; i < data.length; i += step) {
        const e = `_bw(${name}, ${chunkExpr(data.subarray(i, i + step), enc)}, ${pieceFlags(i, step, data.length)})`;
        if (batchBytes + e.length > board.chunk) await flush();
        batch.push(e);
        batchBytes += e.length;
      }
      batchFiles.push(f.path);
    }
    await flush();
    return {
      uploaded: plan.upload.map((f) => f.path),
      deleted: plan.delete,
      unchanged: plan.unchanged,
      bytes,
      ms: Date.now() - t0,
    };
  } catch (e) {
    throw explain(e, label);
  }
}

/** _bw's flags for the piece at `i`: 1 = not the first, 2 = the last. */
function pieceFlags(i: number, step: number, length: number): number {
  return (i > 0 ? 1 : 0) | (i + step >= length ? 2 : 0);
}

/**
 * The Python expression for a chunk of bytes, whichever is shorter: a bytes literal (best for text,
 * about 1 character per byte) or the board's decoder on base64 (4 per 3 bytes; a literal needs 4 per
 * byte of binary). Both are ASCII without control characters.
 */
export function chunkExpr(data: Uint8Array, enc: 'base64' | 'hex' | null): string {
  const literal = pyBytes(data);
  if (enc !== 'base64') return literal;
  const b64 = `_ba2b(b'${Buffer.from(data.buffer, data.byteOffset, data.byteLength).toString('base64')}')`;
  return b64.length < literal.length ? b64 : literal;
}

function normalizeDest(dest: string): string {
  let d = dest.trim() || '/';
  if (!d.startsWith('/')) d = '/' + d;
  if (d.length > 1 && d.endsWith('/')) d = d.slice(0, -1);
  return d;
}

/** CircuitPython's filesystem is read-only to code unless boot.py remounts it: say so plainly. */
function explain(e: unknown, board: string): Error {
  if (e instanceof BoardError && e.type === 'OSError' && /\b30\b|Read-only/i.test(e.pyMessage)) {
    return new BoardError(board, 'OSError', `${e.pyMessage}: the board's filesystem is read-only to code. On CircuitPython, ` +
      'add a boot.py that remounts it writable (import storage; storage.remount("/", readonly=False)); the drive is then read-only over USB.', e.traceback);
  }
  return e instanceof Error ? e : new Error(String(e));
}

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
  /** file data may go as raw bytes after a request (the loop, on a link that carries them) */
  raw: boolean;
  prepare(): Promise<void>;
  expr(e: string, timeoutS?: number): Promise<unknown>;
  write(path: string, data: string, flags: number): Promise<void>;
  /** agent/sync.py's _bwb over pieces: the board asks for each piece's bytes in turn */
  feed(pieces: RawPiece[], onPiece: (i: number) => void): Promise<void>;
}

/** One piece of a file as raw bytes (escaped: see escapeRaw), flags as _bw takes them. */
interface RawPiece { path: string; flags: number; bytes: Buffer }

/**
 * Raw pieces per request: at most this many bytes or pieces. One 60 s timeout covers them all
 * (a request's; the board's asks do not extend it): 16 KB of it still fits a 4800-baud UART.
 */
const RAW_BATCH_BYTES = 16 * 1024;
const RAW_BATCH_PIECES = 32;

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
    // Raw where the link can (ctx.feed): a quarter fewer bytes than base64 and half of hex, and
    // every byte counts on a wire (an emulated Pico reads about 60 KB/s of USB CDC: 20 files of
    // 4.9 KB took 2.4-3.3 s raw against 3.2-4.7 s as base64 lines in the same runs). The board
    // asks for each piece, so the link never holds more than one piece the board is not reading.
    raw: ctx.mode === 'loop' && ctx.feed !== undefined,
    feed: async (pieces, onPiece) => {
      let asked = 0;
      await ctx.feed!('_bwb', [pieces.map((p) => [p.path, p.bytes.length, p.flags])], (n) => {
        const i = asked++;
        if (i > 0) onPiece(i - 1);
        if (n !== pieces[i]?.bytes.length) throw new Error(`internal: the board asked for ${String(n)} bytes of piece ${i}`);
        return pieces[i].bytes;
      }, 60);
      onPiece(pieces.length - 1);
    },
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
  const [files, dirs, enc, readsRaw, codePoints] = boardState as [Record<string, number>, string[], 'base64' | 'hex' | null, boolean?, boolean?];
  const forms: LiteralForms = { base64: enc === 'base64', codePoints: codePoints === true };
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
    // Raw pieces wait here until a request's worth is together; a file is done when its last
    // piece has been read.
    let pieces: (RawPiece & { file?: string })[] = [];
    let piecesBytes = 0;
    const feed = async () => {
      if (!pieces.length) return;
      const these = pieces;
      pieces = []; piecesBytes = 0;
      await board.feed(these, (i) => {
        const file = these[i].file;
        if (file) onProgress?.({ done: ++done, total, path: file });
      });
    };
    for (const f of plan.upload) {
      const data = f.data;
      bytes += data.length;
      if (board.raw && readsRaw) {
        const step = board.chunk;
        for (let i = 0; i < data.length || i === 0; i += step) {
          const last = i + step >= data.length;
          const piece = escapeRaw(data.subarray(i, i + step));
          pieces.push({ path: at(f.path), flags: pieceFlags(i, step, data.length), bytes: piece, file: last ? f.path : undefined });
          piecesBytes += piece.length;
          if (piecesBytes >= RAW_BATCH_BYTES || pieces.length >= RAW_BATCH_PIECES) await feed();
        }
        continue;
      }
      if (board.lines && enc && !/[\t\r\n]/.test(f.path)) {
        // Never compiled: the board's lexer costs far more per byte than decoding base64 or hex.
        const step = enc === 'hex' ? board.chunk >> 1 : Math.floor(board.chunk / 4) * 3;
        for (let i = 0; i < data.length || i === 0; i += step) {
          await board.write(at(f.path), Buffer.from(data.subarray(i, i + step)).toString(enc), pieceFlags(i, step, data.length));
        }
        onProgress?.({ done: ++done, total, path: f.path });
        continue;
      }
      // As literals the board compiles: a request never holds more bytes than its heap takes, and
      // each piece as many as fit in what is left of it.
      const name = toPython(at(f.path));
      const call = Buffer.byteLength(`_bw(${name}, , 3), `);
      if (data.length === 0) batch.push(`_bw(${name}, b'', 2)`);
      for (let i = 0; i < data.length;) {
        if (batch.length && board.chunk - batchBytes - call < MIN_PIECE_ROOM) await flush();
        const { expr, end } = pieceExpr(data, i, board.chunk - batchBytes - call, forms);
        const e = `_bw(${name}, ${expr}, ${pieceFlags(i, end - i, data.length)})`;
        batch.push(e);
        batchBytes += Buffer.byteLength(e) + 2;
        i = end;
      }
      batchFiles.push(f.path);
    }
    await feed();
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

/**
 * File data as _bwb reads it: 0x03 (Ctrl-C), 0x04 (Ctrl-D) and the escape 0x10 become 0x10 then
 * '#', '$' or ' ', so a Ctrl-C from the host still interrupts the board mid-piece and what is
 * left of an interrupted piece can run nothing at the raw REPL. Three bytes in 256 cost 1.2 %.
 */
export function escapeRaw(data: Uint8Array): Buffer {
  let extra = 0;
  for (let i = 0; i < data.length; i++) if (ESCAPED[data[i]]) extra++;
  if (extra === 0) return Buffer.from(data);
  const out = Buffer.allocUnsafe(data.length + extra);
  let j = 0;
  for (let i = 0; i < data.length; i++) {
    const e = ESCAPED[data[i]];
    if (e) {
      out[j++] = 0x10;
      out[j++] = e;
    } else out[j++] = data[i];
  }
  return out;
}

const ESCAPED = new Uint8Array(256);
ESCAPED[0x03] = 0x23; // '#'
ESCAPED[0x04] = 0x24; // '$'
ESCAPED[0x10] = 0x20; // ' '

/** _bw's flags for the piece at `i`: 1 = not the first, 2 = the last. */
function pieceFlags(i: number, step: number, length: number): number {
  return (i > 0 ? 1 : 0) | (i + step >= length ? 2 : 0);
}

/** Fewer bytes of room than this left in a request: the next piece starts a new one. */
const MIN_PIECE_ROOM = 64;

/** How file data may go inside a request besides a bytes literal: what the board can decode. */
export interface LiteralForms {
  /** _ba2b on base64 */
  base64: boolean;
  /** _bu on a str of code points below 256 (boards whose str is unicode) */
  codePoints: boolean;
}

/**
 * The longest piece of `data` from `from` whose Python expression takes at most `budget` bytes of
 * UTF-8 (at least one byte of data), in whichever form carries most: a bytes literal (text: about
 * 1 character a byte), a str of code points through _bu (binary: a byte above 0x7f is 2 bytes of
 * UTF-8 there, 4 as \xNN in a literal; 1.7 a byte of random data against 2.9) or base64 through
 * _ba2b (4 per 3 bytes). None holds a control character other than a tab, nor a line end.
 */
export function pieceExpr(data: Uint8Array, from: number, budget: number, forms: LiteralForms): { expr: string; end: number } {
  // where the longest fit ends, and its bytes, for a form's wrapper and cost per byte
  const fit = (wrap: number, cost: (i: number) => number): { end: number; size: number } => {
    let size = wrap, end = from;
    while (end < data.length && (end === from || size + cost(end) <= budget)) size += cost(end++);
    return { end, size };
  };
  const bytes = (end: number) => Buffer.from(data.buffer, data.byteOffset + from, end - from);
  const candidates: { end: number; size: number; expr: (end: number) => string }[] = [
    { ...fit(3, (i) => BYTES_COST[data[i]]), expr: (end) => pyBytes(data.subarray(from, end)) },
  ];
  if (forms.codePoints) {
    candidates.push({
      ...fit(7, (i) => Buffer.byteLength(codePoint(data, i))),
      expr: (end) => {
        let text = '';
        for (let i = from; i < end; i++) text += codePoint(data, i);
        return `_bu('${text}')`;
      },
    });
  }
  if (forms.base64) {
    const end = Math.min(data.length, from + Math.max(3, Math.floor((budget - 10) / 4) * 3));
    candidates.push({ end, size: 10 + Math.ceil((end - from) / 3) * 4, expr: (e) => `_ba2b(b'${bytes(e).toString('base64')}')` });
  }
  const best = candidates.reduce((a, b) => (b.end > a.end || (b.end === a.end && b.size < a.size) ? b : a));
  return { expr: best.expr(best.end), end: best.end };
}

/** Characters of each byte value in a bytes literal (see pyBytes). */
const BYTES_COST = Uint8Array.from({ length: 256 }, (_, b) =>
  b === 0x5c || b === 0x27 || b === 0x0a || b === 0x0d || b === 0x09 ? 2 : b < 0x20 || b >= 0x7f ? 4 : 1);

/** Byte `i` as a character of a str literal: itself, an escape, or the code point of the same value. */
function codePoint(data: Uint8Array, i: number): string {
  const b = data[i];
  if (b >= 0x80 || b === 0x09 || (b >= 0x20 && b < 0x7f && b !== 0x5c && b !== 0x27)) return String.fromCharCode(b);
  if (b === 0x5c || b === 0x27) return '\\' + String.fromCharCode(b);
  if (b === 0x0a) return '\\n';
  if (b === 0x0d) return '\\r';
  // octal, as short as the next character allows (a digit after it would extend it)
  const next = data[i + 1];
  return '\\' + b.toString(8).padStart(next >= 0x30 && next <= 0x37 ? 3 : 1, '0');
}

/** The expression for a whole chunk of bytes, in the shortest form the board decodes. */
export function chunkExpr(data: Uint8Array, enc: 'base64' | 'hex' | null, codePoints = false): string {
  return pieceExpr(data, 0, Infinity, { base64: enc === 'base64', codePoints }).expr;
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

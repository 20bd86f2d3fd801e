import { toPython } from './python/literal';
import { scanHostFolder, planSync, BOARD_HASH_SNIPPET, BOARD_WRITE_SNIPPET, encodeChunk } from './sync-plan';
import { BoardError, type SyncOptions, type SyncProgress, type SyncResult } from './types';

/** Runs one agent request line on the board and returns its value. */
export type Request = (line: string, timeoutS?: number) => Promise<unknown>;

/** Bytes of file data per request: one round trip carries this much, against Belay's 256. */
const CHUNK = 4096;

/**
 * Makes a board folder equal to a host folder (Belay's sync): one call hashes every board file,
 * only files whose FNV-1a hash differs are uploaded (several small files per round trip, large ones in
 * 4 KB chunks), folders are created, and what is neither on the host nor kept is deleted.
 */
export async function runSync(request: Request, opts: SyncOptions, onProgress: ((p: SyncProgress) => void) | undefined,
  board: string): Promise<SyncResult> {
  const t0 = Date.now();
  const dest = normalizeDest(opts.dest ?? '/');
  const host = await scanHostFolder(opts.source, { ignore: opts.ignore ?? [], minify: opts.minify ?? true });
  await request(`e${toPython([BOARD_HASH_SNIPPET + '\n' + BOARD_WRITE_SNIPPET, 'belay-sync'])}`);
  let boardState: unknown;
  try {
    boardState = await request(`c__belay_hashes(${toPython(dest)})`, 60);
  } catch (e) {
    throw explain(e, board);
  }
  const [files, dirs] = boardState as [Record<string, number>, string[]];
  const keep = opts.keep ?? (dest === '/' ? ['boot.py', 'webrepl_cfg.py', 'lib'] : []);
  const plan = planSync(host.files, host.dirs, new Map(Object.entries(files)), dirs, { dest, keep });

  const total = plan.upload.length + (plan.delete.length ? 1 : 0);
  let done = 0;
  onProgress?.({ done, total });
  try {
    // Deletes first: a board file may stand where the host now has a folder, or the reverse.
    if (plan.delete.length) {
      await request(`c__belay_rm(${toPython(plan.delete)})`, 60);
      done++;
      onProgress?.({ done, total });
    }
    if (plan.mkdirs.length) await request(`c__belay_mkdirs(${toPython(plan.mkdirs)})`);
    let bytes = 0;
    // Boards that decode base64 (or hex) natively take file data as request lines that are never
    // compiled; others get it as bytes literals inside a call. Either way one round trip carries up to CHUNK bytes.
    const enc = await request('c__belay_enc') as 'base64' | 'hex' | null;
    let batch: string[] = [];
    let batchBytes = 0;
    let batchFiles: string[] = [];
    let current: string | undefined;
    const flush = async () => {
      if (!batch.length) return;
      await request(`c(${batch.join(', ')},)`, 60);
      done += batchFiles.length;
      onProgress?.({ done, total, path: batchFiles[batchFiles.length - 1] ?? current });
      batch = []; batchBytes = 0; batchFiles = [];
    };
    for (const f of plan.upload) {
      current = f.path;
      const data = f.data;
      bytes += data.length;
      if (enc && !/[\t\r\n]/.test(f.path)) {
        for (let i = 0; i < data.length || i === 0; i += CHUNK) {
          await request(`w${i === 0 ? 0 : 1}${f.path}\t${Buffer.from(data.subarray(i, i + CHUNK)).toString(enc)}`, 60);
        }
        onProgress?.({ done: ++done, total, path: f.path });
        continue;
      }
      if (data.length === 0) batch.push(`__belay_w(${toPython(f.path)}, b'', 0)`);
      for (let i = 0; i < data.length; i += CHUNK) {
        const piece = data.subarray(i, i + CHUNK);
        if (batchBytes + piece.length > CHUNK) await flush();
        batch.push(`__belay_w(${toPython(f.path)}, ${encodeChunk(piece)}, ${i === 0 ? 0 : 1})`);
        batchBytes += piece.length;
      }
      batchFiles.push(f.path);
      if (batchBytes >= CHUNK) await flush();
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
    throw explain(e, board);
  }
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
    return new BoardError(board, 'OSError', `${e.pyMessage} — the board's filesystem is read-only to code. On CircuitPython, ` +
      'remount it writable in boot.py (storage.remount("/", False)); the drive is then read-only over USB.', e.traceback);
  }
  return e instanceof Error ? e : new Error(String(e));
}

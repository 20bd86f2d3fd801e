/**
 * The host side of Belay-style sync, all pure apart from reading the host folder: hashing, ignore
 * patterns, and the plan that turns "what the host has" and "what the board has" into uploads,
 * folders to create and deletions. The board side is src/board/agent/sync.py.
 */
import { promises as fsp } from 'node:fs';
import * as path from 'node:path';
import ignore from 'ignore';
import { minify as minifyPython } from './python/minify';


/** FNV-1a 32-bit hash, the one the board computes too (offset 0x811c9dc5, prime 0x01000193). */
export function fnv1a32(data: Uint8Array): number {
  let h = 0x811c9dc5;
  for (let i = 0; i < data.length; i++) h = Math.imul(h ^ data[i], 0x01000193);
  return h >>> 0;
}

// ---------------------------------------------------------------------------------------------
// gitignore patterns
// ---------------------------------------------------------------------------------------------

/** Always ignored, before the user's patterns (which may re-include them with `!`). */
export const DEFAULT_IGNORE = ['*.pyc', '__pycache__', '.DS_Store'];

/**
 * A matcher for .gitignore patterns, with git's semantics (the `ignore` package, which eslint and
 * prettier use), applied to paths relative to the synced folder with '/' separators ('lib/x.py').
 * As in git, the last matching pattern wins and nothing inside an ignored folder can be re-included.
 * Case-sensitive, as git is by default on Linux, so a sync ignores the same files on every host.
 * DEFAULT_IGNORE is always applied first.
 */
export function ignoreMatcher(patterns: string[]): (relPath: string, isDir: boolean) => boolean {
  const rules = ignore({ ignorecase: false }).add(DEFAULT_IGNORE).add(patterns);
  return (relPath: string, isDir: boolean): boolean => {
    const parts = relPath.split('/').filter((s) => s !== '' && s !== '.');
    if (parts.length === 0) return false; // the synced folder itself
    // A trailing '/' is how `ignore` tells a folder, for patterns such as `build/`.
    return rules.ignores(parts.join('/') + (isDir ? '/' : ''));
  };
}

// ---------------------------------------------------------------------------------------------
// The host folder
// ---------------------------------------------------------------------------------------------

export interface HostFile {
  /** path relative to the synced folder, '/' separators: 'lib/x.py' */
  rel: string;
  /** the bytes to put on the board (minified for .py files when asked) */
  data: Buffer;
  /** fnv1a32(data) */
  hash: number;
}

export interface HostFolder {
  /** every file not ignored, sorted by rel */
  files: HostFile[];
  /** every folder not ignored (empty ones too), relative, sorted, parents before children */
  dirs: string[];
}

export interface ScanOptions {
  /** gitignore-style patterns, on top of DEFAULT_IGNORE */
  ignore?: string[];
  /** strip comments and docstrings from .py files, keeping line numbers (default true) */
  minify?: boolean;
}

/**
 * Reads a host folder for sync. Symbolic links are followed (a folder reached twice, as through a
 * link cycle, is read once);
 * a .py file that is not valid UTF-8 is sent as it is rather than minified.
 * Rejects with a clear error when `root` is not a readable folder.
 */
export async function scanHostFolder(root: string, opts: ScanOptions = {}): Promise<HostFolder> {
  const ignored = ignoreMatcher(opts.ignore ?? []);
  const minify = opts.minify ?? true;
  let st;
  try {
    st = await fsp.stat(root);
  } catch (e) {
    throw new Error(`Sync source folder "${root}" cannot be read (${(e as NodeJS.ErrnoException).code ?? (e as Error).message}): check the node's source setting`);
  }
  if (!st.isDirectory()) throw new Error(`Sync source "${root}" is a file, not a folder: point the node's source at the folder to mirror`);

  const files: HostFile[] = [];
  const dirs: string[] = [];
  const seen = new Set<string>();
  const walk = async (abs: string, rel: string): Promise<void> => {
    const entries = await fsp.readdir(abs, { withFileTypes: true });
    for (const e of entries) {
      const childAbs = path.join(abs, e.name);
      const childRel = rel ? `${rel}/${e.name}` : e.name;
      let isDir = e.isDirectory();
      let isFile = e.isFile();
      if (e.isSymbolicLink()) {
        const target = await fsp.stat(childAbs).catch(() => undefined); // a dangling link is skipped
        isDir = target?.isDirectory() ?? false;
        isFile = target?.isFile() ?? false;
      }
      if (!isDir && !isFile) continue; // sockets, fifos, devices
      if (ignored(childRel, isDir)) continue;
      if (isDir) {
        const real = await fsp.realpath(childAbs);
        if (seen.has(real)) continue; // a link back into the tree
        seen.add(real);
        dirs.push(childRel);
        await walk(childAbs, childRel);
      } else {
        const raw = await fsp.readFile(childAbs);
        const data = minify && childRel.endsWith('.py') ? minifyBytes(raw) : raw;
        files.push({ rel: childRel, data, hash: fnv1a32(data) });
      }
    }
  };
  seen.add(await fsp.realpath(root));
  await walk(root, '');
  files.sort((a, b) => compare(a.rel, b.rel));
  dirs.sort(compare);
  return { files, dirs };
}

function minifyBytes(raw: Buffer): Buffer {
  const text = raw.toString('utf8');
  if (!Buffer.from(text, 'utf8').equals(raw)) return raw; // not UTF-8: leave it to the board
  return Buffer.from(minifyPython(text), 'utf8');
}

function compare(a: string, b: string): number {
  return a < b ? -1 : a > b ? 1 : 0;
}

// ---------------------------------------------------------------------------------------------
// The plan
// ---------------------------------------------------------------------------------------------

/** What a sync does. Every path is an absolute board path ('/lib/x.py'). */
export interface SyncPlan {
  /** host files whose content differs from the board's, or that the board lacks */
  upload: (HostFile & { path: string })[];
  /** folders to create (parents before children) */
  mkdirs: string[];
  /** board files, then board folders deepest first, that the host does not have and that are not kept */
  delete: string[];
  /** host files the board already has with the same content */
  unchanged: string[];
}

export interface PlanOptions {
  /** board folder mirrored, default '/' */
  dest?: string;
  /** board paths never deleted, absolute or relative to dest; a kept folder keeps all inside it.
   *  Default: ['boot.py', 'webrepl_cfg.py', 'lib'] when dest is '/', else none. */
  keep?: string[];
}

export const DEFAULT_KEEP = ['boot.py', 'webrepl_cfg.py', 'lib'];

/** '/', or an absolute path without a trailing '/'. */
export function normalizeBoardPath(p: string): string {
  const parts = p.split('/').filter((s) => s !== '' && s !== '.');
  return '/' + parts.join('/');
}

function joinBoard(dir: string, rel: string): string {
  return normalizeBoardPath(`${dir}/${rel}`);
}

/** Whether `p` is `base` or inside it. */
function within(p: string, base: string): boolean {
  return base === '/' || p === base || p.startsWith(base + '/');
}

function depth(p: string): number {
  return p === '/' ? 0 : p.split('/').length - 1;
}

/**
 * Compares the host folder with the board's state under `dest` (as __belay_hashes returns it:
 * board file path → hash, 0 or absent meaning missing; board folders) and says what to do.
 * Nothing outside `dest` is touched, `dest` itself is never deleted, and neither is a kept path,
 * anything inside a kept folder, or a folder that holds a kept path.
 *
 * Order to apply it in: delete, then mkdirs, then upload. Deleting first resolves a board file
 * standing where the host has a folder (and the reverse).
 */
export function planSync(host: HostFile[], hostDirs: string[], board: Map<string, number>, boardDirs: string[],
  opts: PlanOptions = {}): SyncPlan {
  const dest = normalizeBoardPath(opts.dest ?? '/');
  const keep = (opts.keep ?? (dest === '/' ? DEFAULT_KEEP : []))
    .map((k) => k.trim()).filter((k) => k !== '')
    .map((k) => (k.startsWith('/') ? normalizeBoardPath(k) : joinBoard(dest, k)));
  const isKept = (p: string): boolean => keep.some((k) => within(p, k) || within(k, p));

  const upload: SyncPlan['upload'] = [];
  const unchanged: string[] = [];
  const hostPaths = new Set<string>();
  for (const f of host) {
    const p = joinBoard(dest, f.rel);
    hostPaths.add(p);
    const onBoard = (board.get(p) ?? 0) >>> 0;
    if (onBoard !== 0 && onBoard === f.hash >>> 0) unchanged.push(p);
    else upload.push({ ...f, path: p });
  }

  const hostDirPaths = new Set(hostDirs.map((d) => joinBoard(dest, d)));
  const boardDirSet = new Set(boardDirs.map(normalizeBoardPath));
  const wanted = new Set(hostDirPaths);
  if (dest !== '/') wanted.add(dest);
  // Folders that uploads need, even if the host list left them out.
  for (const p of hostPaths) for (let d = parentOf(p); d !== '/' && within(d, dest) && d !== dest; d = parentOf(d)) wanted.add(d);
  const mkdirs = [...wanted].filter((d) => !boardDirSet.has(d)).sort((a, b) => depth(a) - depth(b) || compare(a, b));

  const deleteFiles = [...board.entries()]
    .filter(([, h]) => h !== 0)
    .map(([p]) => normalizeBoardPath(p))
    .filter((p) => within(p, dest) && p !== dest && !hostPaths.has(p) && !isKept(p))
    .sort(compare);
  const deleteDirs = [...boardDirSet]
    .filter((d) => within(d, dest) && d !== dest && d !== '/' && !wanted.has(d) && !isKept(d))
    .sort((a, b) => depth(b) - depth(a) || compare(a, b));

  return { upload, mkdirs, delete: [...deleteFiles, ...deleteDirs], unchanged };
}

function parentOf(p: string): string {
  const i = p.lastIndexOf('/');
  return i <= 0 ? '/' : p.slice(0, i);
}

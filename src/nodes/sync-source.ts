import fs from 'node:fs';
import path from 'node:path';
import { DEFAULT_KEEP } from '../board';
import { configError } from './errors';
import { t } from './i18n';

/** Board files a sync to '/' never deletes unless told otherwise (CONTRACT, belay-sync): the board layer's list. */
export { DEFAULT_KEEP };

/** `package:NAME/SUB` or `package:@scope/name/SUB`. */
const PACKAGE_SOURCE = /^package:((?:@[^/]+\/)?[^/@][^/]*)(?:\/(.*))?$/;

/**
 * The host folder to mirror: relative paths against the Node-RED user directory; `package:` sources
 * inside the npm package of that name as installed for that user directory.
 */
export function resolveSource(source: string, userDir: string): string {
  const text = source.trim();
  if (!text) throw configError(t('sync.no-source'));
  let folder: string;
  const pkg = PACKAGE_SOURCE.exec(text);
  if (pkg) {
    folder = path.join(packageRoot(pkg[1], userDir), pkg[2] ?? '');
  } else if (text.startsWith('package:')) {
    throw configError(t('sync.not-package', { source: text, example: 'package:@belay/node-red-micropython/examples-data/sync-folder' }));
  } else {
    folder = path.resolve(userDir, text);
  }
  let stat: fs.Stats | undefined;
  try { stat = fs.statSync(folder); } catch { stat = undefined; }
  if (!stat?.isDirectory()) {
    throw configError(t(stat ? 'sync.not-folder' : 'sync.no-folder', { folder, source: text, userDir }));
  }
  return folder;
}

function packageRoot(name: string, userDir: string): string {
  try {
    return path.dirname(require.resolve(`${name}/package.json`, { paths: [userDir] }));
  } catch {
    // Packages with an "exports" map may not export package.json: find their main file and climb.
    let entry: string;
    try {
      entry = require.resolve(name, { paths: [userDir] });
    } catch {
      throw configError(t('sync.no-package', { name, userDir }));
    }
    for (let dir = path.dirname(entry); dir !== path.dirname(dir); dir = path.dirname(dir)) {
      const file = path.join(dir, 'package.json');
      if (fs.existsSync(file) && JSON.parse(fs.readFileSync(file, 'utf8')).name === name) return dir;
    }
    throw configError(t('sync.no-package-json', { name, entry }));
  }
}

/** A list property: an array as saved by the editor, or text split on `separator` from a hand-written flow. */
export function listOf(value: unknown, separator: RegExp): string[] | undefined {
  if (value === undefined || value === null) return undefined;
  const items = Array.isArray(value) ? value.map(String) : String(value).split(separator);
  return items.map((s) => s.trim()).filter((s) => s !== '');
}

/**
 * `keep` as given; when empty, the default for the board's root (nothing elsewhere). A list replaces
 * the default rather than adding to it.
 */
export function keepList(keep: unknown, dest: string): string[] {
  const list = listOf(keep, /,/) ?? [];
  if (list.length > 0) return list;
  return dest === '/' ? [...DEFAULT_KEEP] : [];
}

/**
 * Saved flows have versions (issue #13): every node writes `version` (CONFIG_VERSION, the editor's
 * default in nodes/*.html), and a node reads its saved config through migrate(), which brings an
 * older shape up to the one the runtime reads, one step per version. Version 0 is what 0.1.0 saved
 * (no version at all) and what people write by hand: booleans as strings, lists as arrays.
 */
export const CONFIG_VERSION = 1;

type Config = Record<string, unknown>;
type Step = (c: Config) => Config;

/** "true"/"false" strings (hand-written flows, old exports) and missing values as the default. */
function bool(v: unknown, fallback: boolean): boolean {
  if (v === true || v === 'true') return true;
  if (v === false || v === 'false') return false;
  return fallback;
}

/** A list setting saved as an array becomes the text the editor shows (joined by `sep`). */
function text(v: unknown, sep: string): unknown {
  return Array.isArray(v) ? v.map(String).join(sep) : v;
}

/** STEPS[type][v] turns a config of version v into version v + 1. */
const STEPS: Record<string, Step[]> = {
  'belay-device': [
    (c) => ({ ...c, softReset: bool(c.softReset, true), reconnect: bool(c.reconnect, true), syncTime: bool(c.syncTime, true) }),
  ],
  'belay-exec': [(c) => c],
  'belay-task': [(c) => c],
  'belay-thread': [(c) => ({ ...c, autostart: bool(c.autostart, false) })],
  'belay-sync': [
    (c) => ({ ...c, keep: text(c.keep, ', '), ignore: text(c.ignore, '\n'), minify: bool(c.minify, true), onConnect: bool(c.onConnect, false) }),
  ],
  'belay-event': [(c) => c],
};

/**
 * The config as this version of the nodes reads it. A config from a newer version (a flow saved by a
 * later release, then opened here) is read as it is.
 */
export function migrate<T extends object>(type: string, config: T): T & { version: number } {
  const steps = STEPS[type] ?? [];
  let c = { ...config } as Config;
  const from = typeof c.version === 'number' ? c.version : Number(c.version) || 0;
  for (let v = from; v < CONFIG_VERSION && v < steps.length; v++) c = steps[v](c);
  c.version = Math.max(from, CONFIG_VERSION);
  return c as T & { version: number };
}

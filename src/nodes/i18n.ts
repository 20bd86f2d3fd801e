/**
 * Runtime texts (statuses, errors, warnings) from the message catalogue, so each can be translated.
 * All of them live in belay-device's catalogue (nodes/locales/<lang>/belay-device.json, under
 * "belay-device.runtime"), whichever node shows them: Node-RED gives each node file its own
 * namespace, so the key is written out with belay-device's.
 */
import fs from 'node:fs';
import path from 'node:path';
import type { NodeAPI } from '@node-red/registry';

const NAMESPACE = '@belay/node-red-micropython/belay-device';

let english: Record<string, unknown> | undefined;

/** The en-US catalogue beside the compiled nodes, for a RED._ that does not know ours. */
function fallback(key: string): string | undefined {
  if (!english) {
    try {
      english = JSON.parse(fs.readFileSync(path.join(__dirname, 'locales', 'en-US', 'belay-device.json'), 'utf8'));
    } catch {
      english = {};
    }
  }
  const v = key.split('.').reduce<unknown>((o, k) => (o && typeof o === 'object' ? (o as Record<string, unknown>)[k] : undefined), english);
  return typeof v === 'string' ? v : undefined;
}

/** Node-RED's own substitution syntax: __name__. */
function substitute(text: string, subs: Record<string, unknown> = {}): string {
  return text.replace(/__(\w+)__/g, (all, name: string) => (name in subs ? String(subs[name]) : all));
}

/**
 * The text for `belay-device.runtime.<key>`. Node-RED's RED._ answers with the key itself when it
 * has no such message (and node-red-node-test-helper's always does): then the en-US text is used.
 */
export function text(RED: Pick<NodeAPI, '_'> | undefined, key: string, subs?: Record<string, unknown>): string {
  const full = `belay-device.runtime.${key}`;
  let out: string | undefined;
  try {
    // Node-RED substitutes text and numbers (a count may choose a plural form)
    const values = subs && Object.fromEntries(Object.entries(subs).map(([k, v]) => [k, typeof v === 'number' ? v : String(v)]));
    out = RED?._(`${NAMESPACE}:${full}`, values);
  } catch {
    out = undefined;
  }
  if (!out || out === full || out === `${NAMESPACE}:${full}`) out = substitute(fallback(full) ?? full, subs);
  return out;
}

/** RED for code that has no RED of its own (set once by belay-device). */
let shared: Pick<NodeAPI, '_'> | undefined;
export function useRED(RED: Pick<NodeAPI, '_'>): void { shared = RED; }
export function t(key: string, subs?: Record<string, unknown>): string { return text(shared, key, subs); }

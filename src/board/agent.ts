/**
 * The board-side agent's parts (src/board/agent/*.py, minified into dist by scripts/build-agent.js)
 * and the start-up imports. Which part a board gets, and when, is the Session's business:
 *   info       read once per connect, leaves nothing behind
 *   core       the dispatcher loop (boards whose sys.stdin can be read in an exec, with io)
 *   exec       three short helpers for one raw exec per call, where the loop cannot run
 *   threads    the first time a thread starts (needs core)
 *   fnv_viper / fnv, sync (sync_flat on a flat filesystem)   the first time a sync runs on a connection
 *   long       the first time exec code holds a long string literal (needs core)
 */
import * as fs from 'node:fs';
import * as path from 'node:path';

export type AgentPart = 'info' | 'core' | 'exec' | 'threads' | 'fnv_viper' | 'fnv' | 'sync' | 'sync_flat' | 'events' | 'long';

const cache = new Map<AgentPart, string>();

/** The minified source of one part (read once per process). */
export function agentPart(name: AgentPart): string {
  let src = cache.get(name);
  if (src === undefined) {
    src = fs.readFileSync(path.join(__dirname, 'agent', `${name}.py`), 'utf8');
    cache.set(name, src);
  }
  return src;
}

function guardedImports(lines: string[]): string {
  return lines.map((l) => `try:\n    ${l}\nexcept ImportError:\n    pass`).join('\n') + '\n';
}

/** Belay's convenience imports, each skipped where the board lacks it. */
export const MICROPYTHON_STARTUP = guardedImports([
  'import os, time, machine',
  'from time import sleep',
  'from micropython import const',
  'from machine import Pin, PWM, Timer',
  'from machine import ADC',
  'from machine import I2C',
  'from machine import SPI',
]);

export const CIRCUITPYTHON_STARTUP = guardedImports([
  'import os, time',
  'from time import sleep',
  'from micropython import const',
  'import board',
  'import digitalio',
  'import analogio',
  'import busio',
]);

export function defaultStartup(implementation: string): string {
  return implementation === 'circuitpython' ? CIRCUITPYTHON_STARTUP : MICROPYTHON_STARTUP;
}

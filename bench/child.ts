import { spawn } from 'node:child_process';
import * as path from 'node:path';

/**
 * Runs `node --expose-gc FILE PART` and returns the JSON line it prints last: a benchmark part in a
 * process of its own, so that its RSS and event loop are its own.
 */
export async function runChild(file: string, part: string): Promise<Record<string, number>> {
  const child = spawn(process.execPath, ['--expose-gc', file, part], { stdio: ['ignore', 'pipe', 'inherit'], env: process.env });
  let out = '';
  child.stdout.on('data', (c: Buffer) => { out += c.toString(); });
  const code = await new Promise<number | null>((r) => child.once('exit', r));
  const last = out.trim().split('\n').pop() ?? '';
  if (code !== 0 || !last.startsWith('{')) throw new Error(`${path.basename(file)} ${part} failed (exit ${code}): ${out.trim()}`);
  return JSON.parse(last);
}


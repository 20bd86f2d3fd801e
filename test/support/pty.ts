import { spawn } from 'node:child_process';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';

/** Two pseudo-terminals joined back to back by socat: bytes written to one come out of the other. */
export interface PtyPair {
  /** Path of the first end, e.g. /tmp/belay-pty-XXXX/a (a symlink to /dev/pts/N). */
  a: string;
  /** Path of the second end. */
  b: string;
  /** Kills socat (both ends vanish) and removes the folder; resolves once socat has exited. */
  kill(): Promise<void>;
}

/** Starts socat and resolves once both pty links exist. Requires socat on PATH. */
export async function openPtyPair(timeoutMs = 5000): Promise<PtyPair> {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'belay-pty-'));
  const a = path.join(dir, 'a');
  const b = path.join(dir, 'b');
  const child = spawn('socat', ['-d', '-d', `pty,raw,echo=0,link=${a}`, `pty,raw,echo=0,link=${b}`], {
    stdio: ['ignore', 'ignore', 'pipe'],
  });
  let log = '';
  child.stderr!.on('data', (chunk: Buffer) => { log += chunk.toString(); });
  const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
  const kill = async () => {
    if (child.exitCode === null && child.signalCode === null) child.kill('SIGTERM');
    await exited;
    fs.rmSync(dir, { recursive: true, force: true });
  };
  // socat logs "starting data transfer loop" once both ends are ready.
  const ready = () => fs.existsSync(a) && fs.existsSync(b) && log.includes('starting data transfer loop');
  const up = await new Promise<boolean>((resolve) => {
    const end = (ok: boolean) => { clearTimeout(timer); child.stderr!.off('data', look); resolve(ok); };
    const look = () => { if (ready()) end(true); };
    const timer = setTimeout(() => end(false), timeoutMs);
    child.stderr!.on('data', look);
    void exited.then(() => end(ready()));
    look();
  });
  if (!up) {
    await kill();
    throw new Error(`socat did not create the pty pair in ${timeoutMs} ms: ${log.trim() || 'no output'}`);
  }
  return { a, b, kill };
}


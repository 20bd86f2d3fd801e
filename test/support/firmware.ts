/**
 * Real MicroPython firmware behind a real pty, for the tests and the benchmark: the Raspberry Pi Pico
 * (MicroPython 1.26.1 in rp2040js) and the BBC micro:bit v1 (MicroPython 1.9.2 in QEMU), both from
 * ../shared/boards beside the project (see its README). Each board is an emulator that socat puts
 * behind `pty,raw,echo=0,link=...`, so the node set opens it as it opens a USB serial port.
 *
 * Where ../shared/boards or a Debian package is missing (a user's clone), firmwareAvailable() says
 * why, and the tests skip with that line.
 */
import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { autoDetect } from '@serialport/bindings-cpp';
import { SerialPortStream } from '@serialport/stream';

export type FirmwareKind = 'pico' | 'microbit';

const PACKAGE_NAME = '@belay/node-red-micropython';

/** The project root: the nearest folder above this file whose package.json is ours (works from src and dist). */
export const projectRoot: string = (() => {
  for (let dir = __dirname; ; dir = path.dirname(dir)) {
    const pkg = path.join(dir, 'package.json');
    if (fs.existsSync(pkg) && JSON.parse(fs.readFileSync(pkg, 'utf8')).name === PACKAGE_NAME) return dir;
    if (path.dirname(dir) === dir) throw new Error(`no package.json of ${PACKAGE_NAME} above ${__dirname}`);
  }
})();

/** ../shared/boards, next to the project folder. */
export const boardsDir = path.resolve(projectRoot, '..', 'shared', 'boards');

const MICROBIT_HEX = '/usr/share/firmware-microbit-micropython/firmware.hex';

/** What each board needs: files under boardsDir, and host programs with the Debian package that brings each. */
const NEEDS: Record<FirmwareKind, { files: string[]; programs: [string, string][] }> = {
  pico: {
    files: ['pico-runner.mjs', 'RPI_PICO-20250911-v1.26.1.uf2'],
    programs: [['/usr/bin/socat', 'socat']],
  },
  microbit: {
    files: ['make-microbit-bin.py', 'uart-pace.mjs'],
    programs: [
      ['/usr/bin/socat', 'socat'],
      ['/usr/bin/qemu-system-arm', 'qemu-system-arm'],
      [MICROBIT_HEX, 'firmware-microbit-micropython'],
      ['/usr/bin/python3', 'python3'],
    ],
  },
};

export const BOARD_NAMES: Record<FirmwareKind, string> = {
  pico: 'Raspberry Pi Pico (MicroPython 1.26.1 in rp2040js)',
  microbit: 'BBC micro:bit (MicroPython 1.9.2 in QEMU)',
};

/**
 * Why the emulated board cannot run here, or undefined when it can. Tests pass the reason on as
 * `{ skip: reason }`, so the skip line says what is missing.
 */
export function firmwareAvailable(kind: FirmwareKind): string | undefined {
  if (!fs.existsSync(boardsDir)) return `no ${boardsDir} (the real-firmware boards live beside the project, not in a clone of it)`;
  const need = NEEDS[kind];
  for (const f of need.files) {
    if (!fs.existsSync(path.join(boardsDir, f))) return `no ${path.join(boardsDir, f)}`;
  }
  for (const [file, pkg] of need.programs) {
    if (!fs.existsSync(file)) return `no ${file}: install the Debian package ${pkg} (npm test installs it when run as root)`;
  }
  if (kind === 'pico') {
    try {
      require.resolve('rp2040js', { paths: [projectRoot] });
    } catch {
      return 'rp2040js is not installed (it is a devDependency: run npm install)';
    }
  }
  return undefined;
}

export interface FirmwareBoard {
  readonly kind: FirmwareKind;
  /** The pty link to give a belay-device as its port. */
  readonly port: string;
  /** What socat and the emulator wrote on stderr (the last 20 KB), for failure messages. */
  log(): string;
  /** Kills socat and the emulator (the whole process group) and removes the temporary folder. */
  stop(): Promise<void>;
}

export interface StartOptions {
  /** ms to wait for the friendly REPL prompt after the emulator started (default 60 s) */
  bootTimeoutMs?: number;
}

const running = new Set<ChildProcess>();
// A test process that ends without its after() hook must not leave emulators behind.
process.once('exit', () => {
  for (const child of running) killGroup(child, 'SIGKILL');
});

function killGroup(child: ChildProcess, signal: NodeJS.Signals): void {
  try {
    process.kill(-child.pid!, signal);
  } catch {
    // the group is gone already
  }
}

function groupAlive(pid: number): boolean {
  try {
    process.kill(-pid, 0);
    return true;
  } catch {
    return false;
  }
}

/**
 * Starts the emulated board behind a fresh pty link in a temporary folder of its own and resolves
 * once the board has answered a carriage return with its `>>> ` prompt on that pty. Every start is a
 * fresh power-on with an empty filesystem.
 */
export async function startFirmware(kind: FirmwareKind, options: StartOptions = {}): Promise<FirmwareBoard> {
  const reason = firmwareAvailable(kind);
  if (reason) throw new Error(`cannot start the ${BOARD_NAMES[kind]}: ${reason}`);
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), `belay-${kind}-`));
  const link = path.join(dir, 'tty');
  let command: string;
  if (kind === 'pico') {
    command = `${process.execPath} pico-runner.mjs`;
  } else {
    // The image is made afresh each run, into our own folder: ../shared stays read-only.
    const image = path.join(dir, 'microbit.bin');
    const made = spawnSync('python3', [path.join(boardsDir, 'make-microbit-bin.py'), MICROBIT_HEX, image], { encoding: 'utf8' });
    if (made.status !== 0) {
      fs.rmSync(dir, { recursive: true, force: true });
      throw new Error(`make-microbit-bin.py failed: ${made.stderr || made.stdout}`);
    }
    command = `${process.execPath} uart-pace.mjs -- qemu-system-arm -M microbit -display none -monitor none -serial stdio -kernel ${image}`;
  }
  // socat splits EXEC's command at spaces and reads ':' and ',' as its own: run from boardsDir so the
  // scripts go by bare names, whatever the path of the checkout.
  for (const p of [process.execPath, dir]) {
    if (/[\s:,!'"\\]/.test(p)) throw new Error(`${p} holds a character socat's EXEC address cannot take`);
  }
  // detached: socat leads a process group of its own, which holds the emulator too, so stop() ends it all
  const child = spawn('socat', ['-d', '-d', `pty,raw,echo=0,link=${link}`, `EXEC:${command}`], {
    cwd: boardsDir,
    detached: true,
    stdio: ['ignore', 'ignore', 'pipe'],
    env: { ...process.env, RP2040JS_FROM: projectRoot },
  });
  running.add(child);
  let log = '';
  child.stderr!.on('data', (chunk: Buffer) => {
    log = (log + chunk.toString()).slice(-20000);
  });
  const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
  void exited.then(() => running.delete(child));

  let stopped: Promise<void> | undefined;
  const stop = (): Promise<void> => {
    stopped ??= (async () => {
      killGroup(child, 'SIGTERM');
      await exited;
      // socat is gone; its children get the same signal and may take a moment to exit
      await until(() => !groupAlive(child.pid!), 5000).catch(() => killGroup(child, 'SIGKILL'));
      fs.rmSync(dir, { recursive: true, force: true });
    })();
    return stopped;
  };

  const board: FirmwareBoard = { kind, port: link, log: () => log, stop };
  try {
    await waitForSocat(child, () => log, exited);
    await waitForPrompt(link, options.bootTimeoutMs ?? 60000, exited);
  } catch (err) {
    await stop();
    throw new Error(`${BOARD_NAMES[kind]} did not start: ${(err as Error).message}\n--- socat and emulator stderr ---\n${log.trim()}`);
  }
  return board;
}

/** Resolves once socat logs that both ends are open (it made the pty link and started the emulator). */
function waitForSocat(child: ChildProcess, log: () => string, exited: Promise<void>): Promise<void> {
  return new Promise<void>((resolve, reject) => {
    const check = () => {
      if (!log().includes('starting data transfer loop')) return;
      child.stderr!.off('data', check);
      resolve();
    };
    child.stderr!.on('data', check);
    void exited.then(() => reject(new Error('socat exited before it opened the pty')));
    check();
  });
}

/**
 * Opens the pty and sends a carriage return until the board answers with its friendly REPL prompt,
 * then closes the pty again, so the board waits at `>>> ` for the node set. The emulator starts
 * reading its side a moment after socat made the link, so a CR sent early can be lost: it is sent
 * again every 500 ms until the prompt arrives.
 */
async function waitForPrompt(link: string, timeoutMs: number, exited: Promise<void>): Promise<void> {
  const port = new SerialPortStream({ binding: autoDetect(), path: link, baudRate: 115200, autoOpen: false, hupcl: false });
  await new Promise<void>((resolve, reject) => port.open((err?: Error | null) => (err ? reject(err) : resolve())));
  let seen = '';
  let poke: NodeJS.Timeout | undefined;
  let deadline: NodeJS.Timeout | undefined;
  try {
    await new Promise<void>((resolve, reject) => {
      port.on('data', (chunk: Buffer) => {
        seen = (seen + chunk.toString('latin1')).slice(-2000);
        if (seen.includes('>>> ')) resolve();
      });
      port.on('error', reject);
      void exited.then(() => reject(new Error(`the emulator exited; the pty showed ${JSON.stringify(seen)}`)));
      deadline = setTimeout(() => reject(new Error(`no >>> prompt within ${timeoutMs} ms; the pty showed ${JSON.stringify(seen)}`)), timeoutMs);
      const send = () => port.write('\r');
      send();
      poke = setInterval(send, 500);
    });
  } finally {
    clearInterval(poke);
    clearTimeout(deadline);
    await new Promise<void>((resolve) => (port.isOpen ? port.close(() => resolve()) : resolve()));
  }
}

/** Checks `done` every 20 ms until it holds (for a state that sends no event, like a process group emptying). */
async function until(done: () => boolean, timeoutMs: number): Promise<void> {
  const end = Date.now() + timeoutMs;
  while (!done()) {
    if (Date.now() > end) throw new Error(`not done within ${timeoutMs} ms`);
    await new Promise((resolve) => setTimeout(resolve, 20));
  }
}

/**
 * A real MQTT broker for the tests: Debian's mosquitto on a free loopback port with a throw-away
 * config, so the home automation examples run against the same broker users have.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import fs from 'node:fs';
import net from 'node:net';
import os from 'node:os';
import path from 'node:path';

export const MOSQUITTO = process.env.MOSQUITTO_BIN ?? '/usr/sbin/mosquitto';

export interface Broker {
  host: string;
  port: number;
  /** mqtt://127.0.0.1:PORT */
  url: string;
  /** what mosquitto logged so far, for failure messages */
  log(): string;
  stop(): Promise<void>;
}

/** A TCP port nobody listens on right now (the kernel picks it). */
export async function freePort(host = '127.0.0.1'): Promise<number> {
  return new Promise((resolve, reject) => {
    const srv = net.createServer();
    srv.once('error', reject);
    srv.listen(0, host, () => {
      const { port } = srv.address() as net.AddressInfo;
      srv.close(() => resolve(port));
    });
  });
}

function exited(child: ChildProcess): Promise<void> {
  if (child.exitCode !== null || child.signalCode !== null) return Promise.resolve();
  return new Promise((resolve) => child.once('exit', () => resolve()));
}

export async function startMosquitto(): Promise<Broker> {
  if (!fs.existsSync(MOSQUITTO)) {
    throw new Error(`${MOSQUITTO} not found: install Debian's mosquitto (apt-get install -y mosquitto) or set MOSQUITTO_BIN`);
  }
  const host = '127.0.0.1';
  const port = await freePort(host);
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'belay-mosquitto-'));
  const conf = path.join(dir, 'mosquitto.conf');
  fs.writeFileSync(conf, [
    `listener ${port} ${host}`,
    'allow_anonymous true',
    'persistence false',
    'log_dest stderr',
    'log_type error',
    'log_type warning',
    'log_type notice',
    // for "mosquitto version ... running", logged once the listener is open
    'log_type information',
    '',
  ].join('\n'));

  const child = spawn(MOSQUITTO, ['-c', conf], { stdio: ['ignore', 'ignore', 'pipe'] });
  let output = '';
  child.stderr!.setEncoding('utf8');
  child.stderr!.on('data', (chunk: string) => { output += chunk; });

  const stop = async () => {
    if (child.exitCode === null && child.signalCode === null) child.kill('SIGTERM');
    await exited(child);
    fs.rmSync(dir, { recursive: true, force: true });
  };

  const up = await new Promise<boolean>((resolve) => {
    const end = (ok: boolean) => { clearTimeout(timer); child.stderr!.off('data', look); resolve(ok); };
    const look = () => { if (/ running$/m.test(output)) end(true); };
    const timer = setTimeout(() => end(false), 10_000);
    child.stderr!.on('data', look);
    void exited(child).then(() => end(false));
  });
  if (!up) {
    await stop();
    throw new Error(`mosquitto did not start on ${host}:${port}: ${output.trim() || 'no output'}`);
  }
  return { host, port, url: `mqtt://${host}:${port}`, log: () => output, stop };
}

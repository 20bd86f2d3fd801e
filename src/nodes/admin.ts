/**
 * The config dialog's helpers on Node-RED's admin API: the serial ports to pick from, and a probe
 * that connects to a port, reads what the board says about itself and lets go (the Test button).
 */
import { promises as fs } from 'node:fs';
import path from 'node:path';
import { Device } from '../board';
import { listSerialPorts, type PortListSources, type SerialPortInfo } from '../board';
import { describeBoard, type BoardInfo } from '../board';
import { editorNamesScript } from './editor-script';
import { configError, describeError } from './errors';
import { t } from './i18n';
import { portKey } from './port-hub';
import type { NodeAPI } from '@node-red/registry';
import type { SharedBoard } from './shared-board';

/**
 * Live belay-device nodes by id, so a probe of a port in use asks the board already connected.
 * key: what the port reaches (portKey), '' when the port setting is not valid.
 */
export const liveBoards = new Map<string, { port: string; key?: string; board: SharedBoard }>();

/** The editor sends this in place of a saved password it does not know. */
const UNCHANGED_PASSWORD = '__PWRD__';
/** The Test button waits this long at most; a board that says nothing in that time is not answering. */
const PROBE_LIMIT_MS = 15000;

interface Req { body?: Record<string, unknown> }
interface Res { json(body: unknown): void; status(code: number): Res; type(t: string): Res; send(body: string): void }

export interface ProbeAnswer {
  info?: BoardInfo;
  /** describeBoard(info), e.g. "MicroPython 1.27.0 on rp2" */
  text?: string;
  /** true when the port belongs to a running belay-device and the answer came from it */
  inUse?: boolean;
  error?: string;
}

/**
 * `${NAME}` replaced by the environment variable, as Node-RED does for the deployed node. A
 * variable that is not set stays as written, so the probe then says the port is not valid.
 */
export function withEnv(text: string, env: NodeJS.ProcessEnv = process.env): string {
  return text.replace(/\$\{(\w+)\}/g, (all, name: string) => env[name] ?? all);
}

export async function probe(RED: NodeAPI, body: Record<string, unknown>): Promise<ProbeAnswer> {
  const port = withEnv(String(body.port ?? '').trim());
  let key: string;
  try {
    key = portKey(port);
  } catch (err) {
    throw configError((err as Error).message);
  }
  for (const live of liveBoards.values()) {
    if (live.key === key && live.board.device.info && live.board.state === 'connected') {
      return { info: live.board.device.info, text: describeBoard(live.board.device.info), inUse: true };
    }
  }
  let password = typeof body.password === 'string' ? body.password : undefined;
  if ((password === undefined || password === UNCHANGED_PASSWORD) && typeof body.id === 'string') {
    password = (RED.nodes.getCredentials(body.id) as { password?: string } | undefined)?.password;
  }
  const baud = Number(withEnv(String(body.baud ?? ''))) || 115200;
  // A look, not a session: no reset, no user code, no reconnecting.
  const device = new Device({
    port, baud, password: password || undefined, softReset: false, reconnect: false,
    startup: '', setup: '', teardown: '', timeout: 10,
  });
  let timer: NodeJS.Timeout | undefined;
  try {
    const info = await Promise.race([
      device.connect(),
      new Promise<never>((_, reject) => {
        timer = setTimeout(() => reject(Object.assign(new Error(t('probe.no-answer', { port, s: PROBE_LIMIT_MS / 1000 })), { name: 'TimeoutError' })), PROBE_LIMIT_MS);
      }),
    ]);
    return { info, text: describeBoard(info) };
  } finally {
    clearTimeout(timer);
    await device.close().catch(() => undefined);
  }
}

/** The port forms (CONTRACT), as hints next to the list of ports found. */
export const PORT_FORMS = [
  { form: '/dev/ttyACM0', kind: 'serial', meaning: 'a serial port (COM3 on Windows)' },
  { form: 'ws://host[:port]', kind: 'webrepl', meaning: 'WebREPL; port 8266 when left out' },
  { form: 'tcp://host:port', kind: 'tcp', meaning: 'a raw byte stream: ser2net, esp-link, an emulator' },
  { form: 'virtual[:NAME]', kind: 'virtual', meaning: 'the built-in virtual board; each NAME is a separate board' },
];

/** A serial port to offer; `target` is what a /dev/serial/by-id name points at. */
export interface OfferedPort { path: string; manufacturer?: string; target?: string }

export interface PortList {
  /** /dev/serial/by-id names first (they stay the same when the board comes back as another ttyACM), then the rest */
  ports: OfferedPort[];
  /** `virtual` and the virtual boards running now */
  virtual: string[];
  hints: typeof PORT_FORMS;
  /** why the serial list is short or empty, when the system could not list ports */
  error?: string;
}

/** Where the stable serial names are (Linux udev); replaceable for tests. */
export interface PortListOptions extends PortListSources { byIdDir?: string }

/** The /dev/serial/by-id links and the device each points at; none where the folder is missing. */
async function byIdNames(dir: string): Promise<{ path: string; target: string }[]> {
  let names: string[];
  try { names = await fs.readdir(dir); } catch { return []; }
  const out: { path: string; target: string }[] = [];
  for (const name of names.sort()) {
    const link = path.join(dir, name);
    try { out.push({ path: link, target: await fs.realpath(link) }); } catch { /* a dangling link: the board is gone */ }
  }
  return out;
}

export async function portList(options: PortListOptions = {}): Promise<PortList> {
  const [serial, byId] = await Promise.all([listSerialPorts(options), byIdNames(options.byIdDir ?? '/dev/serial/by-id')]);
  const found = new Map<string, SerialPortInfo>(serial.ports.map((p) => [p.path, p]));
  const ports: OfferedPort[] = byId.map((b) => ({
    path: b.path, target: b.target, ...(found.get(b.target)?.manufacturer ? { manufacturer: found.get(b.target)!.manufacturer } : {}),
  }));
  ports.push(...serial.ports);
  const virtual = new Set(['virtual']);
  for (const live of liveBoards.values()) if (live.port.startsWith('virtual')) virtual.add(live.port);
  return { ports, virtual: [...virtual], hints: PORT_FORMS, ...(serial.error ? { error: serial.error } : {}) };
}

/** The probe's failure as the Catch node would show it: "Code: message", the port said once. */
function probeError(err: unknown): { error: string; code: string } {
  const e = describeError(err);
  const board = e.board ? `${e.board}: ` : '';
  return { error: `${board}${e.type}: ${e.message}`, code: e.type };
}

export function registerAdminEndpoints(RED: NodeAPI): void {
  // The editor's copy of the runtime's rules; a <script src> carries no credentials, and this is
  // the package's own code, the same for every user.
  RED.httpAdmin.get('/belay/editor/names.js', (_req: Req, res: Res) => {
    res.type('application/javascript').send(editorNamesScript());
  });
  RED.httpAdmin.get('/belay/ports', RED.auth.needsPermission('belay-device.read'), (_req: Req, res: Res) => {
    portList().then((r) => res.json(r), (err) => res.json({ ports: [], virtual: ['virtual'], hints: PORT_FORMS, error: String(err?.message ?? err) }));
  });
  RED.httpAdmin.post('/belay/probe', RED.auth.needsPermission('belay-device.write'), (req: Req, res: Res) => {
    probe(RED, req.body ?? {}).then((r) => res.json(r), (err) => res.json(probeError(err)));
  });
}

/**
 * The config dialog's helpers on Node-RED's admin API: the serial ports to pick from, and a probe
 * that connects to a port, reads what the board says about itself and lets go (the Test button).
 */
import { Device } from '../board/device';
import { listSerialPorts, parsePort } from '../board/link/ports';
import { describeBoard, type BoardInfo } from '../board/types';
import type { NodeAPI } from './red';
import type { SharedBoard } from './shared-board';

/** Live belay-device nodes by id, so a probe of a port in use asks the board already connected. */
export const liveBoards = new Map<string, { port: string; board: SharedBoard }>();

/** The editor sends this in place of a saved password it does not know. */
const UNCHANGED_PASSWORD = '__PWRD__';
/** The Test button waits this long at most; a board that says nothing in that time is not answering. */
const PROBE_LIMIT_MS = 15000;

interface Req { body?: Record<string, unknown> }
interface Res { json(body: unknown): void; status(code: number): Res }

export interface ProbeAnswer {
  info?: BoardInfo;
  /** describeBoard(info), e.g. "MicroPython 1.27.0 on rp2" */
  text?: string;
  /** true when the port belongs to a running belay-device and the answer came from it */
  inUse?: boolean;
  error?: string;
}

export async function probe(RED: NodeAPI, body: Record<string, unknown>): Promise<ProbeAnswer> {
  const port = String(body.port ?? '').trim();
  parsePort(port);
  for (const live of liveBoards.values()) {
    if (live.port === port && live.board.device.info && live.board.state === 'connected') {
      return { info: live.board.device.info, text: describeBoard(live.board.device.info), inUse: true };
    }
  }
  let password = typeof body.password === 'string' ? body.password : undefined;
  if ((password === undefined || password === UNCHANGED_PASSWORD) && typeof body.id === 'string') {
    password = RED.nodes.getCredentials(body.id)?.password;
  }
  const baud = Number(body.baud) || 115200;
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
        timer = setTimeout(() => reject(new Error(`${port}: no answer within ${PROBE_LIMIT_MS / 1000} s; is a board there, and free?`)), PROBE_LIMIT_MS);
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

export interface PortList {
  ports: { path: string; manufacturer?: string }[];
  /** `virtual` and the virtual boards running now */
  virtual: string[];
  hints: typeof PORT_FORMS;
  /** why the serial list is short or empty, when the system could not list ports */
  error?: string;
}

export async function portList(): Promise<PortList> {
  const serial = await listSerialPorts();
  const virtual = new Set(['virtual']);
  for (const live of liveBoards.values()) if (live.port.startsWith('virtual')) virtual.add(live.port);
  return { ports: serial.ports, virtual: [...virtual], hints: PORT_FORMS, ...(serial.error ? { error: serial.error } : {}) };
}

export function registerAdminEndpoints(RED: NodeAPI): void {
  RED.httpAdmin.get('/belay/ports', RED.auth.needsPermission('belay-device.read'), (_req: Req, res: Res) => {
    portList().then((r) => res.json(r), (err) => res.json({ ports: [], virtual: ['virtual'], hints: PORT_FORMS, error: String(err?.message ?? err) }));
  });
  RED.httpAdmin.post('/belay/probe', RED.auth.needsPermission('belay-device.write'), (req: Req, res: Res) => {
    probe(RED, req.body ?? {}).then((r) => res.json(r), (err) => res.json({ error: String(err?.message ?? err) }));
  });
}

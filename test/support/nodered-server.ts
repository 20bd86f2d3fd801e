/**
 * A real Node-RED 4.1 for the example and browser tests, started the same way `npm start` starts it
 * (scripts/nodered.js): this package installed into a temporary user directory from the working tree.
 * It runs inside the test process, so a test can also reach the virtual boards its flows use.
 * Node-RED's runtime is a singleton: one server per test file.
 */
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import WebSocket from 'ws';

export const projectRoot = path.resolve(__dirname, '..', '..', '..');

interface LauncherModule {
  startNodeRed(options: {
    userDir: string; port?: number; host?: string; flows?: object[]; replaceFlows?: boolean;
    logLevel?: string; onLog?: (entry: LogEntry) => void; settings?: Record<string, unknown>;
  }): Promise<{ url: string; port: number; RED: any; stop(): Promise<void> }>;
}
// eslint-disable-next-line @typescript-eslint/no-require-imports
const launcher = require(path.join(projectRoot, 'scripts', 'nodered.js')) as LauncherModule;

/** One Node-RED log entry (levels: 10 fatal, 20 error, 30 warn, 40 info, 50 debug). */
export interface LogEntry { level: number; msg: unknown; type?: string; id?: string; name?: string }
export type FlowNode = Record<string, unknown> & { id: string; type: string };

export interface NodeRedServer {
  url: string;
  port: number;
  userDir: string;
  RED: any;
  /** every log entry since start */
  logs: LogEntry[];
  /** full deploy through the admin HTTP API, as the editor's Deploy button does */
  deploy(flows: FlowNode[]): Promise<void>;
  /** the flows the runtime has now */
  flows(): Promise<FlowNode[]>;
  stop(): Promise<void>;
}

/** `settings`: more Node-RED settings over the defaults (adminAuth, for one). */
export async function startNodeRedServer(options: { logLevel?: string; settings?: Record<string, unknown> } = {}): Promise<NodeRedServer> {
  const userDir = fs.mkdtempSync(path.join(os.tmpdir(), 'belay-nodered-'));
  const logs: LogEntry[] = [];
  const nr = await launcher.startNodeRed({
    userDir, port: 0, flows: [], logLevel: options.logLevel ?? 'error', onLog: (e) => logs.push(e), settings: options.settings,
  });
  const admin = (p: string, init: RequestInit = {}) => fetch(new URL(p, nr.url), {
    ...init, headers: { Accept: 'application/json', ...(init.headers as Record<string, string>) },
  });
  return {
    url: nr.url,
    port: nr.port,
    userDir,
    RED: nr.RED,
    logs,
    async deploy(flows) {
      // POST /flows answers before every new node exists (the old flows close first): the runtime
      // tells each time it has started flows (the start-up's may come late, before ours).
      const ids = flows.filter((n) => n.type !== 'tab' && n.type !== 'comment').map((n) => n.id);
      const missing = () => ids.filter((id) => !nr.RED.nodes.getNode(id));
      let onStarted!: () => void;
      let timer: NodeJS.Timeout | undefined;
      const started = new Promise<boolean>((resolve) => {
        timer = setTimeout(() => resolve(false), 30_000);
        onStarted = () => { if (missing().length === 0) resolve(true); };
        nr.RED.events.on('flows:started', onStarted);
      });
      try {
        const res = await admin('flows', {
          method: 'POST',
          headers: { 'Content-Type': 'application/json', 'Node-RED-Deployment-Type': 'full' },
          body: JSON.stringify(flows),
        });
        if (!res.ok) throw new Error(`POST /flows answered ${res.status}: ${await res.text()}`);
        if (!(await started) || missing().length) throw new Error(`deployed nodes did not start within 30 s: ${missing().join(', ')}`);
      } finally {
        clearTimeout(timer);
        nr.RED.events.off('flows:started', onStarted);
      }
    },
    async flows() {
      const res = await admin('flows');
      if (!res.ok) throw new Error(`GET /flows answered ${res.status}`);
      return await res.json() as FlowNode[];
    },
    async stop() {
      await nr.stop();
      fs.rmSync(userDir, { recursive: true, force: true });
    },
  };
}

/** A message the debug sidebar shows; `value` is decoded from Node-RED's display encoding. */
export interface DebugMessage {
  id: string;
  name?: string;
  topic?: string;
  property?: string;
  format: string;
  level?: number;
  value: unknown;
}

/** The node status shown under a node in the editor. */
export interface NodeStatus { fill?: string; shape?: string; text?: string }

function decodeDebug(data: Record<string, unknown>): DebugMessage {
  const format = String(data.format ?? '');
  const raw = data.msg as string;
  let value: unknown = raw;
  if (format === 'number') value = Number(raw);
  else if (format === 'boolean') value = raw === 'true';
  else if (format === 'null') value = null;
  else if (/^(Object|array|error)/i.test(format)) {
    try { value = JSON.parse(raw); } catch { value = raw; }
  }
  return {
    id: String(data.id), name: data.name as string | undefined, topic: data.topic as string | undefined,
    property: data.property as string | undefined, format, level: data.level as number | undefined, value,
  };
}

/**
 * Listens to the editor's websocket (/comms) like the editor does: debug sidebar messages, node
 * statuses and runtime notifications.
 */
export class EditorComms {
  readonly debug: DebugMessage[] = [];
  readonly statuses = new Map<string, NodeStatus>();
  readonly statusHistory: Array<{ id: string } & NodeStatus> = [];
  private ws: WebSocket;
  private waiters = new Set<() => void>();

  private constructor(ws: WebSocket) {
    this.ws = ws;
    ws.on('message', (data) => {
      const batch = JSON.parse(String(data)) as Array<{ topic: string; data: any }> | { topic: string; data: any };
      for (const { topic, data: d } of Array.isArray(batch) ? batch : [batch]) {
        if (topic === 'debug') this.debug.push(decodeDebug(d));
        else if (topic.startsWith('status/')) {
          const id = topic.slice('status/'.length);
          this.statuses.set(id, d ?? {});
          this.statusHistory.push({ id, ...(d ?? {}) });
        }
      }
      for (const w of this.waiters) w();
    });
  }

  static async open(baseUrl: string): Promise<EditorComms> {
    const url = new URL('comms', baseUrl.replace(/^http/, 'ws'));
    const ws = new WebSocket(url);
    await new Promise<void>((resolve, reject) => { ws.once('open', resolve); ws.once('error', reject); });
    for (const topic of ['debug', 'status/#']) ws.send(JSON.stringify({ subscribe: topic }));
    return new EditorComms(ws);
  }

  /** Messages shown by the debug node with this id (or name). */
  from(idOrName: string): DebugMessage[] {
    return this.debug.filter((m) => m.id === idOrName || m.name === idOrName);
  }

  /** Errors and warnings that reached the debug sidebar (node.error / node.warn). */
  problems(): DebugMessage[] {
    return this.debug.filter((m) => m.level === 20 || m.level === 30);
  }

  /** Resolves with `check()`'s first truthy answer; fails after `ms` with `what` and the debug log. */
  async waitFor<T>(what: string, check: () => T | undefined | false | null, ms = 20_000): Promise<T> {
    const first = check();
    if (first) return first;
    return new Promise<T>((resolve, reject) => {
      const timer = setTimeout(() => {
        this.waiters.delete(waiter);
        const seen = this.debug.slice(-15).map((m) => `${m.name ?? m.id}: ${JSON.stringify(m.value)}`).join('\n  ');
        reject(new Error(`timed out after ${ms} ms waiting for ${what}; last debug messages:\n  ${seen || '(none)'}`));
      }, ms);
      const waiter = () => {
        const v = check();
        if (v) { clearTimeout(timer); this.waiters.delete(waiter); resolve(v); }
      };
      this.waiters.add(waiter);
    });
  }

  clear(): void {
    this.debug.length = 0;
    this.statusHistory.length = 0;
  }

  close(): void {
    this.ws.terminate();
  }
}

/** Reads an example flow from examples/. */
export function readExample(file: string): FlowNode[] {
  return JSON.parse(fs.readFileSync(path.join(projectRoot, 'examples', file), 'utf8')) as FlowNode[];
}

/** Every example flow file name, sorted as the Import menu lists them. */
export function exampleFiles(): string[] {
  return fs.readdirSync(path.join(projectRoot, 'examples')).filter((f) => f.endsWith('.json')).sort();
}

/**
 * node-red-node-test-helper set up for the belay nodes, on the runtime BELAY_NODE_RED names
 * (scripts/test.js runs the node tests on 'node-red' 4.1 and again on 'node-red-5').
 * One helper per process: node --test runs each test file in its own process.
 */
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';

// eslint-disable-next-line @typescript-eslint/no-require-imports
const helper = require('node-red-node-test-helper');

export const runtimeName = process.env.BELAY_NODE_RED || 'node-red';
const runtimePath = require.resolve(runtimeName);

/** The compiled node files, with their .html, locales/ and icons/ beside them (scripts/copy-assets.js). */
export const nodesDir = path.resolve(__dirname, '..', '..', 'src', 'nodes');
export const NODE_TYPES = ['belay-device', 'belay-exec', 'belay-task', 'belay-thread', 'belay-sync', 'belay-event'] as const;

/** The core nodes of the same runtime (Join, Split), for tests that wire them in. */
function coreNode(rel: string): unknown {
  const nodesPkg = require.resolve('@node-red/nodes/package.json', { paths: [path.dirname(runtimePath)] });
  return require(path.join(path.dirname(nodesPkg), 'core', rel));
}

export const userDir = fs.mkdtempSync(path.join(os.tmpdir(), 'belay-nodes-'));
helper.init(runtimePath, { userDir });
process.once('exit', () => fs.rmSync(userDir, { recursive: true, force: true }));

const belayNodes = NODE_TYPES.map((t) => require(path.join(nodesDir, `${t}.js`)));
const allNodes = [...belayNodes, coreNode('sequence/17-split.js')];

export type FlowNode = Record<string, unknown> & { id: string; type: string };
export type Msg = Record<string, any>;

export interface TestNode {
  id: string;
  receive(msg: Msg): void;
  on(event: string, fn: (...args: any[]) => void): void;
  once(event: string, fn: (...args: any[]) => void): void;
  off(event: string, fn: (...args: any[]) => void): void;
  [key: string]: any;
}

/**
 * Node-RED takes a node without x/y for a config node, so nodes on a tab get a place on it.
 * (A Catch node, for one, only catches when it is a real flow node.)
 */
function placed(flow: FlowNode[]): FlowNode[] {
  return flow.map((n) => (n.z && n.x === undefined ? { ...n, x: 100, y: 100 } : n));
}

export async function load(flow: FlowNode[], credentials: Record<string, unknown> = {}): Promise<void> {
  await helper.load(allNodes, placed(flow), credentials);
}

/** Stops the flows (closing boards: teardown runs) and forgets the nodes. */
export async function unload(): Promise<void> {
  await helper.unload();
}

/** Replaces the running flows, as a deploy of the given kind does. */
export async function deploy(flow: FlowNode[], type: 'full' | 'nodes' | 'flows' = 'full'): Promise<void> {
  await helper.setFlows(placed(flow), type);
}

export function node(id: string): TestNode {
  const n = helper.getNode(id);
  if (!n) throw new Error(`no node ${id} in the running flow`);
  return n;
}

export const request = (): any => helper.request();

/** The next `count` messages a helper node receives (fails after `ms`). */
export function messages(id: string, count: number, ms = 20000): Promise<Msg[]> {
  const n = node(id);
  const got: Msg[] = [];
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => {
      n.off('input', onInput);
      reject(new Error(`${id} received ${got.length} of ${count} messages within ${ms} ms: ${JSON.stringify(got).slice(0, 500)}`));
    }, ms);
    function onInput(msg: Msg) {
      got.push(msg);
      if (got.length === count) {
        clearTimeout(timer);
        n.off('input', onInput);
        resolve(got);
      }
    }
    n.on('input', onInput);
  });
}

/** The first message node `id` receives from now on that `test` accepts. */
export function messageWhere(id: string, test: (m: Msg) => boolean, ms = 20000): Promise<Msg> {
  const n = node(id);
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => { n.off('input', onInput); reject(new Error(`${id} received no such message within ${ms} ms`)); }, ms);
    function onInput(msg: Msg) {
      if (!test(msg)) return;
      clearTimeout(timer);
      n.off('input', onInput);
      resolve(msg);
    }
    n.on('input', onInput);
  });
}

export async function message(id: string, ms = 20000): Promise<Msg> {
  return (await messages(id, 1, ms))[0];
}

export type Status = { fill?: string; shape?: string; text?: string };

/** The status node `id` shows now (the helper spies on every node.status call). */
export function currentStatus(id: string): Status | undefined {
  const n = node(id);
  const calls = (n.status as { getCalls(): { thisValue: unknown; args: [Status] }[] }).getCalls();
  return calls.filter((c) => c.thisValue === n).pop()?.args[0];
}

/** Resolves with the status node `id` shows now, or the first next one, that `test` accepts. */
export function statusOf(id: string, test: (s: Status) => boolean, ms = 20000): Promise<Status> {
  const n = node(id);
  const now = currentStatus(id);
  if (now && test(now)) return Promise.resolve(now);
  return new Promise((resolve, reject) => {
    const seen: unknown[] = [];
    const timer = setTimeout(() => {
      n.off('call:status', onStatus);
      reject(new Error(`${id} showed no such status within ${ms} ms; saw ${JSON.stringify(seen)}`));
    }, ms);
    function onStatus(call: { args: [{ fill?: string; shape?: string; text?: string }] }) {
      const s = call.args[0];
      seen.push(s);
      if (test(s)) {
        clearTimeout(timer);
        n.off('call:status', onStatus);
        resolve(s);
      }
    }
    n.on('call:status', onStatus);
  });
}

/** Waits until the node shows the green "connected" dot. */
export function connected(id: string, ms = 30000): Promise<Status> {
  return statusOf(id, (s) => s.fill === 'green', ms);
}

/** A device config node on the virtual board `port`, with overrides. */
export function device(id: string, port: string, extra: Record<string, unknown> = {}): FlowNode {
  return { id, type: 'belay-device', name: '', port, baud: 115200, setup: '', teardown: '', softReset: true, reconnect: true, timeout: 10, ...extra };
}

/** A helper node that collects what it is wired to. */
export function sink(id: string): FlowNode {
  return { id, type: 'helper' };
}

export function catcher(id: string, wiredTo: string, scope: string[] | null = null): FlowNode {
  return { id, type: 'catch', scope, uncaught: false, wires: [[wiredTo]] };
}

/** A unique virtual board name per test file and call, so boards never collide. */
let boardCount = 0;
export function virtualPort(tag: string, options = ''): string {
  boardCount++;
  return `virtual:${tag}-${process.pid}-${boardCount}${options}`;
}

/** Sends msg to a node and resolves with what `out` receives next. */
export async function roundTrip(inputId: string, outId: string, msg: Msg, ms = 20000): Promise<Msg> {
  const reply = message(outId, ms);
  node(inputId).receive(msg);
  return reply;
}

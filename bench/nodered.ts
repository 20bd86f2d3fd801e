/**
 * Flows for the benchmark on Node-RED as users run it: scripts/nodered.js starts it in this process
 * with this package installed into a temporary user directory (what `npm start` does), and the flow
 * runs once every node of it has started. Not through node-red-node-test-helper, which wraps every
 * node's send, log and status in a spy that also schedules an event per call (a sixth of the host's
 * time in a busy flow, measured). One Node-RED per process: a benchmark runs each flow in a child.
 */
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';

/** A node of the running flow: what a benchmark sends it and hears of it. */
export interface FlowNode {
  receive(msg: object): void;
  on(event: 'input', fn: (msg: Record<string, unknown>) => void): void;
}

interface Launcher {
  startNodeRed(options: { userDir: string; port: number; flows: object[]; logLevel: string }):
    Promise<{ RED: { nodes: { getNode(id: string): FlowNode | null } }; stop(): Promise<void> }>;
}

export async function withFlows<T>(flow: Record<string, unknown>[], run: (node: (id: string) => FlowNode) => Promise<T>): Promise<T> {
  // eslint-disable-next-line @typescript-eslint/no-require-imports
  const launcher = require(path.resolve(__dirname, '..', '..', 'scripts', 'nodered.js')) as Launcher;
  const userDir = fs.mkdtempSync(path.join(os.tmpdir(), 'belay-bench-'));
  const nr = await launcher.startNodeRed({ userDir, port: 0, flows: flow, logLevel: 'error' });
  try {
    const ids = flow.filter((n) => n.type !== 'tab').map((n) => String(n.id));
    const deadline = Date.now() + 30000;
    while (ids.some((id) => !nr.RED.nodes.getNode(id))) {
      if (Date.now() > deadline) throw new Error('the flow did not start within 30 s');
      await new Promise((r) => setTimeout(r, 20));
    }
    return await run((id) => nr.RED.nodes.getNode(id)!);
  } finally {
    await nr.stop();
    fs.rmSync(userDir, { recursive: true, force: true });
  }
}

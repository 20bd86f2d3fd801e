/**
 * Flows for the benchmark on Node-RED's real runtime through node-red-node-test-helper (the
 * runtime the tests use): the belay nodes and Node-RED's inject node loaded, a temporary user
 * directory, everything unloaded and removed afterwards. BELAY_NODE_RED names another runtime.
 */
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';

/** What a benchmark does with the loaded flow: the test helper's getNode. */
export interface Flows {
  getNode(id: string): { receive(msg: object): void; on(event: 'input', fn: (msg: Record<string, unknown>) => void): void };
}

export async function withFlows<T>(flow: Record<string, unknown>[], run: (flows: Flows) => Promise<T>): Promise<T> {
  // eslint-disable-next-line @typescript-eslint/no-require-imports
  const helper = require('node-red-node-test-helper');
  const runtime = require.resolve(process.env.BELAY_NODE_RED || 'node-red');
  const userDir = fs.mkdtempSync(path.join(os.tmpdir(), 'belay-bench-'));
  helper.init(runtime, { userDir });
  const nodesDir = path.resolve(__dirname, '..', 'src', 'nodes');
  const nodesPkg = require.resolve('@node-red/nodes/package.json', { paths: [path.dirname(runtime)] });
  const types = [
    require(path.join(nodesDir, 'belay-device.js')),
    require(path.join(nodesDir, 'belay-task.js')),
    require(path.join(path.dirname(nodesPkg), 'core', 'common', '20-inject.js')),
  ];
  try {
    await helper.load(types, flow);
    return await run(helper as Flows);
  } finally {
    await helper.unload();
    fs.rmSync(userDir, { recursive: true, force: true });
  }
}
